// Report SQL: the daily rollups (maintained per event, rebuilt from `activities`), the summary queries that read
// them, and the naive direct counts over the event tables (the test's reference and the benchmark's baseline).
import { rebuildSql } from './migrations/0004_reports.ts';
import { prepare, type Sqlite } from './sql.ts';
import type { RollupScope } from './schema/reports.ts';

export const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

const upsertDaily = `INSERT INTO report_daily (account_id, scope, scope_id, day, event_type, count) VALUES (?, ?, ?, ?, ?, 1)
  ON CONFLICT (scope, scope_id, day, event_type) DO UPDATE SET count = count + 1`;
const upsertUser = `INSERT INTO report_user_daily (account_id, scope, scope_id, day, user_id, count) VALUES (?, ?, ?, ?, ?, 1)
  ON CONFLICT (scope, scope_id, user_id, day) DO UPDATE SET count = count + 1`;

/** Count one new activity in every scope it belongs to (account, its board, its project). */
export function addToRollups(
  s: Sqlite,
  a: { account_id: string; subject_type: string; creator_id: string; board_id: string | null; project_id: string | null; created_at: number },
): void {
  const day = dayOf(a.created_at);
  const daily = prepare(s, upsertDaily);
  const user = prepare(s, upsertUser);
  const scopes: [RollupScope, string | null][] = [['account', a.account_id], ['board', a.board_id], ['project', a.project_id]];
  for (const [scope, id] of scopes) {
    if (!id) continue;
    daily.run(a.account_id, scope, id, day, a.subject_type);
    user.run(a.account_id, scope, id, day, a.creator_id);
  }
}

/** Recompute every rollup from `activities` (one transaction). */
export function rebuildRollups(s: Sqlite): void {
  s.transaction(() => s.exec(rebuildSql))();
}

/** Both rollup tables, as sorted text lines (tests compare a maintained copy with a rebuilt one). */
export function dumpRollups(s: Sqlite): string[] {
  const a = s.prepare('SELECT scope, scope_id, day, event_type, count FROM report_daily ORDER BY 1, 2, 3, 4').all() as Record<string, unknown>[];
  const b = s.prepare('SELECT scope, scope_id, day, user_id, count FROM report_user_daily ORDER BY 1, 2, 3, 4').all() as Record<string, unknown>[];
  return [...a.map((r) => `d|${Object.values(r).join('|')}`), ...b.map((r) => `u|${Object.values(r).join('|')}`)];
}

export interface Scope {
  accountId: string;
  scope: RollupScope;
  scopeId: string;
}

/** Days are UTC day numbers (ms / 86 400 000), both ends included. */
export interface DayRange {
  fromDay: number;
  toDay: number;
}

// Every query below reads contiguous ranges of a rollup's primary key; the scope was checked against the
// session's account by the caller (and boards/people are listed from the account's own rows).

export function rollupCounts(s: Sqlite, sc: Scope, r: DayRange): { event_type: string; n: number }[] {
  return prepare(
    s,
    `SELECT event_type, sum(count) AS n FROM report_daily
     WHERE scope = ? AND scope_id = ? AND day BETWEEN ? AND ? GROUP BY event_type`,
  ).all(sc.scope, sc.scopeId, r.fromDay, r.toDay) as { event_type: string; n: number }[];
}

export function rollupDaily(s: Sqlite, sc: Scope, r: DayRange): { day: number; event_type: string; n: number }[] {
  return prepare(
    s,
    `SELECT day, event_type, count AS n FROM report_daily
     WHERE scope = ? AND scope_id = ? AND day BETWEEN ? AND ? ORDER BY day`,
  ).all(sc.scope, sc.scopeId, r.fromDay, r.toDay) as { day: number; event_type: string; n: number }[];
}

/** Most active boards of the account (or of one project, or the one board) over the range. */
export function rollupBoards(s: Sqlite, sc: Scope, r: DayRange, limit: number): { id: string; name: string; n: number }[] {
  const where = sc.scope === 'board' ? 'AND b.id = ?' : sc.scope === 'project' ? 'AND b.project_id = ?' : 'AND ? IS NOT NULL';
  return prepare(
    s,
    `SELECT id, name, n FROM (
       SELECT b.id AS id, b.name AS name,
         (SELECT sum(d.count) FROM report_daily d WHERE d.scope = 'board' AND d.scope_id = b.id AND d.day BETWEEN ? AND ?) AS n
       FROM boards b WHERE b.account_id = ? ${where})
     WHERE n > 0 ORDER BY n DESC, name LIMIT ?`,
  ).all(r.fromDay, r.toDay, sc.accountId, sc.scopeId, limit) as { id: string; name: string; n: number }[];
}

/** Most active people in the scope over the range (members of the account, past or present). */
export function rollupUsers(s: Sqlite, sc: Scope, r: DayRange, limit: number): { id: string; name: string; n: number }[] {
  return prepare(
    s,
    `SELECT id, name, n FROM (
       SELECT u.id AS id, u.name AS name,
         (SELECT sum(d.count) FROM report_user_daily d WHERE d.scope = ? AND d.scope_id = ? AND d.user_id = u.id AND d.day BETWEEN ? AND ?) AS n
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ?)
     WHERE n > 0 ORDER BY n DESC, name LIMIT ?`,
  ).all(sc.scope, sc.scopeId, r.fromDay, r.toDay, sc.accountId, limit) as { id: string; name: string; n: number }[];
}

// ---- The naive way: straight over the six event tables (board through the card, project through the board). ----

