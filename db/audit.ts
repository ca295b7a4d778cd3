// SQL of the audit area: the hash chain (append, backfill, the verifier's bulk reads), card versions (history,
// as-of, compare) and the account-wide audit list. The canonical form lives in main/audit/canonical.ts.
import { CHAINED_COLUMNS, CHAINED_TABLES, GENESIS, canonicalRow, linkHash, type ChainedTable } from '../main/audit/canonical.ts';
import { prepare, type Sqlite } from './sql.ts';

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

export function chainHead(s: Sqlite, accountId: string): { seq: number; hash: string } | undefined {
  return prepare(s, 'SELECT seq, hash FROM audit_chain WHERE account_id = ? ORDER BY seq DESC LIMIT 1').get(accountId) as
    | { seq: number; hash: string }
    | undefined;
}

export function insertLink(s: Sqlite, link: ChainLink): void {
  prepare(
    s,
    'INSERT INTO audit_chain (account_id, seq, event_table, event_id, prev_hash, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(link.account_id, link.seq, link.event_table, link.event_id, link.prev_hash, link.hash, link.created_at);
}

/** Append one event row to its account's chain. Runs inside the event's transaction. */
export function appendToChain(s: Sqlite, table: ChainedTable, row: Record<string, unknown> & { id: string; account_id: string; created_at: number }): ChainLink {
  const head = chainHead(s, row.account_id);
  const prev = head?.hash ?? GENESIS;
  const link: ChainLink = {
    account_id: row.account_id,
    seq: (head?.seq ?? 0) + 1,
    event_table: table,
    event_id: row.id,
    prev_hash: prev,
    hash: linkHash(prev, table, canonicalRow(table, row)),
    created_at: row.created_at,
  };
  insertLink(s, link);
  return link;
}

/** Chain every event row not chained yet (migration 0003 on an existing workspace), oldest first per account. */
export function backfillChain(s: Sqlite): number {
  const union = CHAINED_TABLES.map(
    (t) => `SELECT '${t}' AS t, id, account_id, created_at FROM ${t}`,
  ).join(' UNION ALL ');
  const rows = s.prepare(`SELECT t, id, account_id FROM (${union}) ORDER BY account_id, created_at, t, id`).all() as {
    t: ChainedTable; id: string; account_id: string;
  }[];
  const loaders = Object.fromEntries(CHAINED_TABLES.map((t) => [t, s.prepare(`SELECT * FROM ${t} WHERE id = ?`)]));
  for (const r of rows) {
    const row = loaders[r.t].get(r.id) as Record<string, unknown> & { id: string; account_id: string; created_at: number };
    appendToChain(s, r.t, row);
  }
  return rows.length;
}

export function chainLength(s: Sqlite, accountId: string): number {
  return chainHead(s, accountId)?.seq ?? 0;
}

/** Accounts that have a chain (or events), for `audit verify` without --account. */
export function accountsWithChains(s: Sqlite): { id: string; name: string }[] {
  return s.prepare('SELECT id, name FROM accounts ORDER BY name').all() as { id: string; name: string }[];
}

// The verifier reads the chain in seq order with every event table LEFT JOINed on its id: one statement per
// chunk, no query per row. Columns: seq, event_table, event_id, prev_hash, hash, then each table's
// CHAINED_COLUMNS (NULLs for the tables the link does not point at).
export const verifyColumnOffsets: Record<ChainedTable, number> = {} as Record<ChainedTable, number>;
const verifySql = (() => {
  const select = ['c.seq', 'c.event_table', 'c.event_id', 'c.prev_hash', 'c.hash'];
  const joins: string[] = [];
  CHAINED_TABLES.forEach((t, n) => {
    verifyColumnOffsets[t] = select.length;
    for (const col of CHAINED_COLUMNS[t]) select.push(`e${n}.${col}`);
    joins.push(`LEFT JOIN ${t} e${n} ON c.event_table = '${t}' AND e${n}.id = c.event_id`);
  });
  return `SELECT ${select.join(', ')} FROM audit_chain c ${joins.join(' ')}
    WHERE c.account_id = ? AND c.seq > ? AND c.seq <= ? ORDER BY c.seq LIMIT ?`;
})();

/** Raw rows (arrays) of the chain from seq > after up to seq <= upTo, each joined to its event row (one seek per row). */
export function readChainChunk(s: Sqlite, accountId: string, after: number, upTo: number, limit: number): unknown[][] {
  return prepare(s, verifySql).raw(true).all(accountId, after, upTo, limit) as unknown[][];
}

/** Links (seq, event_table, event_id, prev_hash, hash) from seq > after up to seq <= upTo, in order. */
export function readLinks(s: Sqlite, accountId: string, after: number, upTo: number, limit: number): [number, string, string, string, string][] {
  return prepare(s, 'SELECT seq, event_table, event_id, prev_hash, hash FROM audit_chain WHERE account_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
    .raw(true)
    .all(accountId, after, upTo, limit) as [number, string, string, string, string][];
}

/**
 * Event rows of one table and account in rowid (insertion, hence recording) order after `afterRowid`, as
 * [rowid, ...CHAINED_COLUMNS]. The verifier reads each table sequentially this way instead of seeking every row
 * by id; rows that are not where it expects them are fetched with eventRowById.
 */
export function readEventRows(s: Sqlite, table: ChainedTable, accountId: string, afterRowid: number, limit: number): unknown[][] {
  return prepare(s, `SELECT rowid, ${CHAINED_COLUMNS[table].join(', ')} FROM ${table} WHERE account_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`)
    .raw(true)
    .all(accountId, afterRowid, limit) as unknown[][];
}

export function eventRowById(s: Sqlite, table: ChainedTable, accountId: string, id: string): unknown[] | undefined {
  return prepare(s, `SELECT rowid, ${CHAINED_COLUMNS[table].join(', ')} FROM ${table} WHERE id = ? AND account_id = ?`).raw(true).get(id, accountId) as unknown[] | undefined;
}

export function firstSeq(s: Sqlite, accountId: string): number | undefined {
  return (prepare(s, 'SELECT seq FROM audit_chain WHERE account_id = ? ORDER BY seq LIMIT 1').get(accountId) as { seq: number } | undefined)?.seq;
}

export function linkAt(s: Sqlite, accountId: string, seq: number): ChainLink | undefined {
  return prepare(s, 'SELECT * FROM audit_chain WHERE account_id = ? AND seq = ?').get(accountId, seq) as ChainLink | undefined;
}

export function seqOfHash(s: Sqlite, accountId: string, hash: string): number | undefined {
  return (prepare(s, 'SELECT seq FROM audit_chain WHERE account_id = ? AND hash = ?').get(accountId, hash) as { seq: number } | undefined)?.seq;
}

/** Per table: event rows of the account vs links of the account (a difference means rows outside the chain). */
export function chainCounts(s: Sqlite, accountId: string): Record<string, { rows: number; links: number }> {
  const out: Record<string, { rows: number; links: number }> = {};
  const links = prepare(s, 'SELECT event_table AS t, count(*) AS n FROM audit_chain WHERE account_id = ? GROUP BY event_table').all(accountId) as { t: string; n: number }[];
  for (const t of CHAINED_TABLES) {
    const rows = (prepare(s, `SELECT count(*) AS n FROM ${t} WHERE account_id = ?`).get(accountId) as { n: number }).n;
    out[t] = { rows, links: links.find((l) => l.t === t)?.n ?? 0 };
  }
  return out;
}

/** Event rows of a table that have no link in their account's chain (inserted behind the chain's back). */
export function unchainedRows(s: Sqlite, accountId: string, table: ChainedTable): { id: string; created_at: number }[] {
  return prepare(
    s,
    `SELECT e.id, e.created_at FROM ${table} e WHERE e.account_id = ?
       AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.account_id = e.account_id AND c.event_table = '${table}' AND c.event_id = e.id)
     ORDER BY e.created_at, e.id`,
  ).all(accountId) as { id: string; created_at: number }[];
}

/** The first link recorded after `createdAt` (where a row of that time would sit in the chain). */
export function seqAfterTime(s: Sqlite, accountId: string, createdAt: number): number | undefined {
  return (prepare(s, 'SELECT min(seq) AS seq FROM audit_chain WHERE account_id = ? AND created_at > ?').get(accountId, createdAt) as { seq: number | null }).seq ?? undefined;
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

const createdCols = `'card_created' AS kind, id, card_id, creator_id, created_at, board_id, NULL AS changes, column_id, title,
  NULL AS from_column_id, NULL AS to_column_id, NULL AS from_position, NULL AS to_position`;
const updatedCols = `'card_updated' AS kind, id, card_id, creator_id, created_at, NULL AS board_id, changes, NULL AS column_id, NULL AS title,
  NULL AS from_column_id, NULL AS to_column_id, NULL AS from_position, NULL AS to_position`;
const movedCols = `'card_moved' AS kind, id, card_id, creator_id, created_at, NULL AS board_id, NULL AS changes, NULL AS column_id, NULL AS title,
  from_column_id, to_column_id, from_position, to_position`;

/** A page of a card's versions, newest first, strictly older than `before`. Each arm reads its own index. */
export function cardVersionsPage(s: Sqlite, accountId: string, cardId: string, before: VersionKey | undefined, limit: number): VersionRow[] {
  const k = before ?? MAX_KEY;
  const arm = (cols: string, table: string) =>
    `SELECT * FROM (SELECT ${cols} FROM ${table} WHERE card_id = :card AND account_id = :account AND (created_at, id) < (:t, :i)
       ORDER BY created_at DESC, id DESC LIMIT :n)`;
  const sql = `${arm(createdCols, 'card_created')} UNION ALL ${arm(updatedCols, 'card_updated')} UNION ALL ${arm(movedCols, 'card_moved')}
    ORDER BY created_at DESC, id DESC LIMIT :n`;
  return prepare(s, sql).all({ card: cardId, account: accountId, t: k.createdAt, i: k.id, n: limit }) as VersionRow[];
}

/** Changes of a card newer than `after` (updates and moves), newest first: what to undo to go back in time. */
export function cardChangesAfter(s: Sqlite, accountId: string, cardId: string, after: VersionKey): VersionRow[] {
  const sql = `SELECT ${updatedCols} FROM card_updated WHERE card_id = :card AND account_id = :account AND (created_at, id) > (:t, :i)
    UNION ALL SELECT ${movedCols} FROM card_moved WHERE card_id = :card AND account_id = :account AND (created_at, id) > (:t, :i)
    ORDER BY created_at DESC, id DESC`;
  return prepare(s, sql).all({ card: cardId, account: accountId, t: after.createdAt, i: after.id }) as VersionRow[];
}

/** One version (event) of a card by its event id. */
export function findVersion(s: Sqlite, accountId: string, cardId: string, id: string): VersionRow | undefined {
  const sql = `SELECT ${createdCols} FROM card_created WHERE id = :id AND card_id = :card AND account_id = :account
    UNION ALL SELECT ${updatedCols} FROM card_updated WHERE id = :id AND card_id = :card AND account_id = :account
    UNION ALL SELECT ${movedCols} FROM card_moved WHERE id = :id AND card_id = :card AND account_id = :account`;
  return prepare(s, sql).get({ id, card: cardId, account: accountId }) as VersionRow | undefined;
}

export function cardCreation(s: Sqlite, accountId: string, cardId: string): VersionRow | undefined {
  return prepare(s, `SELECT ${createdCols} FROM card_created WHERE card_id = ? AND account_id = ?`).get(cardId, accountId) as VersionRow | undefined;
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

/**
 * One page of card versions of an account, newest first. Two plans, one statement each:
 * - a card is given: the card's three event tables through their (card_id, created_at) indexes;
 * - otherwise: the activities index (account, board or person, by time) with the event rows joined on id.
 */
export function auditListPage(s: Sqlite, f: AuditListFilter): AuditListRow[] {
  const k = f.before ?? MAX_KEY;
  const params: Record<string, unknown> = { account: f.accountId, t: k.createdAt, i: k.id, n: f.limit };
  const attrPath = f.attribute ? `$.${f.attribute}` : null;
  if (attrPath) params.path = attrPath;
  if (f.fromMs !== undefined) params.from = f.fromMs;
  if (f.toMs !== undefined) params.to = f.toMs;
  if (f.creatorId) params.creator = f.creatorId;

  if (f.cardId) {
    params.card = f.cardId;
    const extra = (alias = '') =>
      [
        f.creatorId ? `${alias}creator_id = :creator` : '',
        f.fromMs !== undefined ? `${alias}created_at >= :from` : '',
        f.toMs !== undefined ? `${alias}created_at < :to` : '',
      ].filter(Boolean).map((c) => ` AND ${c}`).join('');
    const arms: string[] = [];
    const arm = (cols: string, table: string, cond = '') =>
      `SELECT * FROM (SELECT ${cols}, id AS key_id FROM ${table} WHERE card_id = :card AND account_id = :account AND (created_at, id) < (:t, :i)${extra()}${cond}
         ORDER BY created_at DESC, id DESC LIMIT :n)`;
    if (!f.attribute || f.attribute === 'title' || f.attribute === 'column_id') arms.push(arm(createdCols, 'card_created'));
    arms.push(arm(updatedCols, 'card_updated', attrPath ? ' AND json_type(changes, :path) IS NOT NULL' : ''));
    if (!f.attribute || f.attribute === 'column_id' || f.attribute === 'position') arms.push(arm(movedCols, 'card_moved'));
    const sql = `${arms.join(' UNION ALL ')} ORDER BY created_at DESC, id DESC LIMIT :n`;
    const rows = prepare(s, sql).all(params) as AuditListRow[];
    if (f.boardId) return rows.length && boardOfCard(s, f.accountId, f.cardId) !== f.boardId ? [] : rows;
    return rows;
  }

  // `+a.subject_type` keeps the planner off the (account, type, time) index, which would need a sort across
  // the three types; the time-ordered indexes below stream in order and stop at the page size.
  const where = ['a.account_id = :account', "+a.subject_type IN ('card_created', 'card_updated', 'card_moved')", '(a.created_at, a.id) < (:t, :i)'];
  if (f.boardId) {
    params.board = f.boardId;
    where.push('a.board_id = :board');
  }
  if (f.creatorId) where.push('a.creator_id = :creator');
  if (f.fromMs !== undefined) where.push('a.created_at >= :from');
  if (f.toMs !== undefined) where.push('a.created_at < :to');
  if (f.attribute) {
    const alt: string[] = ['json_type(u.changes, :path) IS NOT NULL'];
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
    ORDER BY a.created_at DESC, a.id DESC LIMIT :n`;
  return prepare(s, sql).all(params) as AuditListRow[];
}

export function boardOfCard(s: Sqlite, accountId: string, cardId: string): string | undefined {
  return (prepare(s, 'SELECT board_id FROM cards WHERE id = ? AND account_id = ?').get(cardId, accountId) as { board_id: string } | undefined)?.board_id;
}

/** Cards (id → title, board) by id: one query however many ids. */
export function loadCards(s: Sqlite, accountId: string, ids: readonly string[]): Map<string, { title: string; board_id: string }> {
  const map = new Map<string, { title: string; board_id: string }>();
  if (ids.length === 0) return map;
  const rows = prepare(s, 'SELECT id, title, board_id FROM cards WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))').all(
    accountId,
    JSON.stringify(ids),
  ) as { id: string; title: string; board_id: string }[];
  for (const r of rows) map.set(r.id, { title: r.title, board_id: r.board_id });
  return map;
}

/** id → name for users, columns or boards of an account: one query however many ids. */
export function loadAccountNames(s: Sqlite, table: 'users' | 'columns' | 'boards', ids: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  if (ids.length === 0) return map;
  const rows = prepare(s, `SELECT id, name FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as { id: string; name: string }[];
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

export function currentKey(s: Sqlite): AuditKeyRow | undefined {
  return prepare(s, 'SELECT * FROM audit_keys ORDER BY created_at DESC, id DESC LIMIT 1').get() as AuditKeyRow | undefined;
}

export function insertKey(s: Sqlite, row: AuditKeyRow): void {
  prepare(s, 'INSERT INTO audit_keys (id, algorithm, public_key, private_key_enc, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    row.id, row.algorithm, row.public_key, row.private_key_enc, row.fingerprint, row.created_at,
  );
}
