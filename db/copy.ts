// Copying a whole workspace between stores (a file to a hub, a hub to a file): which tables, in which order,
// and the per-dialect conversions of their values. The orchestration (one transaction, verification, keys,
// progress) is main/copy.ts.
import { rebuildSql } from './migrations/common/rollups.ts';
import { dumpRollups } from './reports.ts';
import { marks, rawAll, rawFirst, rawRun, type Db, type Tx } from './sql.ts';

/**
 * Every table that holds workspace data, parents before children (foreign keys hold at every insert).
 * Tables a migration adds must be listed here or in `notCopied` (a test checks that every table is one of them).
 */
export const copiedTables = [
  'accounts', 'users', 'memberships', 'projects', 'boards', 'columns', 'cards', 'comments', 'card_subscriptions',
  'card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived',
  'invitations', 'access_tokens', 'member_role_changed', 'invitation_sent', 'invitation_accepted', 'invitation_declined',
  'invitation_revoked', 'token_created', 'token_revoked', 'webhook_endpoint_created', 'webhook_endpoint_changed',
  'webhook_endpoint_disabled', 'webhook_endpoint_deleted', 'webhook_secret_revealed', 'webhook_secret_rotated',
  'session_switched', 'activities',
  'jobs', 'webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'recurring_tasks',
  'audit_chain', 'audit_keys',
  'report_daily', 'report_user_daily', 'tracking_events', 'notifications', 'notification_reads', 'report_settings',
  'user_preferences', 'activity_last_seen', 'data_keys',
] as const;

/**
 * Tables of a running store, not of the workspace: who is dispatching now, send slots, cross-process signals, and
 * the integrity checks of the source's own file (the target is checked on its own).
 */
export const notCopied = ['processes', 'job_throttles', 'push_outbox', 'chronicle_schema', 'storage_checks'] as const;

/** The store's own tables (not the driver's), sorted. */
export async function storeTables(db: Db): Promise<string[]> {
  const rows = db.dialect === 'sqlite'
    ? await rawAll<{ name: string }>(db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    : await rawAll<{ name: string }>(db, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`);
  return rows.map((r) => r.name);
}

interface Column { name: string; boolean: boolean }

/** Columns of a table with whether the store keeps them as booleans. */
async function columnsOf(db: Db, table: string): Promise<Column[]> {
  if (db.dialect === 'sqlite') {
    const rows = await rawAll<{ name: string }>(db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, [table]);
    return rows.map((r) => ({ name: r.name, boolean: false }));
  }
  const rows = await rawAll<{ name: string; type: string; generated: string }>(
    db,
    `SELECT column_name AS name, data_type AS type, is_identity AS generated FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => ({ name: r.name, boolean: r.type === 'boolean' }));
}

/** Rows of every copied table. */
export async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of copiedTables) out[t] = (await rawFirst<{ n: number }>(db, `SELECT count(*) AS n FROM ${t}`))!.n;
  return out;
}

/** The columns a table is read in, as a keyset: the order rows were written where it matters (jobs are claimed in
 * it: SQLite's rowid, PostgreSQL's seq), else the primary key. */
async function readKey(db: Db, table: string): Promise<{ select: string[]; key: string[] }> {
  if (table === 'jobs') return db.dialect === 'sqlite' ? { select: ['rowid AS copy_key'], key: ['copy_key'] } : { select: ['seq AS copy_key'], key: ['copy_key'] };
  const pk = await primaryKey(db, table);
  return { select: pk.map((c) => `${c} AS copy_k_${c}`), key: pk.map((c) => `copy_k_${c}`) };
}

export interface TableCopy {
  table: string;
  /** Rows copied so far of this table. */
  copied: number;
}

/**
 * Copy one table from `from` to `to` (inside the target's transaction), `batch` rows at a time by keyset, calling
 * `onRows` after each batch. Only the columns both stores have are copied (PostgreSQL's jobs.seq is generated
 * again, in the source's write order). A claim cannot travel (its runner is on the source): claimed jobs arrive
 * ready, deliveries being sent arrive waiting for their retry.
 */
export async function copyTable(from: Db, to: Tx, table: string, onRows: (n: number) => void, batch = 500): Promise<number> {
  const src = await columnsOf(from, table);
  const dst = new Map((await columnsOf(to, table)).map((c) => [c.name, c]));
  const cols = src.filter((c) => dst.has(c.name) && !(table === 'jobs' && c.name === 'seq'));
  const names = cols.map((c) => c.name);
  const { select, key } = await readKey(from, table);
  const tuple = `(${marks(names.length)})`;
  let after: unknown[] | null = null;
  let copied = 0;
  for (;;) {
    const where = after ? `WHERE (${select.map((s) => s.split(' AS ')[0]).join(', ')}) > (${marks(after.length)})` : '';
    const rows: Record<string, unknown>[] = await rawAll<Record<string, unknown>>(
      from,
      `SELECT ${[...names, ...select].join(', ')} FROM ${table} ${where} ORDER BY ${key.join(', ')} LIMIT ?`,
      [...(after ?? []), batch],
    );
    if (rows.length === 0) break;
    after = key.map((k) => rows[rows.length - 1][k]);
    const values: unknown[] = [];
    for (const r of rows) {
      const row = { ...r };
      if (table === 'jobs' && row.status === 'claimed') Object.assign(row, { status: 'ready', claimed_by: null, claimed_at: null, heartbeat_at: null });
      if (table === 'webhook_deliveries' && row.status === 'delivering') row.status = Number(row.attempts) === 0 ? 'pending' : 'retrying';
      for (const c of cols) {
        const v = row[c.name];
        values.push(dst.get(c.name)!.boolean ? v === true || v === 1 : typeof v === 'boolean' ? (v ? 1 : 0) : v);
      }
    }
    await rawRun(to, `INSERT INTO ${table} (${names.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`, values);
    copied += rows.length;
    onRows(rows.length);
    if (rows.length < batch) break;
  }
  return copied;
}

async function primaryKey(db: Db, table: string): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const rows = await rawAll<{ name: string; pk: number }>(db, `SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, [table]);
    return rows.map((r) => r.name);
  }
  const rows = await rawAll<{ name: string }>(
    db,
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
     WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [table],
  );
  return rows.map((r) => r.name);
}

/** Rollups recomputed from the activities in `tx`, without keeping the recomputation (a savepoint rolled back). */
export async function rebuiltRollups(tx: Tx): Promise<string[]> {
  let rebuilt: string[] = [];
  const rollBack = new Error('rolled back on purpose');
  await tx
    .savepoint(async (sp) => {
      await sp.script(rebuildSql);
      rebuilt = await dumpRollups(sp);
      throw rollBack;
    })
    .catch((err: unknown) => {
      if (err !== rollBack) throw err;
    });
  return rebuilt;
}

export { dumpRollups };
