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
import { all, type Db } from './sql.ts';
import type { Schema } from './schema.ts';

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

export function listActivities(db: Db, f: FeedFilter): Promise<Schema['activities'][]> {
  const types = f.types ? [...new Set(f.types)] : undefined;
  if (!types || types.length <= 1) return all(db, page(db, f, types));
  // One ordered range per type, each at most `limit` rows, merged: still a single statement.
  const [first, ...rest] = types.map((t, i) => db.q.selectFrom(page(db, f, [t]).as(`t${i}`)).selectAll());
  let merged = first;
  for (const branch of rest) merged = merged.unionAll(branch);
  return all(db, merged.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit));
}
