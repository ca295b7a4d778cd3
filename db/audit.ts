// SQL of the audit area: the hash chain (append, backfill, the verifier's bulk reads), card versions (history,
// as-of, compare), the account-wide audit list and the workspace's signing key. The canonical form lives in
// db/audit-canonical.ts; review bundle files (always SQLite, whatever the store) in db/audit-bundle.ts.
import { CHAINED_COLUMNS, CHAINED_TABLES, GENESIS, canonicalRow, linkHash, type ChainedTable } from './audit-canonical.ts';
import { marks, rawAll, rawArrays, rawFirst, rawRun, runWrite, type Db, type RowWrite, type Store, type Tx } from './sql.ts';
import type { ReadAtBegin } from './store.ts';

// ---------------------------------------------------------------------------------------------------------------
// The chain

export interface ChainLink {
  account_id: string;
  seq: number;
  event_table: string;
  event_id: string;
  prev_hash: string;
  hash: string;
  created_at: number;
}

type EventRow = Record<string, unknown> & { id: string; account_id: string; created_at: number };

type Head = { seq: number; hash: string };
const chainHeadSql = 'SELECT seq, hash FROM audit_chain WHERE account_id = ? ORDER BY seq DESC LIMIT 1';
const headKey = (accountId: string) => `audit.chainHead:${accountId}`;

/**
 * The account's chain head, read with a command's BEGIN after its account lock (inCommand): on a hub, one round
 * trip fewer per recorded event. Under that lock only this transaction can move the head, and only by writing a
 * link, which follows the first chainHead: so the head read at BEGIN is taken once, by it, and later reads go to
 * the table (a savepoint that rolled a link back leaves the table right too).
 */
export const chainHeadAtBegin = (accountId: string): ReadAtBegin => ({ key: headKey(accountId), text: chainHeadSql.replace('?', '$1'), params: [accountId] });

export async function chainHead(db: Db, accountId: string): Promise<Head | undefined> {
  const atBegin = (db as Partial<Tx>).takeReadAtBegin?.(headKey(accountId));
  if (atBegin) return atBegin[0] as Head | undefined;
  return rawFirst<Head>(db, chainHeadSql, [accountId]);
}

/** The statement that writes a link (given to the event's writes by the chain hook, or run by insertLink). */
export function linkWrite(link: ChainLink): RowWrite {
  return {
    text: 'INSERT INTO audit_chain (account_id, seq, event_table, event_id, prev_hash, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    params: [link.account_id, link.seq, link.event_table, link.event_id, link.prev_hash, link.hash, link.created_at],
  };
}

export async function insertLink(db: Db, link: ChainLink): Promise<void> {
  await runWrite(db, linkWrite(link));
}

function nextLink(head: { seq: number; hash: string } | undefined, table: ChainedTable, row: EventRow): ChainLink {
  const prev = head?.hash ?? GENESIS;
  return {
    account_id: row.account_id,
    seq: (head?.seq ?? 0) + 1,
    event_table: table,
    event_id: row.id,
    prev_hash: prev,
    hash: linkHash(prev, table, canonicalRow(table, row)),
    created_at: row.created_at,
  };
}

/**
 * Append one event row to its account's chain. Runs inside the event's transaction, which holds the account's
 * write lock (inCommand → db/locks.ts lockAccount): no other transaction reads the same head meanwhile, on one
 * SQLite file or across a hub's processes, so the chain never forks. The (account_id, seq) key would refuse a
 * fork anyway.
 */
/**
 * The link that chains `row` after its account's head (read in the caller's transaction, under the account's
 * lock), not written: the caller writes it before anything else reads the head.
 */
export async function nextChainLink(tx: Tx, table: ChainedTable, row: EventRow): Promise<ChainLink> {
  return nextLink(await chainHead(tx, row.account_id), table, row);
}

