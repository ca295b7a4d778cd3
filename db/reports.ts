// Report SQL: the daily rollups (maintained per event, rebuilt from `activities`), the summary queries that read
// them, and the naive direct counts over the event tables (the test's reference and the benchmark's baseline).
// Every statement runs on SQLite and PostgreSQL; where the two must differ (table locks, catalog lookups), the
// branch is inside the one function below that needs it.
import { eventTableNames } from './events.ts';
import { rebuildSql } from './migrations/common/rollups.ts';
import { rawAll, rawFirst, type Db, type RowWrite, type Store, type Tx } from './sql.ts';
import type { RollupScope } from './schema/reports.ts';

export const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => Math.floor(ms / DAY_MS);

/**
 * Text ordering that is the same on both stores: SQLite compares text by bytes (BINARY); PostgreSQL by the
 * database's collation unless told otherwise, and "C" is byte order. Used where ties decide which rows make a
 * LIMIT, so a hub and a file answer with the same rows.
 */
export const byBytes = (db: Db, expr: string) => (db.dialect === 'postgres' ? `(${expr}) COLLATE "C"` : expr);

// One statement per rollup table per event (the 1–3 scopes of the activity as the rows of one upsert): the rows
// have distinct keys, so neither dialect sees a row twice in one statement. The statement texts (three per table)
// are built once.
const upsertRows = (table: 'report_daily' | 'report_user_daily', n: number) => {
  const [col, key] = table === 'report_daily' ? ['event_type', 'scope, scope_id, day, event_type'] : ['user_id', 'scope, scope_id, user_id, day'];
  const rows = Array.from({ length: n }, () => '(?, ?, ?, ?, ?, 1)').join(', ');
  return `INSERT INTO ${table} (account_id, scope, scope_id, day, ${col}, count) VALUES ${rows}
    ON CONFLICT (${key}) DO UPDATE SET count = ${table}.count + 1`;
};
const upsertDaily = [1, 2, 3].map((n) => upsertRows('report_daily', n));
const upsertUser = [1, 2, 3].map((n) => upsertRows('report_user_daily', n));

/**
 * The upserts that count one new activity in every scope it belongs to (account, its board, its project): the
 * rollup hook gives them to the event's writes, so on a hub they travel in the event's one statement.
 */
export function rollupWrites(
  a: { account_id: string; subject_type: string; creator_id: string; board_id: string | null; project_id: string | null; created_at: number },
): [daily: RowWrite, user: RowWrite] {
  const day = dayOf(a.created_at);
  const scopes: [RollupScope, string | null][] = [['account', a.account_id], ['board', a.board_id], ['project', a.project_id]];
  const daily: unknown[] = [];
  const user: unknown[] = [];
  let n = 0;
  for (const [scope, id] of scopes) {
    if (!id) continue;
    daily.push(a.account_id, scope, id, day, a.subject_type);
    user.push(a.account_id, scope, id, day, a.creator_id);
    n++;
  }
  return [{ text: upsertDaily[n - 1], params: daily }, { text: upsertUser[n - 1], params: user }];
}

/**
 * While rollups are recomputed (or compared with a recomputation) on a hub, no command may add to them: the
 * rebuild would miss an activity committed after it read `activities`, or collide with a cell a command just
 * inserted. EXCLUSIVE lets readers through and makes writers wait; it ends with the transaction. On SQLite the
 * transaction already holds the file's write lock.
 */
async function holdRollups(tx: Tx): Promise<void> {
  if (tx.dialect === 'postgres') await tx.script('LOCK TABLE report_daily, report_user_daily IN EXCLUSIVE MODE');
}

/** Recompute every rollup from `activities` (in one transaction: the store's own, or the caller's). */
export async function rebuildRollups(db: Store | Tx): Promise<void> {
  const work = async (tx: Tx) => {
    await holdRollups(tx);
    await tx.script(rebuildSql);
  };
  if ('inTransaction' in db) await work(db);
  else await db.transaction(work);
}

