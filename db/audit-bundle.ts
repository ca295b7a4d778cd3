// Review bundle files: the SQL of writing and reading them. A bundle is always one SQLite file, whatever store the
// workspace lives in (a file or a hub): the offline format does not depend on the store.
//
// Writing: a fresh SQLite file gets the workspace schema from the SQLite migrations, then the account's trail is
// copied into it row by row from one consistent snapshot of the source (withSnapshot). Only
// what the bundle keeps is ever written to the file (the account's rows; no jobs, secrets, other accounts or
// rows outside a date cut), so a file left behind by a killed export never holds more than a bundle would.
// Event rows and their activities are copied in chain order, so the verifier's sequential fast path applies to
// the bundle too.
//
// Reading: a bundle is opened as a read-only SQLite store; the manifest, content digest and counts are read here.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { CHAINED_TABLES, type ChainedTable } from './audit-canonical.ts';
import { chainCounts, unchainedRows } from './audit.ts';
import { rebuildSql } from './migrations/common/rollups.ts';
import { migrate, openStore } from './open.ts';
import { marks, rawArrays, rawFirst, rawRun, type Db, type Store } from './sql.ts';
import { Database, SqliteStore, sqliteConnectionOf, type SqliteConnection } from './store-sqlite.ts';

export const MANIFEST_TABLE = 'audit_bundle';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function connectionOf(db: Db): SqliteConnection {
  const c = sqliteConnectionOf(db);
  if (!c) throw new Error('A review bundle is a SQLite file; this store is not one.');
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a bundle (or telling a workspace from one)

/** Is this store a review bundle (a SQLite file with a manifest table)? A hub never is. */
export async function isBundle(db: Db): Promise<boolean> {
  if (db.dialect !== 'sqlite') return false;
  return Boolean(await rawFirst(db, `SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`, [MANIFEST_TABLE]));
}

/** The stored manifest text and signature, or null when the store is not a bundle. */
export async function readManifestRow(db: Db): Promise<{ manifest: string; signature: string } | null> {
  if (!(await isBundle(db))) return null;
  return (await rawFirst<{ manifest: string; signature: string }>(db, `SELECT manifest, signature FROM ${MANIFEST_TABLE} WHERE id = 1`)) ?? null;
}

/** SQLite's quick integrity check: 'ok', or the first problem found. */
export async function quickCheck(db: Db): Promise<string> {
  const rows = await rawArrays(db, 'PRAGMA quick_check');
  return String(rows[0]?.[0] ?? 'no answer');
}

/** Open a bundle file read-only (never migrated: it stays byte for byte what was signed). */
export function openBundleFile(file: string): Promise<Store> {
  return openStore(file, { readonly: true, migrate: false });
}

function userTables(c: SqliteConnection): string[] {
  return (c.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

function columnsOf(c: SqliteConnection, table: string): { name: string; pk: number }[] {
  return c.prepare(`SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`).all(table) as { name: string; pk: number }[];
}

/**
 * SHA-256 over the database's content: every schema object (type, name, table, SQL; ordered by type then name)
 * and, table by table in name order, every row in rowid order (primary-key order for WITHOUT ROWID tables) as a
 * JSON array as JSON.stringify writes it, one per line (the schema has no BLOB column; one would be written as
 * Node writes a Buffer, {"type":"Buffer","data":[…]}, as bundles have always been). audit_bundle itself is left
 * out. Streams the rows.
 */
export async function contentDigest(db: Db): Promise<string> {
  const c = connectionOf(db);
  const h = createHash('sha256');
  const objects = c
    .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> ? AND tbl_name <> ? ORDER BY type, name`)
    .raw(true)
    .all(MANIFEST_TABLE, MANIFEST_TABLE);
  for (const o of objects) h.update('S' + JSON.stringify(o) + '\n');
  const withoutRowid = new Set((c.prepare(`SELECT name FROM pragma_table_list WHERE wr = 1`).all() as { name: string }[]).map((r) => r.name));
  for (const t of userTables(c)) {
    if (t === MANIFEST_TABLE) continue;
    h.update('T' + JSON.stringify(t) + '\n');
    const order = withoutRowid.has(t)
      ? columnsOf(c, t).filter((col) => col.pk > 0).sort((a, b) => a.pk - b.pk).map((col) => quote(col.name)).join(', ')
      : 'rowid';
    const stmt = c.prepare(`SELECT * FROM ${quote(t)} ORDER BY ${order}`).raw(true);
    // Lines are hashed in batches of about 1 MB: the same bytes as line by line, far fewer calls.
    let batch = '';
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      batch += JSON.stringify(row) + '\n';
      if (batch.length > 1_000_000) {
        h.update(batch);
        batch = '';
      }
    }
    h.update(batch);
  }
  return h.digest('hex');
}

/** Rows per table (audit_bundle left out). */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const c = connectionOf(db);
  const counts: Record<string, number> = {};
  for (const t of userTables(c)) {
    if (t === MANIFEST_TABLE) continue;
    counts[t] = (c.prepare(`SELECT count(*) AS n FROM ${quote(t)}`).get() as { n: number }).n;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing a bundle

/**
 * Run `fn` on one consistent, read-only snapshot of the store, without holding up its writers.
 * PostgreSQL: a REPEATABLE READ READ ONLY transaction on one pooled connection.
 * SQLite: a second, read-only connection to the same file, in one read transaction: WAL gives it a snapshot
 * while the store's own connection keeps committing (the workspace's commands never wait for an export).
 */
export async function withSnapshot<T>(store: Store, fn: (db: Db) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres' || store.location === ':memory:' || !fs.existsSync(store.location)) {
    return store.transaction(fn, { readOnly: true });
  }
  const reader = await openStore(store.location, { readonly: true, migrate: false });
  try {
    return await reader.transaction(fn, { readOnly: true });
  } finally {
    await reader.close();
  }
}

/**
 * A new bundle file with the workspace schema (the SQLite migrations). It is scratch until sealed: no fsync, an
 * in-memory rollback journal; a crash leaves a partial file that the next export removes.
 */
export async function createBundleFile(file: string): Promise<Store> {
  const connection = new Database(file, { fileMustExist: false });
  try {
    if (fs.statSync(file).size !== 0) throw new Error(`${file} already exists.`);
    connection.pragma('journal_mode = MEMORY');
    connection.pragma('synchronous = OFF');
    // Rows arrive in chain order, so the indexes take them at random places: a page cache of 128 MB keeps those
    // pages from being written out and read back over and over while the copy's one transaction runs.
    connection.pragma('cache_size = -131072');
    connection.pragma('foreign_keys = OFF');
    const store = new SqliteStore(connection, { location: file, readonly: false });
    await migrate(store);
    return store;
  } catch (err) {
    connection.close();
    throw err;
  }
}

/** Tables a review bundle never carries rows of: operational queues, secrets, and whatever points at them. */
function tablesToEmpty(c: SqliteConnection): Set<string> {
  const tables = userTables(c);
  const empty = new Set<string>(['jobs', 'recurring_tasks', 'audit_keys'].filter((t) => tables.includes(t)));
  for (const t of tables) {
    const cols = columnsOf(c, t).map((col) => col.name);
    // A table without account_id cannot be scoped to the account: nothing of it goes into the bundle.
    if (t !== 'accounts' && !cols.includes('account_id')) empty.add(t);
    if (cols.some((col) => /(_enc|secret|password|token)$/i.test(col))) empty.add(t);
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tables) {
      if (empty.has(t)) continue;
      const refs = c.prepare(`SELECT "table" AS ref FROM pragma_foreign_key_list(?)`).all(t) as { ref: string }[];
      if (refs.some((r) => empty.has(r.ref))) {
        empty.add(t);
        grew = true;
      }
    }
  }
  return empty;
}

/** The card attributes a cut bundle rewinds to their value at the cut. */
export type CardStateAtCut = Partial<Record<'title' | 'description' | 'column_id' | 'assignee_id' | 'due_date', string | null>>;

export interface TrailCopy {
  accountId: string;
  /** Links firstSeq..lastSeq of the account's chain are copied (lastSeq < firstSeq: none). */
  firstSeq: number;
  lastSeq: number;
  /** A date cut: the rollups are recomputed from the copied activities instead of copied. */
  cut: boolean;
  /** End of the cut: cards, comments and subscriptions that did not exist yet are left out, archivals undone. */
  toMs?: number;
  /** Cards changed after toMs, as they were at toMs (computed by the caller from the trail). */
  cardStates?: ReadonlyMap<string, CardStateAtCut>;
  onProgress?: (fraction: number) => void;
}

const CHUNK = 5_000;
const chained = new Set<string>(CHAINED_TABLES);
const rollupTables = new Set(['report_daily', 'report_user_daily']);

/** A value as better-sqlite3 binds it (PostgreSQL booleans become SQLite's 0/1). */
const sqliteValue = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);

/**
 * Rows of `table` whose `key` column is one of `keys`, with extra conditions, as arrays of `columns`.
 * PostgreSQL: one `= ANY(array)` lookup. SQLite: IN lists of at most 500.
 */
async function rowsByKeys(src: Db, table: string, columns: string[], key: string, keys: readonly string[], where: string, params: unknown[]): Promise<unknown[][]> {
  const select = `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} WHERE ${where} AND ${quote(key)}`;
  if (keys.length === 0) return [];
  if (src.dialect === 'postgres') return rawArrays(src, `${select} = ANY(?::text[])`, [...params, keys]);
  const out: unknown[][] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    out.push(...(await rawArrays(src, `${select} IN (${marks(part.length)})`, [...params, ...part])));
  }
  return out;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Copy one account's trail from `src` (a snapshot: see withSnapshot) into a fresh bundle, in one transaction on
 * the bundle. Table by table, only the rows the bundle keeps:
 * - the chain links firstSeq..lastSeq, each followed by its event row and activity (chain order);
 * - event rows that have no link at all (so the bundle's verification names them as the workspace's would);
 * - the account itself, its people (and members from elsewhere), and every other table that has an account_id,
 *   except queues, secret-bearing tables and what refers to them (tablesToEmpty);
 * - with a date cut: cards, comments and subscriptions created after it are left out, cards rewound to their
 *   state at the cut, later archivals undone, rollups recomputed from the bundle's own activities.
 */
export async function copyAccountTrail(src: Db, bundle: Store, plan: TrailCopy): Promise<void> {
  const out = connectionOf(bundle);
  const tables = userTables(out);
  const empty = tablesToEmpty(out);
  const columns = Object.fromEntries(tables.map((t) => [t, columnsOf(out, t)])) as Record<string, { name: string; pk: number }[]>;
  const names = (t: string) => columns[t].map((c) => c.name);
  const inserts = new Map<string, ReturnType<SqliteConnection['prepare']>>();
  const insert = (t: string, row: readonly unknown[]) => {
    let stmt = inserts.get(t);
    if (!stmt) {
      // OR IGNORE: a tampered chain may name one event twice; the bundle holds the row once, as the source does.
      stmt = out.prepare(`INSERT OR IGNORE INTO ${quote(t)} (${names(t).map(quote).join(', ')}) VALUES (${marks(names(t).length)})`);
      inserts.set(t, stmt);
    }
    stmt.run(row.map(sqliteValue));
  };
  const account = plan.accountId;
  const keep = (t: string) => tables.includes(t) && !empty.has(t);
  const idAt = (t: string, col: string) => names(t).indexOf(col);

  /** The event rows of `ids` of one table, with their activities, keyed by event id. */
  const eventsAndActivities = async (t: ChainedTable, ids: string[]) => {
    const rows = keep(t) ? await rowsByKeys(src, t, names(t), 'id', ids, 'account_id = ?', [account]) : [];
    // By (subject_type, subject_id), the unique index; the account is checked here: with it in the WHERE clause
    // SQLite's planner would walk the account's (account, type, time) index instead, once per statement.
    const accountAt = idAt('activities', 'account_id');
    const acts = keep('activities')
      ? (await rowsByKeys(src, 'activities', names('activities'), 'subject_id', ids, 'subject_type = ?', [t])).filter((a) => a[accountAt] === account)
      : [];
    const byId = new Map<unknown, unknown[]>(rows.map((r) => [r[idAt(t, 'id')], r]));
    const actBySubject = new Map<unknown, unknown[]>(acts.map((a) => [a[idAt('activities', 'subject_id')], a]));
    return { byId, actBySubject };
  };

  // Secondary indexes are built once after the copy (a sort) rather than row by row; their SQL is kept as the
  // migrations wrote it, so the bundle's schema is the workspace's, text for text.
  const indexes = out.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid`).all() as { name: string; sql: string }[];
  out.exec('BEGIN');
  try {
    for (const ix of indexes) out.exec(`DROP INDEX ${quote(ix.name)}`);
    const accountRow = await rawArrays(src, `SELECT ${names('accounts').map(quote).join(', ')} FROM accounts WHERE id = ?`, [account]);
    for (const r of accountRow) insert('accounts', r);

    // The chain, in seq order, each link followed by its event row and activity.
    const total = Math.max(0, plan.lastSeq - plan.firstSeq + 1);
    const linkCols = names('audit_chain');
    const at = { table: linkCols.indexOf('event_table'), id: linkCols.indexOf('event_id') };
    let after = plan.firstSeq - 1;
    while (after < plan.lastSeq) {
      const links = await rawArrays(
        src,
        `SELECT ${linkCols.map(quote).join(', ')} FROM audit_chain WHERE account_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
        [account, after, plan.lastSeq, CHUNK],
      );
      if (links.length === 0) break;
      const ids: Partial<Record<ChainedTable, string[]>> = {};
      for (const l of links) if (chained.has(l[at.table] as string)) (ids[l[at.table] as ChainedTable] ??= []).push(l[at.id] as string);
      const found = {} as Record<ChainedTable, Awaited<ReturnType<typeof eventsAndActivities>>>;
      for (const t of Object.keys(ids) as ChainedTable[]) found[t] = await eventsAndActivities(t, ids[t]!);
      for (const l of links) {
        insert('audit_chain', l);
        const f = found[l[at.table] as ChainedTable];
        if (!f) continue;
        const row = f.byId.get(l[at.id]);
        if (row) insert(l[at.table] as string, row);
        const act = f.actBySubject.get(l[at.id]);
        if (act) insert('activities', act);
      }
      after = links[links.length - 1][linkCols.indexOf('seq')] as number;
      plan.onProgress?.(total ? Math.min(1, (after - plan.firstSeq + 1) / total) * 0.9 : 0.9);
      await yieldToLoop();
    }

    // Event rows no link points at (inserted behind the chain's back): carried, so the bundle shows the break.
    const counts = await chainCounts(src, account);
    for (const t of CHAINED_TABLES) {
      if (counts[t].rows <= counts[t].links) continue;
      const loose = (await unchainedRows(src, account, t)).map((r) => r.id);
      const f = await eventsAndActivities(t, loose);
      for (const id of loose) {
        const row = f.byId.get(id);
        if (row) insert(t, row);
        const act = f.actBySubject.get(id);
        if (act) insert('activities', act);
      }
    }

    // Everything else of the account, in primary-key order, page by page.
    const rest = tables.filter((t) => keep(t) && t !== 'accounts' && t !== 'audit_chain' && t !== 'activities' && !chained.has(t) && !(plan.cut && rollupTables.has(t)));
    for (const [n, t] of rest.entries()) {
      await copyTable(src, t, columns[t], tableFilter(t, plan), (row) => insert(t, adjustRow(t, names(t), row, plan)));
      plan.onProgress?.(0.9 + (0.1 * (n + 1)) / rest.length);
    }
    for (const ix of indexes) out.exec(ix.sql);
    if (plan.cut) out.exec(rebuildSql);
    out.exec('COMMIT');
  } catch (err) {
    if (out.inTransaction) out.exec('ROLLBACK');
    throw err;
  }
}

/** Which rows of a table the bundle keeps (SQL on the source, `?` parameters). */
function tableFilter(t: string, plan: TrailCopy): { where: string; params: unknown[] } {
  const a = plan.accountId;
  if (t === 'users') return { where: '(account_id = ? OR id IN (SELECT user_id FROM memberships WHERE account_id = ?))', params: [a, a] };
  const base = { where: 'account_id = ?', params: [a] as unknown[] };
  if (plan.toMs === undefined) return base;
  const later = (alias: string) => `NOT EXISTS (SELECT 1 FROM cards lc WHERE lc.id = ${alias}.card_id AND lc.created_at > ?)`;
  if (t === 'cards') return { where: 'account_id = ? AND created_at <= ?', params: [a, plan.toMs] };
  if (t === 'comments') return { where: `account_id = ? AND created_at <= ? AND ${later('comments')}`, params: [a, plan.toMs, plan.toMs] };
  if (t === 'card_subscriptions') return { where: `account_id = ? AND ${later('card_subscriptions')}`, params: [a, plan.toMs] };
  return base;
}

/** A row as the bundle holds it: cards as they were at the cut, archivals after the cut undone. */
function adjustRow(t: string, cols: string[], row: unknown[], plan: TrailCopy): unknown[] {
  if (plan.toMs === undefined) return row;
  if (t === 'cards' && plan.cardStates) {
    const state = plan.cardStates.get(row[cols.indexOf('id')] as string);
    if (!state) return row;
    const next = [...row];
    for (const [attr, v] of Object.entries(state)) if (cols.includes(attr)) next[cols.indexOf(attr)] = v;
    return next;
  }
  if (t === 'projects') {
    const archivedAt = row[cols.indexOf('archived_at')];
    if (typeof archivedAt === 'number' && archivedAt > plan.toMs) {
      const next = [...row];
      next[cols.indexOf('archived_at')] = null;
      next[cols.indexOf('archived_reason')] = null;
      return next;
    }
  }
  return row;
}

/** Every row of `t` matching `filter`, in primary-key order, CHUNK rows per statement (keyset pages). */
async function copyTable(src: Db, t: string, cols: { name: string; pk: number }[], filter: { where: string; params: unknown[] }, put: (row: unknown[]) => void): Promise<void> {
  const names = cols.map((c) => c.name);
  const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const select = `SELECT ${names.map(quote).join(', ')} FROM ${quote(t)} WHERE ${filter.where}`;
  if (pk.length === 0) {
    for (const row of await rawArrays(src, select, filter.params)) put(row);
    return;
  }
  const order = pk.map(quote).join(', ');
  const pkAt = pk.map((c) => names.indexOf(c));
  let last: unknown[] | null = null;
  for (;;) {
    const keyset = last ? ` AND (${order}) > (${marks(pk.length)})` : '';
    const rows = await rawArrays(src, `${select}${keyset} ORDER BY ${order} LIMIT ?`, [...filter.params, ...(last ?? []), CHUNK]);
    for (const row of rows) put(row);
    if (rows.length < CHUNK) return;
    const end = rows[rows.length - 1];
    last = pkAt.map((i) => end[i]);
    await yieldToLoop();
  }
}

/**
 * Finish the copied file: the (empty) manifest table and the rollback journal a reviewer's SQLite opens without a
 * WAL. The manifest row is written with insertManifest, then the file is signed.
 * No VACUUM: nothing was ever deleted from the file (no other account's rows to scrub from free pages, as the
 * backup-then-prune export had), tables were filled in key order and indexes built after the copy, so it would
 * only save ~2 % of the size for ~15 % of the export's time.
 */
export async function sealBundleFile(bundle: Store): Promise<void> {
  const c = connectionOf(bundle);
  c.exec(`CREATE TABLE ${MANIFEST_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), manifest TEXT NOT NULL, signature TEXT NOT NULL) STRICT`);
  c.pragma('journal_mode = DELETE');
}

export async function insertManifest(bundle: Store, manifest: string, signature: string): Promise<void> {
  await rawRun(bundle, `INSERT INTO ${MANIFEST_TABLE} (id, manifest, signature) VALUES (1, ?, ?)`, [manifest, signature]);
}