/** Byte order of two strings (the same on both dialects, whatever the database's collation). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Chain every event row not chained yet (migration 0003 on an existing workspace), oldest first per account. */
export async function backfillChain(tx: Tx, tables: readonly ChainedTable[] = CHAINED_TABLES): Promise<number> {
  const union = tables.map((t) => `SELECT '${t}' AS t, id, account_id, created_at FROM ${t}`).join(' UNION ALL ');
  const rows = await rawAll<{ t: ChainedTable; id: string; account_id: string; created_at: number }>(
    tx,
    `SELECT t, id, account_id, created_at FROM (${union}) u`,
  );
  // (account, time, table, id), sorted here rather than in SQL: PostgreSQL would order text by its collation.
  rows.sort((a, b) => cmp(a.account_id, b.account_id) || a.created_at - b.created_at || cmp(a.t, b.t) || cmp(a.id, b.id));
  const heads = new Map<string, { seq: number; hash: string } | undefined>();
  for (const r of rows) {
    if (!heads.has(r.account_id)) heads.set(r.account_id, await chainHead(tx, r.account_id));
    const row = (await rawFirst<EventRow>(tx, `SELECT * FROM ${r.t} WHERE id = ?`, [r.id]))!;
    const link = nextLink(heads.get(r.account_id), r.t, row);
    await insertLink(tx, link);
    heads.set(r.account_id, link);
  }
  return rows.length;
}

export async function chainLength(db: Db, accountId: string): Promise<number> {
  return (await chainHead(db, accountId))?.seq ?? 0;
}

/** Accounts that have a chain (or events), for `audit verify` without --account. */
export async function accountsWithChains(db: Db): Promise<{ id: string; name: string }[]> {
  return rawAll<{ id: string; name: string }>(db, 'SELECT id, name FROM accounts ORDER BY name, id');
}

// The chain in seq order with every event table LEFT JOINed on its id: one statement per chunk, no query per
// row. Columns: seq, event_table, event_id, prev_hash, hash, then each table's CHAINED_COLUMNS (NULLs for the
// tables the link does not point at). Portable; the benchmark builds its raw baseline from it.
export const verifyColumnOffsets: Record<ChainedTable, number> = {} as Record<ChainedTable, number>;
const verifySql = (() => {
  const select = ['c.seq', 'c.event_table', 'c.event_id', 'c.prev_hash', 'c.hash'];
  const joins: string[] = [];
  CHAINED_TABLES.forEach((t, n) => {
    verifyColumnOffsets[t] = select.length;
    for (const col of CHAINED_COLUMNS[t]) select.push(`e${n}.${col}`);
    joins.push(`LEFT JOIN ${t} e${n} ON c.event_table = '${t}' AND e${n}.id = c.event_id AND e${n}.account_id = c.account_id`);
  });
  return `SELECT ${select.join(', ')} FROM audit_chain c ${joins.join(' ')}
    WHERE c.account_id = ? AND c.seq > ? AND c.seq <= ? ORDER BY c.seq LIMIT ?`;
})();

/** Raw rows (arrays) of the chain from seq > after up to seq <= upTo, each joined to its event row. */
export async function readChainChunk(db: Db, accountId: string, after: number, upTo: number, limit: number): Promise<unknown[][]> {
  return rawArrays(db, verifySql, [accountId, after, upTo, limit]);
}

/** Links (seq, event_table, event_id, prev_hash, hash) from seq > after up to seq <= upTo, in order. */
export async function readLinks(db: Db, accountId: string, after: number, upTo: number, limit: number): Promise<[number, string, string, string, string][]> {
  return (await rawArrays(
    db,
    'SELECT seq, event_table, event_id, prev_hash, hash FROM audit_chain WHERE account_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    [accountId, after, upTo, limit],
  )) as [number, string, string, string, string][];
}

/**
 * One link and the event row it points at: the row's CHAINED_COLUMNS are `values` from index `offset` on
 * (undefined when the row is gone).
 */
export interface ChainStep {
  seq: number;
  table: string;
  eventId: string;
  prevHash: string;
  hash: string;
  values: readonly unknown[] | undefined;
  offset: number;
}

export interface ChainReader {
  /** The links from seq > after up to seq <= upTo (at most `limit`), in order, each with its event row. */
  read(after: number, upTo: number, limit: number): Promise<ChainStep[]>;
}