/**
 * Both rollup tables as text lines in key order (tests and `reports --check` compare a maintained copy with a
 * rebuilt one; `copy` compares a file with a hub). Sorted here, by bytes, so both stores give the same order.
 */
export async function dumpRollups(db: Db): Promise<string[]> {
  const a = await rawAll<{ scope: string; scope_id: string; day: number; event_type: string; count: number }>(
    db,
    'SELECT scope, scope_id, day, event_type, count FROM report_daily',
  );
  const b = await rawAll<{ scope: string; scope_id: string; day: number; user_id: string; count: number }>(
    db,
    'SELECT scope, scope_id, day, user_id, count FROM report_user_daily',
  );
  const cmp = (x: (string | number)[], y: (string | number)[]) => {
    for (let i = 0; i < x.length; i++) {
      if (x[i] === y[i]) continue;
      return typeof x[i] === 'number' ? (x[i] as number) - (y[i] as number) : x[i] < y[i] ? -1 : 1;
    }
    return 0;
  };
  const ka = a.map((r) => [r.scope, r.scope_id, Number(r.day), r.event_type, Number(r.count)]).sort(cmp);
  const kb = b.map((r) => [r.scope, r.scope_id, Number(r.day), r.user_id, Number(r.count)]).sort(cmp);
  return [...ka.map((r) => `d|${r.join('|')}`), ...kb.map((r) => `u|${r.join('|')}`)];
}

/**
 * Compare the maintained rollups with a recomputation from `activities`, changing nothing: both are read in one
 * transaction (rollup writers held off on a hub) that is rolled back.
 */
