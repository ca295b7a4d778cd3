// Tracking events: batch inserts, the explorer's aggregates, settings and retention pruning.
//
// `metadata` is JSON text on SQLite and JSONB on PostgreSQL; the queries on it are the one place the two differ
// (json_extract/json_type/json_each there, ->>/jsonb_exists/jsonb_object_keys here), and both give the same
// figures: a value matches by its JSON text (a string as itself, `true`, `3`, `0.5`), a key exists when present
// even with a null value, and keys are listed in byte order.
import type { Insertable } from 'kysely';
import { all, bool, first, rawAll, rawFirst, rawRun, type Db } from './sql.ts';
import { byBytes } from './reports.ts';
import type { TrackingEventsTable } from './schema.ts';

const COLUMNS = 10;
/**
 * Rows per INSERT statement: a whole contract batch (at most 200 events) is one statement, atomic by itself, so it
 * needs no BEGIN/COMMIT of its own (on a hub that is two round trips of four).
 */
export const ROWS_PER_INSERT = 200;
const insertSql = new Map<number, string>();
const insertFor = (n: number) => {
  let sql = insertSql.get(n);
  if (!sql) {
    const row = `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`;
    sql = `INSERT INTO tracking_events (id, account_id, user_id, event_type, trackable_type, trackable_id, metadata, url, referrer, created_at)
      VALUES ${Array.from({ length: n }, () => row).join(', ')}`;
    insertSql.set(n, sql);
  }
  return sql;
};

/** Insert a validated batch, up to 200 rows per statement (more rows are atomic only in the caller's transaction). */
export async function insertTrackingEvents(db: Db, rows: Insertable<TrackingEventsTable>[]): Promise<number> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (const r of chunk) {
      params.push(r.id, r.account_id, r.user_id, r.event_type, r.trackable_type ?? null, r.trackable_id ?? null, r.metadata ?? '{}', r.url, r.referrer ?? null, r.created_at);
    }
    await rawRun(db, insertFor(chunk.length), params);
  }
  return rows.length;
}

export interface TrackingFilter {
  accountId: string;
  fromMs: number;
  toMs: number;
  eventType?: number;
  userId?: string;
  metaKey?: string;
  metaValue?: string;
}

/** The filter as SQL over `tracking_events` (columns prefixed with `t.` when `prefix` is given). */
function where(db: Db, f: TrackingFilter, prefix = ''): { sql: string; params: unknown[] } {
  const c = (name: string) => `${prefix}${name}`;
  const parts = [`${c('account_id')} = ?`, `${c('created_at')} >= ?`, `${c('created_at')} < ?`];
  const params: unknown[] = [f.accountId, f.fromMs, f.toMs];
  if (f.eventType !== undefined) {
    parts.push(`${c('event_type')} = ?`);
    params.push(f.eventType);
  }
  if (f.userId) {
    parts.push(`${c('user_id')} = ?`);
    params.push(f.userId);
  }
  if (f.metaKey) {
    // The key was validated as an identifier; it is still passed as a bound parameter (a JSON path on SQLite).
    const m = c('metadata');
    const hasValue = f.metaValue !== undefined && f.metaValue !== '';
    if (db.dialect === 'postgres') {
      if (hasValue) {
        parts.push(`(${m} ->> CAST(? AS TEXT)) = ?`);
        params.push(f.metaKey, f.metaValue);
      } else {
        parts.push(`jsonb_exists(${m}, CAST(? AS TEXT))`);
        params.push(f.metaKey);
      }
    } else {
      const path = `$."${f.metaKey}"`;
      if (hasValue) {
        // A value's JSON text, as PostgreSQL's ->> gives it: strings unquoted, true/false as words, numbers as written.
        parts.push(`(CASE json_type(${m}, ?) WHEN 'text' THEN json_extract(${m}, ?) WHEN 'null' THEN NULL ELSE ${m} -> ? END) = ?`);
        params.push(path, path, path, f.metaValue);
      } else {
        parts.push(`json_type(${m}, ?) IS NOT NULL`);
        params.push(path);
      }
    }
  }
  return { sql: parts.join(' AND '), params };
}

/** The `element` of the metadata as text (NULL when absent). */
const elementOf = (db: Db) => (db.dialect === 'postgres' ? `metadata ->> 'element'` : `json_extract(metadata, '$.element')`);