function naiveEvents(sc: Scope): { sql: string; params: unknown[] } {
  // Each branch yields (t, creator_id, created_at, board_id, project_id) for events of the account in [from, to).
  const cardBranch = (table: string) =>
    `SELECT '${table}' AS t, e.creator_id, e.created_at, c.board_id, b.project_id FROM ${table} e
       JOIN cards c ON c.id = e.card_id JOIN boards b ON b.id = c.board_id
       WHERE e.account_id = ? AND e.created_at >= ? AND e.created_at < ?`;
  const branches = [
    `SELECT 'card_created' AS t, e.creator_id, e.created_at, e.board_id, b.project_id FROM card_created e JOIN boards b ON b.id = e.board_id
       WHERE e.account_id = ? AND e.created_at >= ? AND e.created_at < ?`,
    cardBranch('card_moved'),
    cardBranch('card_updated'),
    cardBranch('comment_added'),
    `SELECT 'member_invited', creator_id, created_at, NULL, NULL FROM member_invited WHERE account_id = ? AND created_at >= ? AND created_at < ?`,
    `SELECT 'project_archived', creator_id, created_at, NULL, project_id FROM project_archived WHERE account_id = ? AND created_at >= ? AND created_at < ?`,
  ];
  const filter = sc.scope === 'board' ? 'WHERE board_id = ?' : sc.scope === 'project' ? 'WHERE project_id = ?' : '';
  return { sql: `(SELECT * FROM (${branches.join(' UNION ALL ')}) ${filter})`, params: sc.scope === 'account' ? [] : [sc.scopeId] };
}

/** The same figures as the rollups, computed from the event rows themselves (reference and baseline). */
export function naiveSummary(s: Sqlite, sc: Scope, r: DayRange, limit = 10) {
  const { sql, params } = naiveEvents(sc);
  const base = [sc.accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS];
  const all6 = [...base, ...base, ...base, ...base, ...base, ...base, ...params];
  const counts = prepare(s, `SELECT t AS event_type, count(*) AS n FROM ${sql} GROUP BY t`).all(...all6) as { event_type: string; n: number }[];
  const daily = prepare(s, `SELECT created_at / ${DAY_MS} AS day, count(*) AS n FROM ${sql} GROUP BY 1 ORDER BY 1`).all(...all6) as { day: number; n: number }[];
  const boards = prepare(
    s,
    `SELECT board_id AS id, count(*) AS n FROM ${sql} WHERE board_id IS NOT NULL GROUP BY board_id ORDER BY n DESC, board_id LIMIT ?`,
  ).all(...all6, limit) as { id: string; n: number }[];
  const users = prepare(s, `SELECT creator_id AS id, count(*) AS n FROM ${sql} GROUP BY creator_id ORDER BY n DESC, creator_id LIMIT ?`).all(
    ...all6,
    limit,
  ) as { id: string; n: number }[];
  return { counts, daily, boards, users };
}

// ---- Webhook deliveries (tables of migration 0002, read only here) ----

export function hasWebhookTables(s: Sqlite): boolean {
  const n = (prepare(s, `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('webhook_endpoints', 'webhook_deliveries', 'webhook_attempts')`).get() as { n: number }).n;
  return n === 3;
}

/** Deliveries created per day: how many, how many ended delivered, how many ended failed. */
export function webhookDailyDeliveries(s: Sqlite, accountId: string, r: DayRange) {
  return prepare(
    s,
    `SELECT created_at / ${DAY_MS} AS day, count(*) AS n,
       sum(status = 'delivered') AS ok, sum(status = 'failed') AS failed
     FROM webhook_deliveries WHERE account_id = ? AND created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1`,
  ).all(accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS) as { day: number; n: number; ok: number; failed: number }[];
}

export function webhookEndpointDeliveries(s: Sqlite, accountId: string, r: DayRange) {
  return prepare(
    s,
    `SELECT e.id AS id, CASE WHEN e.description <> '' THEN e.description ELSE e.url END AS name,
       count(d.id) AS n, coalesce(sum(d.status = 'delivered'), 0) AS ok, coalesce(sum(d.status = 'failed'), 0) AS failed
     FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id AND d.created_at >= ? AND d.created_at < ?
     WHERE e.account_id = ? GROUP BY e.id ORDER BY n DESC, name`,
  ).all(r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS, accountId) as { id: string; name: string; n: number; ok: number; failed: number }[];
}

/** Attempt count and nearest-rank p50/p95 of attempt durations per endpoint, computed in SQL. */
export function webhookAttemptLatency(s: Sqlite, accountId: string, r: DayRange) {
  return prepare(
    s,
    `WITH ranked AS (
       SELECT endpoint_id, duration_ms,
         row_number() OVER (PARTITION BY endpoint_id ORDER BY duration_ms) AS rn,
         count(*) OVER (PARTITION BY endpoint_id) AS cnt
       FROM webhook_attempts WHERE account_id = ? AND created_at >= ? AND created_at < ?)
     SELECT endpoint_id AS id, max(cnt) AS attempts,
       max(CASE WHEN rn = max(1, CAST(ceil(cnt * 0.50) AS INTEGER)) THEN duration_ms END) AS p50,
       max(CASE WHEN rn = max(1, CAST(ceil(cnt * 0.95) AS INTEGER)) THEN duration_ms END) AS p95
     FROM ranked GROUP BY endpoint_id`,
  ).all(accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS) as { id: string; attempts: number; p50: number | null; p95: number | null }[];
}
