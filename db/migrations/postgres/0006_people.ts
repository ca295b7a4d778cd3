import type { Migration } from '../types.ts';
import { accessEventDdl, dedupeEmails } from '../common/people.ts';

// People and permissions on PostgreSQL: the twin of ../sqlite/0006_people.ts (its comments say why), with
// PostgreSQL's types (BIGINT times, a BOOLEAN demo flag).
export const migration0006: Migration = {
  version: 6,
  name: 'people',
  async up(tx) {
    await dedupeEmails(tx);
    await tx.script(`
      CREATE UNIQUE INDEX users_email ON users(email);

      ALTER TABLE accounts ADD COLUMN demo BOOLEAN NOT NULL DEFAULT false;

      CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        invitee_id TEXT NOT NULL REFERENCES users(id),
        role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
        join_token_hash TEXT UNIQUE CHECK (join_token_hash IS NULL OR length(join_token_hash) = 64),
        invited_by TEXT NOT NULL REFERENCES users(id),
        membership_id TEXT REFERENCES memberships(id),
        decided_by TEXT REFERENCES users(id),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        decided_at BIGINT
      );
      CREATE UNIQUE INDEX invitations_pending ON invitations(account_id, invitee_id) WHERE status = 'pending';
      CREATE INDEX invitations_account ON invitations(account_id, created_at);
      CREATE INDEX invitations_invitee ON invitations(invitee_id, status);

      CREATE TABLE access_tokens (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        prefix TEXT NOT NULL,
        created_by TEXT NOT NULL REFERENCES users(id),
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT,
        revoked_by TEXT REFERENCES users(id)
      );
      CREATE INDEX access_tokens_account ON access_tokens(account_id, created_at);

      ALTER TABLE webhook_endpoints ADD COLUMN deleted_at BIGINT;

      ${accessEventDdl('postgres')}
    `);
  },
};
