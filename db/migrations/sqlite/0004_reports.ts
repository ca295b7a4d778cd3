import type { Migration } from '../types.ts';
import { rebuildSql } from '../common/rollups.ts';

// Reports, tracking and notifications.
//
// Rollups: `report_daily` counts events per (scope, day, event type) and `report_user_daily` per (scope, person,
// day), where scope is the account itself, one board or one project. Both are WITHOUT ROWID tables keyed so that
// a report reads contiguous key ranges: one range per scope (counts, daily), one per board or person (rankings). They are a pure function of `activities`
// (one row per domain event: type, creator, board, project, time), so `rebuildRollups` can always recompute them
// with a GROUP BY. Inserts are counted by the in-transaction hook of recordEvent (main/reports/rollups.ts);
// deletions and re-assignments are counted by the triggers below, so a row removed or changed by any path (a
// retention job, a future delete command, a manual fix) keeps the rollups exact in the same transaction.
// Removing an event row removes its activity (a feed entry must not point at nothing), which decrements.
const eventTables = ['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived'];

/** SQL applying `delta` (+1/-1) for the activity row `r` (NEW or OLD) to both rollup tables, for each scope. */
function applyDelta(r: 'NEW' | 'OLD', delta: 1 | -1): string {
  const day = `(${r}.created_at / 86400000)`;
  const scopes: [string, string, string][] = [
    ['account', `${r}.account_id`, '1'],
    ['board', `${r}.board_id`, `${r}.board_id IS NOT NULL`],
    ['project', `${r}.project_id`, `${r}.project_id IS NOT NULL`],
  ];
  return scopes
    .map(
      ([scope, id, cond]) => `
      INSERT INTO report_daily (account_id, scope, scope_id, day, event_type, count)
        SELECT ${r}.account_id, '${scope}', ${id}, ${day}, ${r}.subject_type, ${delta} WHERE ${cond}
        ON CONFLICT (scope, scope_id, day, event_type) DO UPDATE SET count = count + (${delta});
      INSERT INTO report_user_daily (account_id, scope, scope_id, day, user_id, count)
        SELECT ${r}.account_id, '${scope}', ${id}, ${day}, ${r}.creator_id, ${delta} WHERE ${cond}
        ON CONFLICT (scope, scope_id, user_id, day) DO UPDATE SET count = count + (${delta});`,
    )
    .join('\n');
}

const cleanupZeros = `
      DELETE FROM report_daily WHERE count <= 0;
      DELETE FROM report_user_daily WHERE count <= 0;`;

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
        PRIMARY KEY (scope, scope_id, day, event_type)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE report_user_daily (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        scope TEXT NOT NULL CHECK (scope IN ('account', 'board', 'project')),
        scope_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (scope, scope_id, user_id, day)
      ) STRICT, WITHOUT ROWID;

      -- Client-side tracking events. event_type: 1 page_view, 2 link_click, 3 form_submit, 4 button_click,
      -- 5 search, 6 export (main/tracking/types.ts). metadata is a bounded JSON object.
      CREATE TABLE tracking_events (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        event_type INTEGER NOT NULL CHECK (event_type BETWEEN 1 AND 6),
        trackable_type TEXT,
        trackable_id TEXT,
        metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
        url TEXT NOT NULL,
        referrer TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
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
        -- What produced it (e.g. the event id): a retried job never notifies twice.
        source_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (user_id, source_key)
      ) STRICT;
      CREATE INDEX notifications_inbox ON notifications(account_id, user_id, created_at DESC, id DESC);

      CREATE TABLE notification_reads (
        notification_id TEXT NOT NULL PRIMARY KEY REFERENCES notifications(id) ON DELETE CASCADE,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        read_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX notification_reads_user ON notification_reads(account_id, user_id);

      CREATE TABLE report_settings (
        account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts(id),
        tracking_enabled INTEGER NOT NULL DEFAULT 1 CHECK (tracking_enabled IN (0, 1)),
        tracking_retention_days INTEGER NOT NULL DEFAULT 90 CHECK (tracking_retention_days BETWEEN 1 AND 3650),
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE user_preferences (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        os_notifications INTEGER NOT NULL DEFAULT 1 CHECK (os_notifications IN (0, 1)),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, user_id)
      ) STRICT;

      -- "New since you last looked" on the timeline.
      CREATE TABLE activity_last_seen (
        account_id TEXT NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, user_id)
      ) STRICT;

      CREATE TRIGGER activities_rollup_delete AFTER DELETE ON activities BEGIN
        ${applyDelta('OLD', -1)}
        ${cleanupZeros}
      END;

      CREATE TRIGGER activities_rollup_update
      AFTER UPDATE OF account_id, subject_type, creator_id, board_id, project_id, created_at ON activities BEGIN
        ${applyDelta('OLD', -1)}
        ${applyDelta('NEW', 1)}
        ${cleanupZeros}
      END;

      ${eventTables
        .map(
          (t) => `CREATE TRIGGER ${t}_remove_activity AFTER DELETE ON ${t} BEGIN
        DELETE FROM activities WHERE subject_type = '${t}' AND subject_id = OLD.id;
      END;`,
        )
        .join('\n      ')}
    `);
    // Existing events (a workspace created before this migration): count them once.
    await tx.script(rebuildSql);
  },
};

