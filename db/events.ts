// Writes of event records, their activities and follow-up jobs; bulk loads of event rows for the feed.
import type { Insertable } from 'kysely';
import { all, first, marks, rawAll, rawRun, runWrite, type Db, type RowWrite } from './sql.ts';
import type { ActivitiesTable, JobsTable, Schema } from './schema.ts';

/** The six work events (cards, comments, members, projects) and the access events of migration 0006. */
export const eventTableNames = [
  'card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived',
  'member_role_changed', 'invitation_sent', 'invitation_accepted', 'invitation_declined', 'invitation_revoked',
  'token_created', 'token_revoked',
  'webhook_endpoint_created', 'webhook_endpoint_changed', 'webhook_endpoint_disabled', 'webhook_endpoint_deleted',
  'webhook_secret_revealed', 'webhook_secret_rotated', 'session_switched',
] as const;
export type EventTableName = (typeof eventTableNames)[number];

// The three writes of every recorded event are written as fixed SQL text (cached per column list) rather than
// built through Kysely: they run for every event, and on a hub every microsecond spent per statement is spent
// inside a transaction that holds its account's lock.
const eventTables = new Set<string>(eventTableNames);
const insertTexts = new Map<string, string>();

/** `INSERT INTO table (keys of row) VALUES (?, …)`, for a table and columns this module names, never input. */
function insertText(table: string, columns: readonly string[]): string {
  const key = `${table}(${columns.join(',')})`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    for (const c of columns) if (!/^[a-z_]+$/.test(c)) throw new Error(`Not a column name: ${c}`);
    text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${marks(columns.length)})`;
    insertTexts.set(key, text);
  }
  return text;
}

/** A row's present values (an undefined one is left to the column's default, as Kysely's `values` does). */
function present(row: object): [string[], unknown[]] {
  const entries = Object.entries(row).filter(([, v]) => v !== undefined);
  return [entries.map(([k]) => k), entries.map(([, v]) => v)];
}

export async function insertEventRow<T extends EventTableName>(db: Db, table: T, row: Schema[T]): Promise<void> {
  if (!eventTables.has(table)) throw new Error(`Not an event table: ${table}`);
  const [columns, values] = present(row);
  await rawRun(db, insertText(table, columns), values);
}

const activityColumns = ['id', 'account_id', 'subject_type', 'subject_id', 'creator_id', 'board_id', 'project_id', 'created_at'] as const;

export async function insertActivity(db: Db, row: ActivitiesTable): Promise<void> {
  await rawRun(db, insertText('activities', activityColumns), activityColumns.map((c) => row[c]));
}

const followUpColumns = ['id', 'account_id', 'queue', 'kind', 'args', 'priority', 'run_at', 'created_at'] as const;
type FollowUpRow = Pick<Insertable<JobsTable>, (typeof followUpColumns)[number]>;

/** An event's follow-up jobs, in one statement however many (on a hub, one round trip instead of one each). */
export async function insertFollowUpJobs(db: Db, rows: FollowUpRow[]): Promise<void> {
  if (rows.length === 0) return;
  const one = `(${marks(followUpColumns.length)})`;
  await rawRun(
    db,
    `INSERT INTO jobs (${followUpColumns.join(', ')}) VALUES ${rows.map(() => one).join(', ')}`,
    rows.flatMap((r) => followUpColumns.map((c) => r[c])),
  );
}

/** What one recorded event writes, all in its command's transaction. */
export interface EventWrites<T extends EventTableName> {
  row: Schema[T];
  activity: ActivitiesTable;
  jobs: FollowUpRow[];
  /** The change the event records (the card moved, the comment added); the event's row may refer to it. */
  change?: RowWrite[];
  /** What its hooks add (its audit link, its report rollups' upserts); each touches other rows than the rest. */
  more?: RowWrite[];
}

/**
 * The writes of a recorded event: the change it records, its row, its activity, its follow-up jobs and its hooks'
 * writes. SQLite: one statement each, the change first. PostgreSQL: one statement (data-modifying CTEs, whose
 * foreign keys are checked at its end), one round trip instead of six and more inside the account's lock.
 */
export async function insertEventWrites<T extends EventTableName>(db: Db, table: T, writes: EventWrites<T>): Promise<void> {
  const { row, activity, jobs, change = [], more = [] } = writes;
  if (db.dialect === 'sqlite') {
    for (const w of change) await runWrite(db, w);
    await insertEventRow(db, table, row);
    await insertActivity(db, activity);
    await insertFollowUpJobs(db, jobs);
    for (const w of more) await runWrite(db, w);
    return;
  }
  if (!eventTables.has(table)) throw new Error(`Not an event table: ${table}`);
  const [columns, values] = present(row);
  const parts = [...change.map((w) => w.text), insertText(table, columns), insertText('activities', activityColumns)];
  const params = [...change.flatMap((w) => w.params), ...values, ...activityColumns.map((c) => activity[c])];
  if (jobs.length) {
    parts.push(`INSERT INTO jobs (${followUpColumns.join(', ')}) VALUES ${jobs.map(() => `(${marks(followUpColumns.length)})`).join(', ')}`);
    params.push(...jobs.flatMap((r) => followUpColumns.map((c) => r[c])));
  }
  for (const w of more) {
    parts.push(w.text);
    params.push(...w.params);
  }
  const last = parts.pop()!;
  await rawRun(db, `WITH ${parts.map((p, i) => `w${i} AS (${p})`).join(', ')} ${last}`, params);
}

/** Event rows of one type by id: one query however many ids. */
export async function loadEventRows<T extends EventTableName>(db: Db, table: T, ids: readonly string[]): Promise<Schema[T][]> {
  if (ids.length === 0) return [];
  return (await all(db, db.q.selectFrom(table as EventTableName).selectAll().where('id', 'in', ids as string[]))) as unknown as Schema[T][];
}

/** How much of a comment's body the feed carries as its excerpt. */
export const EXCERPT_CHARS = 160;

export type NamedTable = 'users' | 'cards' | 'columns' | 'projects' | 'boards' | 'comments';

/** id → name for rows of a named table: one query however many ids. */
export async function loadNames(db: Db, table: NamedTable, ids: readonly string[]): Promise<Map<string, string>> {
  return (await loadNamesOf(db, { [table]: ids }))[table] ?? new Map();
}

// A comment's "name" is the start of its body (the feed's excerpt; one character more tells it was cut).
const nameColumn: Record<NamedTable, string> = {
  users: 'name', cards: 'title', columns: 'name', projects: 'name', boards: 'name', comments: `substr(body, 1, ${EXCERPT_CHARS + 1})`,
};

/**
 * id → name for the rows of several named tables in ONE statement (a UNION ALL of one `id IN (…)` branch per
 * table): a feed page costs one round trip for all its names, not one per table. Tables with no ids are
 * skipped; every asked table gets a map.
 */
export async function loadNamesOf(
  db: Db,
  wanted: Partial<Record<NamedTable, readonly string[]>>,
): Promise<Partial<Record<NamedTable, Map<string, string>>>> {
  const out: Partial<Record<NamedTable, Map<string, string>>> = {};
  const branches: string[] = [];
  const params: unknown[] = [];
  for (const [table, ids] of Object.entries(wanted) as [NamedTable, readonly string[]][]) {
    out[table] = new Map();
    if (!ids.length) continue;
    // Table and column names come from the fixed map above, never from input.
    branches.push(`SELECT '${table}' AS t, id, ${nameColumn[table]} AS name FROM ${table} WHERE id IN (${marks(ids.length)})`);
    params.push(...ids);
  }
  if (branches.length === 0) return out;
  const rows = await rawAll<{ t: NamedTable; id: string; name: string }>(db, branches.join(' UNION ALL '), params);
  for (const r of rows) out[r.t]!.set(r.id, r.name);
  return out;
}

/** Activities recorded in the store (every event has exactly one). */
export async function countActivities(db: Db): Promise<number> {
  return (await first(db, db.q.selectFrom('activities').select((e) => e.fn.countAll<number>().as('n'))))!.n;
}
