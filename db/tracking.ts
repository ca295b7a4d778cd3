// Tracking events: batch inserts, the explorer's aggregates, settings and retention pruning.
import type { Insertable } from 'kysely';
import { all, first, prepare, q, run, type Sqlite } from './sql.ts';
import type { TrackingEventsTable } from './schema.ts';

const insertSql = `INSERT INTO tracking_events (id, account_id, user_id, event_type, trackable_type, trackable_id, metadata, url, referrer, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Insert a validated batch through one prepared statement (the caller wraps it in a transaction). */
export function insertTrackingEvents(s: Sqlite, rows: Insertable<TrackingEventsTable>[]): number {
  const stmt = prepare(s, insertSql);
  for (const r of rows) {
    stmt.run(r.id, r.account_id, r.user_id, r.event_type, r.trackable_type ?? null, r.trackable_id ?? null, r.metadata ?? '{}', r.url, r.referrer ?? null, r.created_at);
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

function where(f: TrackingFilter): { sql: string; params: unknown[] } {
  const parts = ['account_id = ?', 'created_at >= ?', 'created_at < ?'];
  const params: unknown[] = [f.accountId, f.fromMs, f.toMs];
  if (f.eventType !== undefined) {
    parts.push('event_type = ?');
    params.push(f.eventType);
  }
  if (f.userId) {
    parts.push('user_id = ?');
    params.push(f.userId);
  }
  if (f.metaKey) {
    // The key was validated as an identifier; it is still passed as a bound JSON path.
    const path = `$."${f.metaKey}"`;
    if (f.metaValue !== undefined && f.metaValue !== '') {
      parts.push('CAST(json_extract(metadata, ?) AS TEXT) = ?');
      params.push(path, f.metaValue);
    } else {
      parts.push('json_type(metadata, ?) IS NOT NULL');
      params.push(path);
    }
  }
  return { sql: parts.join(' AND '), params };
}

export function trackingAggregates(s: Sqlite, f: TrackingFilter, limit = 15) {
  const w = where(f);
  const total = (prepare(s, `SELECT count(*) AS n FROM tracking_events WHERE ${w.sql}`).get(...w.params) as { n: number }).n;
  const daily = prepare(s, `SELECT created_at / 86400000 AS day, event_type, count(*) AS n FROM tracking_events WHERE ${w.sql} GROUP BY 1, 2 ORDER BY 1`).all(
    ...w.params,
  ) as { day: number; event_type: number; n: number }[];
  const byType = prepare(s, `SELECT event_type, count(*) AS n FROM tracking_events WHERE ${w.sql} GROUP BY 1 ORDER BY 2 DESC`).all(...w.params) as {
    event_type: number;
    n: number;
  }[];
  const topRoutes = prepare(s, `SELECT url, count(*) AS n FROM tracking_events WHERE ${w.sql} AND event_type = 1 GROUP BY url ORDER BY n DESC, url LIMIT ?`).all(
    ...w.params,
    limit,
  ) as { url: string; n: number }[];
  const topElements = prepare(
    s,
    `SELECT json_extract(metadata, '$.element') AS element, count(*) AS n FROM tracking_events
     WHERE ${w.sql} AND event_type <> 1 AND json_extract(metadata, '$.element') IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?`,
  ).all(...w.params, limit) as { element: string; n: number }[];
  const perPerson = prepare(
    s,
    `SELECT t.user_id AS id, u.name AS name, count(*) AS n FROM tracking_events t JOIN users u ON u.id = t.user_id
     WHERE ${w.sql.replace(/\b(account_id|created_at|event_type|user_id|metadata)\b/g, 't.$1')} GROUP BY t.user_id ORDER BY n DESC, u.name LIMIT ?`,
  ).all(...w.params, limit) as { id: string; name: string; n: number }[];
  const metaKeys = prepare(
    s,
    `SELECT DISTINCT j.key AS key FROM tracking_events t, json_each(t.metadata) j
     WHERE t.account_id = ? AND t.created_at >= ? AND t.created_at < ? ORDER BY 1 LIMIT 50`,
  ).all(f.accountId, f.fromMs, f.toMs) as { key: string }[];
  return { total, daily, byType, topRoutes, topElements, perPerson, metaKeys: metaKeys.map((k) => k.key) };
}

/** Page views per route over a time range (the reports page's "top tracked routes"). */
export function topTrackedRoutes(s: Sqlite, accountId: string, fromMs: number, toMs: number, limit = 10) {
  return prepare(
    s,
    `SELECT url, count(*) AS n FROM tracking_events WHERE account_id = ? AND event_type = 1 AND created_at >= ? AND created_at < ?
     GROUP BY url ORDER BY n DESC, url LIMIT ?`,
  ).all(accountId, fromMs, toMs, limit) as { url: string; n: number }[];
}

// ---- Settings ----

export const defaultReportSettings = { tracking_enabled: 1, tracking_retention_days: 90 };

export function reportSettings(s: Sqlite, accountId: string) {
  const row = first(s, q.selectFrom('report_settings').select(['tracking_enabled', 'tracking_retention_days']).where('account_id', '=', accountId));
  return row ?? defaultReportSettings;
}

export function saveReportSettings(s: Sqlite, accountId: string, set: { tracking_enabled?: number; tracking_retention_days?: number }, at: number) {
  const current = reportSettings(s, accountId);
  const next = { ...current, ...set };
  run(
    s,
    q.insertInto('report_settings')
      .values({ account_id: accountId, tracking_enabled: next.tracking_enabled, tracking_retention_days: next.tracking_retention_days, updated_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ tracking_enabled: next.tracking_enabled, tracking_retention_days: next.tracking_retention_days, updated_at: at })),
  );
}

export function userPreferences(s: Sqlite, accountId: string, userId: string) {
  return first(s, q.selectFrom('user_preferences').select(['os_notifications']).where('account_id', '=', accountId).where('user_id', '=', userId)) ?? { os_notifications: 1 };
}

export function saveUserPreferences(s: Sqlite, accountId: string, userId: string, osNotifications: number, at: number) {
  run(
    s,
    q.insertInto('user_preferences')
      .values({ account_id: accountId, user_id: userId, os_notifications: osNotifications, updated_at: at })
      .onConflict((oc) => oc.columns(['account_id', 'user_id']).doUpdateSet({ os_notifications: osNotifications, updated_at: at })),
  );
}

// ---- Retention ----

/** Delete up to `batch` tracking events of an account older than `beforeMs`; returns how many went. */
export function pruneTrackingEvents(s: Sqlite, accountId: string, beforeMs: number, batch = 5000): number {
  return prepare(
    s,
    `DELETE FROM tracking_events WHERE id IN (SELECT id FROM tracking_events WHERE account_id = ? AND created_at < ? LIMIT ?)`,
  ).run(accountId, beforeMs, batch).changes;
}

export const listAccountIds = (s: Sqlite) => all(s, q.selectFrom('accounts').select('id')).map((r) => r.id);