const idIndex = Object.fromEntries(CHAINED_TABLES.map((t) => [t, (CHAINED_COLUMNS[t] as readonly string[]).indexOf('id')])) as Record<ChainedTable, number>;
const isChained = (t: string): t is ChainedTable => Object.prototype.hasOwnProperty.call(CHAINED_COLUMNS, t);

/**
 * Reads an account's chain chunk by chunk with the rows it points at: one statement for the links, then one per
 * event table the chunk names, never one per row. Each dialect has its own fastest way to the rows; both give
 * the row of that table with that id in that account, or nothing.
 * - SQLite: each event table is read sequentially in rowid (insertion, hence recording) order from where the
 *   previous chunk stopped; a row that is not where that stream says is looked up by id instead.
 * - PostgreSQL (no rowid): the chunk's ids of each table in one primary-key lookup (`id = ANY(array)`).
 */
export function chainReader(db: Db, accountId: string): ChainReader {
  return db.dialect === 'sqlite' ? sqliteChainReader(db, accountId) : postgresChainReader(db, accountId);
}

function sqliteChainReader(db: Db, accountId: string): ChainReader {
  const cursors = Object.fromEntries(CHAINED_TABLES.map((t) => [t, 0])) as Record<ChainedTable, number>;
  return {
    async read(after, upTo, limit) {
      const links = await readLinks(db, accountId, after, upTo, limit);
      const need: Partial<Record<ChainedTable, number>> = {};
      for (const l of links) if (isChained(l[1])) need[l[1]] = (need[l[1]] ?? 0) + 1;
      const streams = {} as Record<ChainedTable, { rows: unknown[][]; byId: Map<unknown, number>; pos: number }>;
      for (const t of Object.keys(need) as ChainedTable[]) {
        const rows = await rawArrays(
          db,
          `SELECT rowid, ${CHAINED_COLUMNS[t].join(', ')} FROM ${t} WHERE account_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`,
          [accountId, cursors[t], need[t]!],
        );
        const byId = new Map<unknown, number>();
        rows.forEach((r, i) => byId.set(r[1 + idIndex[t]], i));
        streams[t] = { rows, byId, pos: 0 };
      }
      const steps: ChainStep[] = [];
      const misses: Partial<Record<ChainedTable, ChainStep[]>> = {};
      for (const [seq, table, eventId, prevHash, hash] of links) {
        const step: ChainStep = { seq, table, eventId, prevHash, hash, values: undefined, offset: 1 };
        steps.push(step);
        if (!isChained(table)) continue;
        const stream = streams[table];
        const at = stream.byId.get(eventId);
        if (at !== undefined && at >= stream.pos) {
          const row = stream.rows[at];
          stream.pos = at + 1;
          cursors[table] = Math.max(cursors[table], row[0] as number);
          step.values = row;
        } else (misses[table] ??= []).push(step);
      }
      for (const t of Object.keys(misses) as ChainedTable[]) {
        const found = await rowsById(db, t, accountId, misses[t]!.map((s) => s.eventId));
        for (const s of misses[t]!) {
          s.values = found.get(s.eventId);
          s.offset = 0;
        }
      }
      return steps;
    },
  };
}

function postgresChainReader(db: Db, accountId: string): ChainReader {
  return {
    async read(after, upTo, limit) {
      const links = await readLinks(db, accountId, after, upTo, limit);
      const ids: Partial<Record<ChainedTable, string[]>> = {};
      for (const l of links) if (isChained(l[1])) (ids[l[1]] ??= []).push(l[2]);
      const found = {} as Record<ChainedTable, Map<unknown, unknown[]>>;
      for (const t of Object.keys(ids) as ChainedTable[]) {
        const rows = await rawArrays(db, `SELECT ${CHAINED_COLUMNS[t].join(', ')} FROM ${t} WHERE account_id = ? AND id = ANY(?::text[])`, [accountId, ids[t]]);
        found[t] = new Map(rows.map((r) => [r[idIndex[t]], r]));
      }
      return links.map(([seq, table, eventId, prevHash, hash]) => ({
        seq, table, eventId, prevHash, hash, values: isChained(table) ? found[table].get(eventId) : undefined, offset: 0,
      }));
    },
  };
}

