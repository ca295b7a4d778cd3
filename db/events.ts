// Writes of event records, their activities and follow-up jobs; bulk loads of event rows for the feed.
import { sql, type Insertable } from 'kysely';
import { all, first, q, run, type Sqlite } from './sql.ts';
import type { ActivitiesTable, JobsTable, Schema } from './schema.ts';

export type EventTableName =
  | 'card_created'
  | 'card_moved'
  | 'card_updated'
  | 'comment_added'
  | 'member_invited'
  | 'project_archived';

/** How much of a comment's body the feed carries as its excerpt. */
export const EXCERPT_CHARS = 160;

export function insertEventRow<T extends EventTableName>(s: Sqlite, table: T, row: Schema[T]): void {
  run(s, q.insertInto(table).values(row as any));
}

export function insertActivity(s: Sqlite, row: ActivitiesTable): void {
  run(s, q.insertInto('activities').values(row));
}

export function insertJob(s: Sqlite, row: Insertable<JobsTable>): void {
  run(s, q.insertInto('jobs').values(row));
}

/** Event rows of one type by id: one query however many ids. */
export function loadEventRows<T extends EventTableName>(s: Sqlite, table: T, ids: readonly string[]): Schema[T][] {
  if (ids.length === 0) return [];
  return all(s, q.selectFrom(table as EventTableName).selectAll().where('id', 'in', ids as string[])) as unknown as Schema[T][];
}

/** id → name for rows of a named table: one query however many ids. */
export function loadNames(
  s: Sqlite,
  table: 'users' | 'cards' | 'columns' | 'projects' | 'boards' | 'comments',
  ids: readonly string[],
): Map<string, string> {
  const map = new Map<string, string>();
  if (ids.length === 0) return map;
  const rows =
    table === 'cards'
      ? all(s, q.selectFrom('cards').select(['id', 'title as name']).where('id', 'in', ids as string[]))
      : table === 'comments'
        ? // A comment's "name" is the start of its body (the feed's excerpt).
          all(s, q.selectFrom('comments').select(['id', sql<string>`substr(body, 1, ${EXCERPT_CHARS + 1})`.as('name')]).where('id', 'in', ids as string[]))
        : all(s, q.selectFrom(table).select(['id', 'name']).where('id', 'in', ids as string[]));
  for (const r of rows) map.set(r.id, r.name);
  return map;
}

/** Activities recorded in the file (every event has exactly one). */
export function countActivities(s: Sqlite): number {
  return first(s, q.selectFrom('activities').select((e) => e.fn.countAll<number>().as('n')))!.n;
}
