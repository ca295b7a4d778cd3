import type { Migration } from '../types.ts';

// The foundation on PostgreSQL: the same tables, columns and indexes as ../sqlite/0001_foundation.ts.
// Times are BIGINT epoch milliseconds (read back as JS numbers), keys UUIDv7 as TEXT (the same strings as on
// SQLite, so ids, cursors and the audit chain's canonical bytes do not depend on the store).
export const migration0001: Migration = {
  version: 1,
  name: 'foundation',
  async up(tx) {
    await tx.script(`
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        email TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX users_account ON users(account_id);

      CREATE TABLE memberships (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        created_at BIGINT NOT NULL,
        UNIQUE (account_id, user_id)
      );
      CREATE INDEX memberships_user ON memberships(user_id);

      CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        archived_at BIGINT,
        archived_reason TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX projects_account ON projects(account_id, name);

      CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        project_id TEXT NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX boards_project ON boards(project_id);
      CREATE INDEX boards_account ON boards(account_id, name);

      CREATE TABLE columns (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        board_id TEXT NOT NULL REFERENCES boards(id),
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX columns_board ON columns(board_id, position);

      CREATE TABLE cards (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        board_id TEXT NOT NULL REFERENCES boards(id),
        column_id TEXT NOT NULL REFERENCES columns(id),
        position INTEGER NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        assignee_id TEXT REFERENCES users(id),
        due_date TEXT,
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX cards_column ON cards(column_id, position);
      CREATE INDEX cards_board ON cards(board_id);

      CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        card_id TEXT NOT NULL REFERENCES cards(id),
        author_id TEXT NOT NULL REFERENCES users(id),
        body TEXT NOT NULL CHECK (length(trim(body)) > 0),
        created_at BIGINT NOT NULL
      );
      CREATE INDEX comments_card ON comments(card_id, created_at);

      CREATE TABLE card_subscriptions (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        card_id TEXT NOT NULL REFERENCES cards(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        UNIQUE (card_id, user_id)
      );

      CREATE TABLE card_created (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        card_id TEXT NOT NULL REFERENCES cards(id),
        board_id TEXT NOT NULL REFERENCES boards(id),
        column_id TEXT NOT NULL REFERENCES columns(id),
        title TEXT NOT NULL
      );
      CREATE INDEX card_created_card ON card_created(card_id);

      CREATE TABLE card_moved (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        card_id TEXT NOT NULL REFERENCES cards(id),
        from_column_id TEXT NOT NULL REFERENCES columns(id),
        to_column_id TEXT NOT NULL REFERENCES columns(id),
        from_position INTEGER NOT NULL,
        to_position INTEGER NOT NULL,
        CHECK (from_column_id <> to_column_id)
      );
      CREATE INDEX card_moved_card ON card_moved(card_id, created_at);

      -- changes stays TEXT: its exact bytes are hashed into the audit chain. Queries cast it to jsonb.
      CREATE TABLE card_updated (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        card_id TEXT NOT NULL REFERENCES cards(id),
        changes TEXT NOT NULL CHECK (changes::jsonb IS NOT NULL)
      );
      CREATE INDEX card_updated_card ON card_updated(card_id, created_at);

      CREATE TABLE comment_added (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        comment_id TEXT NOT NULL REFERENCES comments(id),
        card_id TEXT NOT NULL REFERENCES cards(id)
      );
      CREATE INDEX comment_added_card ON comment_added(card_id, created_at);

      CREATE TABLE member_invited (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        membership_id TEXT NOT NULL REFERENCES memberships(id),
        invitee_id TEXT NOT NULL REFERENCES users(id),
        role TEXT NOT NULL
      );

      CREATE TABLE project_archived (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        creator_id TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        project_id TEXT NOT NULL REFERENCES projects(id),
        reason TEXT NOT NULL CHECK (length(trim(reason)) BETWEEN 1 AND 500)
      );

      CREATE TABLE activities (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        subject_type TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        creator_id TEXT NOT NULL REFERENCES users(id),
        board_id TEXT REFERENCES boards(id),
        project_id TEXT REFERENCES projects(id),
        created_at BIGINT NOT NULL
      );
      CREATE INDEX activities_account_created ON activities(account_id, created_at DESC, id DESC);
      CREATE INDEX activities_board_created ON activities(board_id, created_at DESC, id DESC);
      CREATE INDEX activities_project_created ON activities(project_id, created_at DESC, id DESC);
      CREATE INDEX activities_creator_created ON activities(creator_id, created_at DESC, id DESC);
      CREATE INDEX activities_account_type_created ON activities(account_id, subject_type, created_at DESC, id DESC);
      CREATE UNIQUE INDEX activities_subject ON activities(subject_type, subject_id);

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        queue TEXT NOT NULL,
        kind TEXT NOT NULL,
        args TEXT NOT NULL CHECK (args::jsonb IS NOT NULL),
        status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('ready', 'claimed', 'done', 'failed', 'cancelled')),
        priority INTEGER NOT NULL DEFAULT 0,
        run_at BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 25,
        claimed_by TEXT,
        claimed_at BIGINT,
        heartbeat_at BIGINT,
        last_error TEXT,
        finished_at BIGINT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX jobs_due ON jobs(status, queue, run_at, priority);
      CREATE INDEX jobs_claimed ON jobs(status, heartbeat_at) WHERE status = 'claimed';
      CREATE INDEX jobs_account ON jobs(account_id, created_at);
    `);
  },
};