/** Event rows of one table and account by id, as CHAINED_COLUMNS values (IN lists of at most 500). */
async function rowsById(db: Db, table: ChainedTable, accountId: string, ids: readonly string[]): Promise<Map<unknown, unknown[]>> {
  const out = new Map<unknown, unknown[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = await rawArrays(db, `SELECT ${CHAINED_COLUMNS[table].join(', ')} FROM ${table} WHERE account_id = ? AND id IN (${marks(part.length)})`, [accountId, ...part]);
    for (const r of rows) out.set(r[idIndex[table]], r);
  }
  return out;
}

export async function firstSeq(db: Db, accountId: string): Promise<number | undefined> {
  return (await rawFirst<{ seq: number }>(db, 'SELECT seq FROM audit_chain WHERE account_id = ? ORDER BY seq LIMIT 1', [accountId]))?.seq;
}

export async function linkAt(db: Db, accountId: string, seq: number): Promise<ChainLink | undefined> {
  return rawFirst<ChainLink>(db, 'SELECT account_id, seq, event_table, event_id, prev_hash, hash, created_at FROM audit_chain WHERE account_id = ? AND seq = ?', [accountId, seq]);
}

export async function seqOfHash(db: Db, accountId: string, hash: string): Promise<number | undefined> {
  return (await rawFirst<{ seq: number }>(db, 'SELECT seq FROM audit_chain WHERE account_id = ? AND hash = ? ORDER BY seq LIMIT 1', [accountId, hash]))?.seq;
}

/**
 * The links a bundle cut at [fromMs, toMs] keeps (either end open): from the first link recorded at or after
 * fromMs (head + 1 when none) to the last recorded at or before toMs (0 when none). last < first: none.
 */
export async function seqRangeOfTimes(db: Db, accountId: string, fromMs: number | undefined, toMs: number | undefined): Promise<{ first: number; last: number }> {
  const head = (await chainHead(db, accountId))?.seq ?? 0;
  const first = fromMs === undefined
    ? 1
    : (await rawFirst<{ s: number | null }>(db, 'SELECT min(seq) AS s FROM audit_chain WHERE account_id = ? AND created_at >= ?', [accountId, fromMs]))?.s ?? head + 1;
  const last = toMs === undefined
    ? head
    : (await rawFirst<{ s: number | null }>(db, 'SELECT max(seq) AS s FROM audit_chain WHERE account_id = ? AND created_at <= ?', [accountId, toMs]))?.s ?? 0;
  return { first, last };
}

/** Per table: event rows of the account vs links of the account (a difference means rows outside the chain). */
export async function chainCounts(db: Db, accountId: string): Promise<Record<ChainedTable, { rows: number; links: number }>> {
  const out = {} as Record<ChainedTable, { rows: number; links: number }>;
  const links = await rawAll<{ t: string; n: number }>(db, 'SELECT event_table AS t, count(*) AS n FROM audit_chain WHERE account_id = ? GROUP BY event_table', [accountId]);
  for (const t of CHAINED_TABLES) {
    const rows = (await rawFirst<{ n: number }>(db, `SELECT count(*) AS n FROM ${t} WHERE account_id = ?`, [accountId]))!.n;
    out[t] = { rows, links: links.find((l) => l.t === t)?.n ?? 0 };
  }
  return out;
}

/** Event rows of a table that have no link in their account's chain (inserted behind the chain's back). */
export async function unchainedRows(db: Db, accountId: string, table: ChainedTable): Promise<{ id: string; created_at: number }[]> {
  return rawAll<{ id: string; created_at: number }>(
    db,
    `SELECT e.id, e.created_at FROM ${table} e WHERE e.account_id = ?
       AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.account_id = e.account_id AND c.event_table = '${table}' AND c.event_id = e.id)
     ORDER BY e.created_at, e.id`,
    [accountId],
  );
}

