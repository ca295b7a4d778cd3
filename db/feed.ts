// The activity feed query: keyset pagination, newest first, over the (scope, created_at, id) indexes.
import { all, q, type Sqlite } from './sql.ts';

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

export function listActivities(s: Sqlite, f: FeedFilter) {
  let query = q.selectFrom('activities').selectAll().where('account_id', '=', f.accountId);
  if (f.boardId) query = query.where('board_id', '=', f.boardId);
  if (f.projectId) query = query.where('project_id', '=', f.projectId);
  if (f.creatorId) query = query.where('creator_id', '=', f.creatorId);
  if (f.types?.length) query = query.where('subject_type', 'in', f.types);
  if (f.fromMs !== undefined) query = query.where('created_at', '>=', f.fromMs);
  if (f.toMs !== undefined) query = query.where('created_at', '<', f.toMs);
  if (f.before) {
    const { createdAt, id } = f.before;
    query = query.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  return all(s, query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit));
}
