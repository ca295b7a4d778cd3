import type { Migration } from '../types.ts';
import { rebuildSql } from '../common/rollups.ts';

// Reports, tracking and notifications on PostgreSQL (twin of ../sqlite/0004_reports.ts). The rollups are kept
// exact on deletions and re-assignments by triggers, as on SQLite; PostgreSQL's triggers call a function.
const eventTables = ['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived'];

function applyDelta(r: 'NEW' | 'OLD', delta: 1 | -1): string {
  const day = `(${r}.created_at / 86400000)`;
  const scopes: [string, string, string][] = [
    ['account', `${r}.account_id`, 'true'],
    ['board', `${r}.board_id`, `${r}.board_id IS NOT NULL`],
    ['project', `${r}.project_id`, `${r}.project_id IS NOT NULL`],
  ];
  return scopes
    .map(
      ([scope, id, cond]) => `
      IF ${cond} THEN
        INSERT INTO report_daily AS d (account_id, scope, scope_id, day, event_type, count)
          VALUES (${r}.account_id, '${scope}', ${id}, ${day}, ${r}.subject_type, ${delta})
          ON CONFLICT (scope, scope_id, day, event_type) DO UPDATE SET count = d.count + (${delta});
        INSERT INTO report_user_daily AS u (account_id, scope, scope_id, day, user_id, count)
          VALUES (${r}.account_id, '${scope}', ${id}, ${day}, ${r}.creator_id, ${delta})
          ON CONFLICT (scope, scope_id, user_id, day) DO UPDATE SET count = u.count + (${delta});
      END IF;`,
    )
    .join('\n');
}

export const migration0004: Migration = {
  version: 4,
  name: 'reports',
  async up(tx) {
    await tx.script(`
      CREATE TABLE report_daily (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        scope TEXT NOT NULL CHECK (scope IN ('account', 'board', 'project')),
        scope_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        count INTEGER NOT NULL,
        -- count in the key's index: a report reads a range of it without visiting the heap (index-only), where
        -- SQLite's WITHOUT ROWID table already keeps the row in its key.
        PRIMARY KEY (scope, scope_id, day, event_type) INCLUDE (count)
      );

      CREATE TABLE report_user_daily (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        scope TEXT NOT NULL CHECK (scope IN ('account', 'board', 'project')),
        scope_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (scope, scope_id, user_id, day) INCLUDE (count)
      );

      CREATE TABLE tracking_events (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        event_type INTEGER NOT NULL CHECK (event_type BETWEEN 1 AND 6),
        trackable_type TEXT,
        trackable_id TEXT,
        metadata JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
        url TEXT NOT NULL,
        referrer TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX tracking_events_account_type_created ON tracking_events(account_id, event_type, created_at);
      CREATE INDEX tracking_events_user_created ON tracking_events(user_id, created_at);
      CREATE INDEX tracking_events_account_created ON tracking_events(account_id, created_at);

      CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL CHECK (kind IN ('comment', 'invitation', 'endpoint_disabled', 'delivery_failures')),
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        link TEXT,
        actor_id TEXT REFERENCES users(id),
        subject_type TEXT,
        subject_id TEXT,
        source_key TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (user_id, source_key)
      );
      CREATE INDEX notifications_inbox ON notifications(account_id, user_id, created_at DESC, id DESC);

      CREATE TABLE notification_reads (
        notification_id TEXT NOT NULL PRIMARY KEY REFERENCES notifications(id) ON DELETE CASCADE,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        read_at BIGINT NOT NULL
      );
      CREATE INDEX notification_reads_user ON notification_reads(account_id, user_id);

      CREATE TABLE report_settings (
        account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts(id),
        tracking_enabled BOOLEAN NOT NULL DEFAULT true,
        tracking_retention_days INTEGER NOT NULL DEFAULT 90 CHECK (tracking_retention_days BETWEEN 1 AND 3650),
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE user_preferences (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        os_notifications BOOLEAN NOT NULL DEFAULT true,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, user_id)
      );

      CREATE TABLE activity_last_seen (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        seen_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, user_id)
      );

      CREATE FUNCTION activities_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${applyDelta('OLD', -1)}
        DELETE FROM report_daily WHERE count <= 0;
        DELETE FROM report_user_daily WHERE count <= 0;
        RETURN OLD;
      END $fn$;
      CREATE TRIGGER activities_rollup_delete AFTER DELETE ON activities
        FOR EACH ROW EXECUTE FUNCTION activities_rollup_delete();

      CREATE FUNCTION activities_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${applyDelta('OLD', -1)}
        ${applyDelta('NEW', 1)}
        DELETE FROM report_daily WHERE count <= 0;
        DELETE FROM report_user_daily WHERE count <= 0;
        RETURN NEW;
      END $fn$;
      CREATE TRIGGER activities_rollup_update
        AFTER UPDATE OF account_id, subject_type, creator_id, board_id, project_id, created_at ON activities
        FOR EACH ROW EXECUTE FUNCTION activities_rollup_update();

      -- Removing an event row removes its activity (a feed entry must not point at nothing).
      CREATE FUNCTION event_remove_activity() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        DELETE FROM activities WHERE subject_type = TG_TABLE_NAME AND subject_id = OLD.id;
        RETURN OLD;
      END $fn$;
      ${eventTables
        .map((t) => `CREATE TRIGGER ${t}_remove_activity AFTER DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION event_remove_activity();`)
        .join('\n      ')}
    `);
    await tx.script(rebuildSql);
  },
};