export async function trackingAggregates(db: Db, f: TrackingFilter, limit = 15) {
  const w = where(db, f);
  const total = Number((await rawFirst<{ n: number }>(db, `SELECT count(*) AS n FROM tracking_events WHERE ${w.sql}`, w.params))?.n ?? 0);
  const daily = await rawAll<{ day: number; event_type: number; n: number }>(
    db,
    `SELECT created_at / 86400000 AS day, event_type, count(*) AS n FROM tracking_events WHERE ${w.sql} GROUP BY 1, 2 ORDER BY 1, 2`,
    w.params,
  );
  const byType = await rawAll<{ event_type: number; n: number }>(
    db,
    `SELECT event_type, count(*) AS n FROM tracking_events WHERE ${w.sql} GROUP BY 1 ORDER BY 2 DESC, 1`,
    w.params,
  );
  const topRoutes = await rawAll<{ url: string; n: number }>(
    db,
    `SELECT url, count(*) AS n FROM tracking_events WHERE ${w.sql} AND event_type = 1 GROUP BY url ORDER BY n DESC, ${byBytes(db, 'url')} LIMIT ?`,
    [...w.params, limit],
  );
  const element = elementOf(db);
  const topElements = await rawAll<{ element: string; n: number }>(
    db,
    `SELECT ${element} AS element, count(*) AS n FROM tracking_events
     WHERE ${w.sql} AND event_type <> 1 AND ${element} IS NOT NULL GROUP BY 1 ORDER BY n DESC, ${byBytes(db, element)} LIMIT ?`,
    [...w.params, limit],
  );
  const wt = where(db, f, 't.');
  const perPerson = await rawAll<{ id: string; name: string; n: number }>(
    db,
    `SELECT t.user_id AS id, u.name AS name, count(*) AS n FROM tracking_events t JOIN users u ON u.id = t.user_id
     WHERE ${wt.sql} GROUP BY t.user_id, u.name ORDER BY n DESC, ${byBytes(db, 'u.name')}, t.user_id LIMIT ?`,
    [...wt.params, limit],
  );
  const keysOf = db.dialect === 'postgres' ? 'jsonb_object_keys(t.metadata) AS j(key)' : 'json_each(t.metadata) AS j';
  const metaKeys = await rawAll<{ key: string }>(
    db,
    `SELECT key FROM (SELECT DISTINCT j.key AS key FROM tracking_events t, ${keysOf}
       WHERE t.account_id = ? AND t.created_at >= ? AND t.created_at < ?) AS k ORDER BY ${byBytes(db, 'key')} LIMIT 50`,
    [f.accountId, f.fromMs, f.toMs],
  );
  return { total, daily, byType, topRoutes, topElements, perPerson, metaKeys: metaKeys.map((k) => k.key) };
}

/** Page views per route over a time range (the reports page's "top tracked routes"). */
export function topTrackedRoutes(db: Db, accountId: string, fromMs: number, toMs: number, limit = 10) {
  return rawAll<{ url: string; n: number }>(
    db,
    `SELECT url, count(*) AS n FROM tracking_events WHERE account_id = ? AND event_type = 1 AND created_at >= ? AND created_at < ?
     GROUP BY url ORDER BY n DESC, ${byBytes(db, 'url')} LIMIT ?`,
    [accountId, fromMs, toMs, limit],
  );
}

// ---- Settings (flags are 0/1 on SQLite and booleans on PostgreSQL: read through bool(), written as booleans) ----

export interface ReportSettings {
  tracking_enabled: boolean;
  tracking_retention_days: number;
}

export const defaultReportSettings: Readonly<ReportSettings> = { tracking_enabled: true, tracking_retention_days: 90 };

export async function reportSettings(db: Db, accountId: string): Promise<ReportSettings> {
  // Fixed text, not built per call: every tracking batch reads it.
  const row = await rawFirst<{ tracking_enabled: unknown; tracking_retention_days: number }>(
    db,
    'SELECT tracking_enabled, tracking_retention_days FROM report_settings WHERE account_id = ?',
    [accountId],
  );
  return row ? { tracking_enabled: bool(row.tracking_enabled), tracking_retention_days: Number(row.tracking_retention_days) } : { ...defaultReportSettings };
}

// One upsert per setting: each writes only its own column (a new row takes the table's default for the other),
// so two people saving different settings at the same moment on a hub never undo each other.
const saveTrackingEnabled = `INSERT INTO report_settings (account_id, tracking_enabled, updated_at) VALUES (?, ?, ?)
  ON CONFLICT (account_id) DO UPDATE SET tracking_enabled = excluded.tracking_enabled, updated_at = excluded.updated_at`;
const saveRetention = `INSERT INTO report_settings (account_id, tracking_retention_days, updated_at) VALUES (?, ?, ?)
  ON CONFLICT (account_id) DO UPDATE SET tracking_retention_days = excluded.tracking_retention_days, updated_at = excluded.updated_at`;

export async function saveReportSettings(db: Db, accountId: string, set: { tracking_enabled?: boolean; tracking_retention_days?: number }, at: number): Promise<void> {
  if (set.tracking_enabled !== undefined) await rawRun(db, saveTrackingEnabled, [accountId, set.tracking_enabled, at]);
  if (set.tracking_retention_days !== undefined) await rawRun(db, saveRetention, [accountId, set.tracking_retention_days, at]);
}

export async function userPreferences(db: Db, accountId: string, userId: string): Promise<{ os_notifications: boolean }> {
  const row = await first(db, db.q.selectFrom('user_preferences').select(['os_notifications']).where('account_id', '=', accountId).where('user_id', '=', userId));
  return { os_notifications: row ? bool(row.os_notifications) : true };
}

export async function saveUserPreferences(db: Db, accountId: string, userId: string, osNotifications: boolean, at: number): Promise<void> {
  await rawRun(
    db,
    `INSERT INTO user_preferences (account_id, user_id, os_notifications, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (account_id, user_id) DO UPDATE SET os_notifications = excluded.os_notifications, updated_at = excluded.updated_at`,
    [accountId, userId, osNotifications, at],
  );
}

// ---- Retention ----

/** Delete up to `batch` tracking events of an account older than `beforeMs`; returns how many went. */
export function pruneTrackingEvents(db: Db, accountId: string, beforeMs: number, batch = 5000): Promise<number> {
  // No ORDER BY: every row before the cutoff goes, so the index scan may stop at the first `batch` it finds.
  return rawRun(
    db,
    `DELETE FROM tracking_events WHERE id IN (SELECT id FROM tracking_events WHERE account_id = ? AND created_at < ? LIMIT ?)`,
    [accountId, beforeMs, batch],
  );
}

export const listAccountIds = async (db: Db) => (await all(db, db.q.selectFrom('accounts').select('id').orderBy('id'))).map((r) => r.id);
