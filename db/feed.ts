// The activity feed query: keyset pagination, newest first, over the (scope, created_at, id) indexes.
//
// Two things keep a page O(page size) however deep the cursor is (see test/bench/feed.bench.ts):
// - the keyset is a row-value comparison `(created_at, id) < (?, ?)`: SQLite turns it into a range seek on the
//   index. The equivalent `created_at < ? OR (created_at = ? AND id < ?)` is not used as a range, so a deep
//   page scanned the index from the newest row down to the cursor (9 ms at 100k rows deep, growing linearly);
// - several types are read as one index range per type (UNION ALL of per-type pages on
//   activities_account_type_created) and merged, instead of filtering the account's whole index, where a
//   rare type meant reading thousands of rows to fill a page.
// The same SQL runs on PostgreSQL, where a row-value comparison on the index's (created_at DESC, id DESC) columns
// is an index condition as well (test/integration/feed.test.ts checks the plans of both).
import type { SelectQueryBuilder } from 'kysely';
import { eventTableNames, loadEventRows, type EventTableName } from './events.ts';
import { all, queryStats, type Db } from './sql.ts';
import type { ActivitiesTable, Schema } from './schema.ts';

export interface FeedFilter {
  accountId: string;
  boardId?: string;
  projectId?: string;
  creatorId?: string;
  types?: string[];
  fromMs?: number;
  toMs?: number;
  /** Keyset: rows strictly older than (createdAt, id). */
  before?: { createdAt: number; id: string };
  limit: number;
}

type ActivityQuery = SelectQueryBuilder<Schema, 'activities', Schema['activities']>;

/** The filtered, keyset-bounded, newest-first page of one scope (all types of `types`, or one type). */
function page(db: Db, f: FeedFilter, types: string[] | undefined): ActivityQuery {
  let query = db.q.selectFrom('activities').selectAll().where('account_id', '=', f.accountId);
  if (f.boardId) query = query.where('board_id', '=', f.boardId);
  if (f.projectId) query = query.where('project_id', '=', f.projectId);
  if (f.creatorId) query = query.where('creator_id', '=', f.creatorId);
  if (types?.length === 1) query = query.where('subject_type', '=', types[0]);
  else if (types?.length) query = query.where('subject_type', 'in', types);
  if (f.fromMs !== undefined) query = query.where('created_at', '>=', f.fromMs);
  if (f.toMs !== undefined) query = query.where('created_at', '<', f.toMs);
  if (f.before) {
    const { createdAt, id } = f.before;
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit);
}

/** The page's query (not run): one ordered range, or one per type merged. */
function pageQuery(db: Db, f: FeedFilter) {
  const types = f.types ? [...new Set(f.types)] : undefined;
  if (!types || types.length <= 1) return page(db, f, types);
  // One ordered range per type, each at most `limit` rows, merged: still a single statement.
  const [first, ...rest] = types.map((t, i) => db.q.selectFrom(page(db, f, [t]).as(`t${i}`)).selectAll());
  let merged = first;
  for (const branch of rest) merged = merged.unionAll(branch);
  return merged.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit);
}

export function listActivities(db: Db, f: FeedFilter): Promise<ActivitiesTable[]> {
  return all(db, pageQuery(db, f));
}

export interface ActivityWithSubject {
  activity: ActivitiesTable;
  /** The activity's event row, or null when it is gone. */
  subject: Record<string, unknown> | null;
}

/**
 * A page of activities with their event rows.
 * SQLite (in process, no round trips): the page, then one `id IN (…)` read per event type on it.
 * PostgreSQL (every statement a round trip): ONE statement; each activity's event row is a correlated key lookup
 * in the one table its subject_type names (a CASE, so one lookup per row, never a join over all six tables),
 * returned as row_to_json text: the same values the per-type reads give (bigint as numbers, text as strings).
 * Either way the page query keeps its own plan (an index range at the cursor).
 */
export async function listActivitiesWithSubjects(db: Db, f: FeedFilter): Promise<ActivityWithSubject[]> {
  const tables = eventTableNames.filter((t) => !f.types || f.types.includes(t));
  if (db.dialect === 'sqlite') {
    const rows = await listActivities(db, f);
    const idsByType = new Map<EventTableName, string[]>();
    for (const r of rows) {
      const table = r.subject_type as EventTableName;
      if (!tables.includes(table)) continue;
      const list = idsByType.get(table) ?? [];
      list.push(r.subject_id);
      idsByType.set(table, list);
    }
    const subjects = new Map<string, Record<string, unknown>>();
    for (const [table, ids] of idsByType) {
      for (const row of await loadEventRows(db, table, ids)) subjects.set(row.id, row as unknown as Record<string, unknown>);
    }
    return rows.map((activity) => ({ activity, subject: subjects.get(activity.subject_id) ?? null }));
  }
  const { sql, parameters } = pageQuery(db, f).compile();
  // Table names are the fixed list of db/events.ts, never input; the only parameters are the page query's own
  // (already in the dialect's placeholders).
  const lookups = tables.map((t) => `WHEN '${t}' THEN (SELECT row_to_json(s)::text FROM ${t} AS s WHERE s.id = a.subject_id)`).join(' ');
  const text = `SELECT a.*, CASE a.subject_type ${lookups} END AS subject_json FROM (${sql}) AS a ORDER BY a.created_at DESC, a.id DESC`;
  queryStats.count++;
  const { rows } = await db.execCompiled<ActivitiesTable & { subject_json: string | null }>(text, parameters);
  return rows.map(({ subject_json, ...activity }) => ({ activity, subject: subject_json === null ? null : (JSON.parse(subject_json) as Record<string, unknown>) }));
}