/** The first link recorded after `createdAt` (where a row of that time would sit in the chain). */
export async function seqAfterTime(db: Db, accountId: string, createdAt: number): Promise<number | undefined> {
  return (await rawFirst<{ seq: number | null }>(db, 'SELECT min(seq) AS seq FROM audit_chain WHERE account_id = ? AND created_at > ?', [accountId, createdAt]))?.seq ?? undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Card versions: card_created + card_updated + card_moved of one card.

export interface VersionRow {
  kind: 'card_created' | 'card_updated' | 'card_moved';
  id: string;
  card_id: string;
  creator_id: string;
  created_at: number;
  board_id: string | null;
  changes: string | null;
  column_id: string | null;
  title: string | null;
  from_column_id: string | null;
  to_column_id: string | null;
  from_position: number | null;
  to_position: number | null;
}

export interface VersionKey {
  createdAt: number;
  id: string;
}

const MAX_KEY: VersionKey = { createdAt: Number.MAX_SAFE_INTEGER, id: 'g' };

// Typed NULLs: PostgreSQL types a bare NULL in a subquery as text, which would not unite with an integer column.
const NULL_TEXT = 'CAST(NULL AS TEXT)';
const NULL_INT = 'CAST(NULL AS INTEGER)';
const createdCols = `'card_created' AS kind, id, card_id, creator_id, created_at, board_id, ${NULL_TEXT} AS changes, column_id, title,
  ${NULL_TEXT} AS from_column_id, ${NULL_TEXT} AS to_column_id, ${NULL_INT} AS from_position, ${NULL_INT} AS to_position`;
const updatedCols = `'card_updated' AS kind, id, card_id, creator_id, created_at, ${NULL_TEXT} AS board_id, changes, ${NULL_TEXT} AS column_id, ${NULL_TEXT} AS title,
  ${NULL_TEXT} AS from_column_id, ${NULL_TEXT} AS to_column_id, ${NULL_INT} AS from_position, ${NULL_INT} AS to_position`;
const movedCols = `'card_moved' AS kind, id, card_id, creator_id, created_at, ${NULL_TEXT} AS board_id, ${NULL_TEXT} AS changes, ${NULL_TEXT} AS column_id, ${NULL_TEXT} AS title,
  from_column_id, to_column_id, from_position, to_position`;

/** Positional parameters collected in the order their `?` appear in the text being built. */
function params() {
  const values: unknown[] = [];
  return { values, p: (v: unknown) => (values.push(v), '?') };
}

/** A page of a card's versions, newest first, strictly older than `before`. Each arm reads its own index. */
export async function cardVersionsPage(db: Db, accountId: string, cardId: string, before: VersionKey | undefined, limit: number): Promise<VersionRow[]> {
  const k = before ?? MAX_KEY;
  const { values, p } = params();
  const arm = (cols: string, table: string) =>
    `SELECT * FROM (SELECT ${cols} FROM ${table} WHERE card_id = ${p(cardId)} AND account_id = ${p(accountId)} AND (created_at, id) < (${p(k.createdAt)}, ${p(k.id)})
       ORDER BY created_at DESC, id DESC LIMIT ${p(limit)}) ${table}_page`;
  const sql = `${arm(createdCols, 'card_created')} UNION ALL ${arm(updatedCols, 'card_updated')} UNION ALL ${arm(movedCols, 'card_moved')}
    ORDER BY created_at DESC, id DESC LIMIT ${p(limit)}`;
  return rawAll<VersionRow>(db, sql, values);
}

/** Changes of a card newer than `after` (updates and moves), newest first: what to undo to go back in time. */
export async function cardChangesAfter(db: Db, accountId: string, cardId: string, after: VersionKey): Promise<VersionRow[]> {
  const { values, p } = params();
  const sql = `SELECT ${updatedCols} FROM card_updated WHERE card_id = ${p(cardId)} AND account_id = ${p(accountId)} AND (created_at, id) > (${p(after.createdAt)}, ${p(after.id)})
    UNION ALL SELECT ${movedCols} FROM card_moved WHERE card_id = ${p(cardId)} AND account_id = ${p(accountId)} AND (created_at, id) > (${p(after.createdAt)}, ${p(after.id)})
    ORDER BY created_at DESC, id DESC`;
  return rawAll<VersionRow>(db, sql, values);
}

/** One version (event) of a card by its event id. */
export async function findVersion(db: Db, accountId: string, cardId: string, id: string): Promise<VersionRow | undefined> {
  const { values, p } = params();
  const where = () => `id = ${p(id)} AND card_id = ${p(cardId)} AND account_id = ${p(accountId)}`;
  const sql = `SELECT ${createdCols} FROM card_created WHERE ${where()}
    UNION ALL SELECT ${updatedCols} FROM card_updated WHERE ${where()}
    UNION ALL SELECT ${movedCols} FROM card_moved WHERE ${where()}`;
  return rawFirst<VersionRow>(db, sql, values);
}

/** How many versions of a card are at or before `key` (the number of the version at `key`, oldest = 1). */
export async function countVersionsUpTo(db: Db, accountId: string, cardId: string, key: VersionKey): Promise<number> {
  const { values, p } = params();
  const arm = (table: string) =>
    `SELECT count(*) AS n FROM ${table} WHERE card_id = ${p(cardId)} AND account_id = ${p(accountId)} AND (created_at, id) <= (${p(key.createdAt)}, ${p(key.id)})`;
  const rows = await rawAll<{ n: number }>(db, `${arm('card_created')} UNION ALL ${arm('card_updated')} UNION ALL ${arm('card_moved')}`, values);
  return rows.reduce((sum, r) => sum + Number(r.n), 0);
}

/** Versions of the account's cards by event id (any card): one statement. */
export async function findVersionsByIds(db: Db, accountId: string, ids: readonly string[]): Promise<VersionRow[]> {
  if (ids.length === 0) return [];
  const { values, p } = params();
  const where = () => `id IN (${ids.map((id) => p(id)).join(', ')}) AND account_id = ${p(accountId)}`;
  const sql = `SELECT ${createdCols} FROM card_created WHERE ${where()}
    UNION ALL SELECT ${updatedCols} FROM card_updated WHERE ${where()}
    UNION ALL SELECT ${movedCols} FROM card_moved WHERE ${where()}`;
  return rawAll<VersionRow>(db, sql, values);
}

/** The number of each version (oldest of its card = 1), for many versions in one statement. */
export async function versionNumbers(db: Db, accountId: string, versions: readonly { id: string; card_id: string; created_at: number }[]): Promise<Map<string, number>> {
  if (versions.length === 0) return new Map();
  const { values, p } = params();
  const upTo = (table: string, v: { id: string; card_id: string; created_at: number }) =>
    `(SELECT count(*) FROM ${table} WHERE card_id = ${p(v.card_id)} AND account_id = ${p(accountId)} AND (created_at, id) <= (${p(v.created_at)}, ${p(v.id)}))`;
  const sql = versions
    .map((v) => `SELECT CAST(${p(v.id)} AS TEXT) AS id, ${upTo('card_created', v)} + ${upTo('card_updated', v)} + ${upTo('card_moved', v)} AS n`)
    .join(' UNION ALL ');
  return new Map((await rawAll<{ id: string; n: number }>(db, sql, values)).map((r) => [r.id, Number(r.n)]));
}

export async function cardCreation(db: Db, accountId: string, cardId: string): Promise<VersionRow | undefined> {
  return rawFirst<VersionRow>(db, `SELECT ${createdCols} FROM card_created WHERE card_id = ? AND account_id = ? ORDER BY created_at, id LIMIT 1`, [cardId, accountId]);
}

/** Cards of the account changed (updated or moved) after `t`: the ones a bundle cut at `t` must rewind. */
export async function cardsChangedAfter(db: Db, accountId: string, t: number): Promise<string[]> {
  const rows = await rawAll<{ card_id: string }>(
    db,
    `SELECT card_id FROM card_updated WHERE account_id = ? AND created_at > ? UNION SELECT card_id FROM card_moved WHERE account_id = ? AND created_at > ?`,
    [accountId, t, accountId, t],
  );
  return rows.map((r) => r.card_id).sort(cmp);
}

// ---------------------------------------------------------------------------------------------------------------
// The account-wide audit list

export interface AuditListFilter {
  accountId: string;
  cardId?: string;
  boardId?: string;
  creatorId?: string;
  attribute?: string;
  fromMs?: number;
  toMs?: number;
  before?: VersionKey;
  limit: number;
}

export interface AuditListRow extends VersionRow {
  /** The key the page is ordered by (the activity's id on the account-wide plan, the event's id on a card). */
  key_id: string;
}

/** `changes` (TEXT holding a JSON object) has the top-level key: json_type on SQLite, jsonb on PostgreSQL. */
function changesHas(db: Db, column: string, attribute: string, p: (v: unknown) => string): string {
  return db.dialect === 'sqlite'
    ? `json_type(${column}, ${p(`$.${attribute}`)}) IS NOT NULL`
    : `jsonb_exists(${column}::jsonb, ${p(attribute)})`;
}

/**
 * One page of card versions of an account, newest first. Two plans, one statement each:
 * - a card is given: the card's three event tables through their (card_id, created_at) indexes;
 * - otherwise: the activities index (account, board or person, by time) with the event rows joined on id.
 */
export async function auditListPage(db: Db, f: AuditListFilter): Promise<AuditListRow[]> {
  const k = f.before ?? MAX_KEY;
  const { values, p } = params();

  if (f.cardId) {
    const cardId = f.cardId;
    const extra = () =>
      [
        f.creatorId ? `creator_id = ${p(f.creatorId)}` : '',
        f.fromMs !== undefined ? `created_at >= ${p(f.fromMs)}` : '',
        f.toMs !== undefined ? `created_at < ${p(f.toMs)}` : '',
      ].filter(Boolean).map((c) => ` AND ${c}`).join('');
    const arms: string[] = [];
    const arm = (cols: string, table: string, cond?: () => string) =>
      `SELECT * FROM (SELECT ${cols}, id AS key_id FROM ${table} WHERE card_id = ${p(cardId)} AND account_id = ${p(f.accountId)} AND (created_at, id) < (${p(k.createdAt)}, ${p(k.id)})${extra()}${cond ? ` AND ${cond()}` : ''}
         ORDER BY created_at DESC, id DESC LIMIT ${p(f.limit)}) ${table}_page`;
    if (!f.attribute || f.attribute === 'title' || f.attribute === 'column_id') arms.push(arm(createdCols, 'card_created'));
    const attribute = f.attribute;
    arms.push(arm(updatedCols, 'card_updated', attribute ? () => changesHas(db, 'changes', attribute, p) : undefined));
    if (!f.attribute || f.attribute === 'column_id' || f.attribute === 'position') arms.push(arm(movedCols, 'card_moved'));
    const sql = `${arms.join(' UNION ALL ')} ORDER BY created_at DESC, id DESC LIMIT ${p(f.limit)}`;
    const rows = await rawAll<AuditListRow>(db, sql, values);
    if (f.boardId) return rows.length && (await boardOfCard(db, f.accountId, f.cardId)) !== f.boardId ? [] : rows;
    return rows;
  }

  // On SQLite `+a.subject_type` keeps the planner off the (account, type, time) index, which would need a sort
  // across the three types; the time-ordered indexes below stream in order and stop at the page size.
  // PostgreSQL has no such operator on text and plans the same query well without it.
  const where = [
    `a.account_id = ${p(f.accountId)}`,
    `${db.dialect === 'sqlite' ? '+' : ''}a.subject_type IN ('card_created', 'card_updated', 'card_moved')`,
    `(a.created_at, a.id) < (${p(k.createdAt)}, ${p(k.id)})`,
  ];
  if (f.boardId) where.push(`a.board_id = ${p(f.boardId)}`);
  if (f.creatorId) where.push(`a.creator_id = ${p(f.creatorId)}`);
  if (f.fromMs !== undefined) where.push(`a.created_at >= ${p(f.fromMs)}`);
  if (f.toMs !== undefined) where.push(`a.created_at < ${p(f.toMs)}`);
  if (f.attribute) {
    const alt: string[] = [changesHas(db, 'u.changes', f.attribute, p)];
    if (f.attribute === 'column_id' || f.attribute === 'position') alt.push('m.id IS NOT NULL');
    if (f.attribute === 'column_id' || f.attribute === 'title') alt.push('cr.id IS NOT NULL');
    where.push(`(${alt.join(' OR ')})`);
  }
  const sql = `SELECT a.subject_type AS kind, a.subject_id AS id, a.id AS key_id,
      COALESCE(u.card_id, m.card_id, cr.card_id) AS card_id, a.creator_id, a.created_at, a.board_id,
      u.changes, cr.column_id, cr.title, m.from_column_id, m.to_column_id, m.from_position, m.to_position
    FROM activities a
    LEFT JOIN card_updated u ON a.subject_type = 'card_updated' AND u.id = a.subject_id
    LEFT JOIN card_moved m ON a.subject_type = 'card_moved' AND m.id = a.subject_id
    LEFT JOIN card_created cr ON a.subject_type = 'card_created' AND cr.id = a.subject_id
    WHERE ${where.join(' AND ')}
    ORDER BY a.created_at DESC, a.id DESC LIMIT ${p(f.limit)}`;
  return rawAll<AuditListRow>(db, sql, values);
}

export async function boardOfCard(db: Db, accountId: string, cardId: string): Promise<string | undefined> {
  return (await rawFirst<{ board_id: string }>(db, 'SELECT board_id FROM cards WHERE id = ? AND account_id = ?', [cardId, accountId]))?.board_id;
}

/** Cards (id → title, board) by id: one query however many ids. */
export async function loadCards(db: Db, accountId: string, ids: readonly string[]): Promise<Map<string, { title: string; board_id: string }>> {
  const map = new Map<string, { title: string; board_id: string }>();
  if (ids.length === 0) return map;
  const rows = await rawAll<{ id: string; title: string; board_id: string }>(
    db,
    `SELECT id, title, board_id FROM cards WHERE account_id = ? AND id IN (${marks(ids.length)})`,
    [accountId, ...ids],
  );
  for (const r of rows) map.set(r.id, { title: r.title, board_id: r.board_id });
  return map;
}

/** id → name for users, columns or boards of an account: one query however many ids. */
export async function loadAccountNames(db: Db, table: 'users' | 'columns' | 'boards', ids: readonly string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  if (ids.length === 0) return map;
  const rows = await rawAll<{ id: string; name: string }>(db, `SELECT id, name FROM ${table} WHERE id IN (${marks(ids.length)})`, [...ids]);
  for (const r of rows) map.set(r.id, r.name);
  return map;
}

// ---------------------------------------------------------------------------------------------------------------
// Signing keys (one per workspace)

export interface AuditKeyRow {
  id: string;
  algorithm: 'ed25519';
  public_key: string;
  private_key_enc: string;
  fingerprint: string;
  created_at: number;
}

export async function currentKey(db: Db): Promise<AuditKeyRow | undefined> {
  return rawFirst<AuditKeyRow>(db, 'SELECT id, algorithm, public_key, private_key_enc, fingerprint, created_at FROM audit_keys ORDER BY created_at DESC, id DESC LIMIT 1');
}

export async function insertKey(db: Db, row: AuditKeyRow): Promise<void> {
  await rawRun(db, 'INSERT INTO audit_keys (id, algorithm, public_key, private_key_enc, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    row.id, row.algorithm, row.public_key, row.private_key_enc, row.fingerprint, row.created_at,
  ]);
}

/**
 * The workspace's key row, made by `make` when there is none yet, once: processes of a hub that sign their first
 * bundle at the same moment must not each make a key. SQLite: the transaction's write lock already orders them.
 * PostgreSQL: the table is locked against other writers until COMMIT (readers are not held up).
 */
export async function ensureKeyRow(store: Store, make: () => AuditKeyRow): Promise<{ row: AuditKeyRow; created: boolean }> {
  const existing = await currentKey(store);
  if (existing) return { row: existing, created: false };
  return store.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await rawRun(tx, 'LOCK TABLE audit_keys IN SHARE ROW EXCLUSIVE MODE');
    const again = await currentKey(tx);
    if (again) return { row: again, created: false };
    const row = make();
    await insertKey(tx, row);
    return { row, created: true };
  });
}