export async function checkRollups(store: Store): Promise<{ maintained: string[]; rebuilt: string[] }> {
  class RolledBack extends Error {
    constructor(readonly result: { maintained: string[]; rebuilt: string[] }) {
      super('rolled back on purpose');
    }
  }
  try {
    await store.transaction(async (tx) => {
      await holdRollups(tx);
      const maintained = await dumpRollups(tx);
      await tx.script(rebuildSql);
      throw new RolledBack({ maintained, rebuilt: await dumpRollups(tx) });
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.result;
    throw err;
  }
  throw new Error('unreachable: the check transaction always rolls back');
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

export function rollupCounts(db: Db, sc: Scope, r: DayRange): Promise<{ event_type: string; n: number }[]> {
  return rawAll(
    db,
    `SELECT event_type, sum(count) AS n FROM report_daily
     WHERE scope = ? AND scope_id = ? AND day BETWEEN ? AND ? GROUP BY event_type ORDER BY event_type`,
    [sc.scope, sc.scopeId, r.fromDay, r.toDay],
  );
}

export function rollupDaily(db: Db, sc: Scope, r: DayRange): Promise<{ day: number; event_type: string; n: number }[]> {
  return rawAll(
    db,
    `SELECT day, event_type, count AS n FROM report_daily
     WHERE scope = ? AND scope_id = ? AND day BETWEEN ? AND ? ORDER BY day, event_type`,
    [sc.scope, sc.scopeId, r.fromDay, r.toDay],
  );
}

// The rankings sum each board's (person's) range with a correlated subquery: on SQLite one primary-key range read
// per board, with no temporary b-tree to group. The sums are a MATERIALIZED CTE (SQLite 3.35+, PostgreSQL 12+)
// so that PostgreSQL computes them once, not once for `n > 0` and again for the ORDER BY.

/** Most active boards of the account (or of one project, or the one board) over the range. */
export function rollupBoards(db: Db, sc: Scope, r: DayRange, limit: number): Promise<{ id: string; name: string; n: number }[]> {
  const where = sc.scope === 'board' ? 'AND b.id = ?' : sc.scope === 'project' ? 'AND b.project_id = ?' : '';
  return rawAll(
    db,
    `WITH x AS MATERIALIZED (
       SELECT b.id AS id, b.name AS name,
         (SELECT sum(d.count) FROM report_daily d WHERE d.scope = 'board' AND d.scope_id = b.id AND d.day BETWEEN ? AND ?) AS n
       FROM boards b WHERE b.account_id = ? ${where})
     SELECT id, name, n FROM x WHERE n > 0 ORDER BY n DESC, ${byBytes(db, 'name')}, id LIMIT ?`,
    [r.fromDay, r.toDay, sc.accountId, ...(where ? [sc.scopeId] : []), limit],
  );
}

/** Most active people in the scope over the range (members of the account, past or present). */
export function rollupUsers(db: Db, sc: Scope, r: DayRange, limit: number): Promise<{ id: string; name: string; n: number }[]> {
  return rawAll(
    db,
    `WITH x AS MATERIALIZED (
       SELECT u.id AS id, u.name AS name,
         (SELECT sum(d.count) FROM report_user_daily d WHERE d.scope = ? AND d.scope_id = ? AND d.user_id = u.id AND d.day BETWEEN ? AND ?) AS n
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ?)
     SELECT id, name, n FROM x WHERE n > 0 ORDER BY n DESC, ${byBytes(db, 'name')}, id LIMIT ?`,
    [sc.scope, sc.scopeId, r.fromDay, r.toDay, sc.accountId, limit],
  );
}

// ---- The naive way: straight over the event tables (board through the card, project through the board; the access
// events of 0006 belong to no board or project). ----

const workTables = new Set(['card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived']);
const accessTables = eventTableNames.filter((t) => !workTables.has(t));

function naiveEvents(sc: Scope): { sql: string; params: unknown[]; branches: number } {
  // Each branch yields (t, creator_id, created_at, board_id, project_id) for events of the account in [from, to).
  const cardBranch = (table: string) =>
    `SELECT '${table}' AS t, e.creator_id, e.created_at, c.board_id, b.project_id FROM ${table} e
       JOIN cards c ON c.id = e.card_id JOIN boards b ON b.id = c.board_id
       WHERE e.account_id = ? AND e.created_at >= ? AND e.created_at < ?`;
  const branches = [
    `SELECT CAST('card_created' AS TEXT) AS t, e.creator_id, e.created_at, e.board_id, b.project_id FROM card_created e JOIN boards b ON b.id = e.board_id
       WHERE e.account_id = ? AND e.created_at >= ? AND e.created_at < ?`,
    cardBranch('card_moved'),
    cardBranch('card_updated'),
    cardBranch('comment_added'),
    `SELECT 'member_invited', creator_id, created_at, CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM member_invited WHERE account_id = ? AND created_at >= ? AND created_at < ?`,
    `SELECT 'project_archived', creator_id, created_at, CAST(NULL AS TEXT), project_id FROM project_archived WHERE account_id = ? AND created_at >= ? AND created_at < ?`,
    ...accessTables.map((t) => `SELECT '${t}', creator_id, created_at, CAST(NULL AS TEXT), CAST(NULL AS TEXT) FROM ${t} WHERE account_id = ? AND created_at >= ? AND created_at < ?`),
  ];
  const filter = sc.scope === 'board' ? 'WHERE board_id = ?' : sc.scope === 'project' ? 'WHERE project_id = ?' : '';
  return { sql: `(SELECT * FROM (${branches.join(' UNION ALL ')}) AS u ${filter}) AS ev`, params: sc.scope === 'account' ? [] : [sc.scopeId], branches: branches.length };
}

/** The same figures as the rollups, computed from the event rows themselves (reference and baseline). */
export async function naiveSummary(db: Db, sc: Scope, r: DayRange, limit = 10) {
  const { sql, params, branches } = naiveEvents(sc);
  const base = [sc.accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS];
  const allParams = [...Array.from({ length: branches }, () => base).flat(), ...params];
  const counts = await rawAll<{ event_type: string; n: number }>(db, `SELECT t AS event_type, count(*) AS n FROM ${sql} GROUP BY t ORDER BY t`, allParams);
  const daily = await rawAll<{ day: number; n: number }>(db, `SELECT created_at / ${DAY_MS} AS day, count(*) AS n FROM ${sql} GROUP BY 1 ORDER BY 1`, allParams);
  const boards = await rawAll<{ id: string; n: number }>(
    db,
    `SELECT board_id AS id, count(*) AS n FROM ${sql} WHERE board_id IS NOT NULL GROUP BY board_id ORDER BY n DESC, board_id LIMIT ?`,
    [...allParams, limit],
  );
  const users = await rawAll<{ id: string; n: number }>(
    db,
    `SELECT creator_id AS id, count(*) AS n FROM ${sql} GROUP BY creator_id ORDER BY n DESC, creator_id LIMIT ?`,
    [...allParams, limit],
  );
  return { counts, daily, boards, users };
}

// ---- Webhook deliveries (tables of migration 0002, read only here) ----

/** A read-only review bundle may predate the webhook tables; an open workspace always has them. */
export async function hasWebhookTables(db: Db): Promise<boolean> {
  const names = ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts'];
  const row =
    db.dialect === 'sqlite'
      ? await rawFirst<{ n: number }>(db, `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)`, names)
      : await rawFirst<{ n: number }>(
          db,
          `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (?, ?, ?)`,
          names,
        );
  return Number(row?.n ?? 0) === 3;
}

/** Deliveries created per day: how many, how many ended delivered, how many ended failed. */
export function webhookDailyDeliveries(db: Db, accountId: string, r: DayRange) {
  return rawAll<{ day: number; n: number; ok: number; failed: number }>(
    db,
    `SELECT created_at / ${DAY_MS} AS day, count(*) AS n,
       count(*) FILTER (WHERE status = 'delivered') AS ok, count(*) FILTER (WHERE status = 'failed') AS failed
     FROM webhook_deliveries WHERE account_id = ? AND created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 1`,
    [accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS],
  );
}

export function webhookEndpointDeliveries(db: Db, accountId: string, r: DayRange) {
  return rawAll<{ id: string; name: string; n: number; ok: number; failed: number }>(
    db,
    `SELECT e.id AS id, CASE WHEN e.description <> '' THEN e.description ELSE e.url END AS name,
       count(d.id) AS n, count(d.id) FILTER (WHERE d.status = 'delivered') AS ok, count(d.id) FILTER (WHERE d.status = 'failed') AS failed
     FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id AND d.created_at >= ? AND d.created_at < ?
     WHERE e.account_id = ? GROUP BY e.id, e.description, e.url
     ORDER BY n DESC, ${byBytes(db, "CASE WHEN e.description <> '' THEN e.description ELSE e.url END")}, e.id`,
    [r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS, accountId],
  );
}

/**
 * Attempt count and nearest-rank p50/p95 of attempt durations per endpoint, computed in SQL: the value at rank
 * ceil(cnt × p) of the ordered durations. The rank is computed in integers, (cnt × 95 + 99) / 100, so both
 * stores pick the same row (no floating-point product, no ceil() that SQLite may lack).
 */
export function webhookAttemptLatency(db: Db, accountId: string, r: DayRange) {
  return rawAll<{ id: string; attempts: number; p50: number | null; p95: number | null }>(
    db,
    `WITH ranked AS (
       SELECT endpoint_id, duration_ms,
         row_number() OVER (PARTITION BY endpoint_id ORDER BY duration_ms, id) AS rn,
         count(*) OVER (PARTITION BY endpoint_id) AS cnt
       FROM webhook_attempts WHERE account_id = ? AND created_at >= ? AND created_at < ?)
     SELECT endpoint_id AS id, max(cnt) AS attempts,
       max(CASE WHEN rn = (cnt * 50 + 99) / 100 THEN duration_ms END) AS p50,
       max(CASE WHEN rn = (cnt * 95 + 99) / 100 THEN duration_ms END) AS p95
     FROM ranked GROUP BY endpoint_id ORDER BY endpoint_id`,
    [accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS],
  );
}
