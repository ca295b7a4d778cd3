import { listActivitiesWithSubjects } from '../db/feed.ts';
import { EXCERPT_CHARS, loadEventRows, loadNamesOf } from '../db/events.ts';
import type { Db } from '../db/store.ts';
import type { ActivitiesTable } from '../db/schema.ts';
import { toIso } from '../db/ids.ts';
import type { Output, ParsedInput } from '../preload/contract.ts';
import { AppError } from './errors.ts';
import { eventType } from './events/registry.ts';
import type { EventTable, NameLookup, RefTable } from './events/types.ts';

type Item = Output<'activity.list'>['items'][number];

export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString();
  const m = /^(\d{1,16}):([0-9a-f-]{36})$/.exec(text);
  if (!m) throw new AppError('invalid_input', 'The cursor is not valid; start again from the first page.', [{ path: ['cursor'], message: 'invalid cursor' }]);
  return { createdAt: Number(m[1]), id: m[2] };
}

/**
 * One page of the feed with each item's subject and names, in a fixed number of statements whatever the page
 * size: the activities with their event rows (db/feed.ts: on a hub one statement, on SQLite one more per event
 * type present), then every name the page shows in one statement. On a hub: two round trips a page.
 */
export async function listFeed(db: Db, accountId: string, input: ParsedInput<'activity.list'>): Promise<Output<'activity.list'>> {
  const fromMs = input.from ? Date.parse(input.from) : undefined;
  const toMs = input.to ? Date.parse(input.to) : undefined;
  const rows = await listActivitiesWithSubjects(db, {
    accountId,
    boardId: input.boardId,
    projectId: input.projectId,
    creatorId: input.creatorId,
    types: input.types,
    fromMs,
    toMs,
    before: input.cursor ? decodeCursor(input.cursor) : undefined,
    limit: input.limit + 1,
  });
  const hasMore = rows.length > input.limit;
  const pageRows = hasMore ? rows.slice(0, input.limit) : rows;
  const subjects = new Map<string, Record<string, unknown>>();
  for (const r of pageRows) if (r.subject) subjects.set(r.activity.subject_id, r.subject);
  const items = await itemsOf(db, pageRows.map((r) => r.activity), subjects);
  const last = pageRows[pageRows.length - 1]?.activity;
  return hasMore && last ? { items, nextCursor: encodeCursor(last.created_at, last.id) } : { items };
}

/** Items of activities whose event rows are not loaded yet: one read per event type, then the names. */
export async function buildItems(db: Db, rows: ActivitiesTable[]): Promise<Item[]> {
  const idsByType = new Map<EventTable, string[]>();
  for (const r of rows) {
    const list = idsByType.get(r.subject_type as EventTable) ?? [];
    list.push(r.subject_id);
    idsByType.set(r.subject_type as EventTable, list);
  }
  const subjects = new Map<string, Record<string, unknown>>();
  for (const [table, ids] of idsByType) {
    for (const row of await loadEventRows(db, table, ids)) subjects.set(row.id, row as unknown as Record<string, unknown>);
  }
  return itemsOf(db, rows, subjects);
}

/** Items of activities with their event rows (by subject id): the names of everything referenced, in one statement. */
async function itemsOf(db: Db, rows: ActivitiesTable[], subjects: Map<string, Record<string, unknown>>): Promise<Item[]> {
  const wanted: Record<RefTable | 'boards', Set<string>> = {
    users: new Set(), cards: new Set(), columns: new Set(), projects: new Set(), comments: new Set(), boards: new Set(),
  };
  for (const r of rows) {
    wanted.users.add(r.creator_id);
    if (r.board_id) wanted.boards.add(r.board_id);
    if (r.project_id) wanted.projects.add(r.project_id);
    const subject = subjects.get(r.subject_id);
    const type = eventType(r.subject_type);
    if (!subject || !type) continue;
    for (const [col, table] of Object.entries(type.refs) as [string, RefTable][]) {
      const v = subject[col];
      if (typeof v === 'string') wanted[table].add(v);
    }
  }
  const loadedNames = await loadNamesOf(db, {
    users: [...wanted.users],
    cards: [...wanted.cards],
    columns: [...wanted.columns],
    projects: [...wanted.projects],
    boards: [...wanted.boards],
    comments: [...wanted.comments],
  });
  const none = new Map<string, string>();
  const names = {
    users: loadedNames.users ?? none,
    cards: loadedNames.cards ?? none,
    columns: loadedNames.columns ?? none,
    projects: loadedNames.projects ?? none,
    boards: loadedNames.boards ?? none,
    comments: loadedNames.comments ?? none,
  };
  const excerptOf = (subject: Record<string, unknown>): string | undefined => {
    const body = typeof subject.comment_id === 'string' ? names.comments.get(subject.comment_id) : undefined;
    if (body === undefined) return undefined;
    const line = body.replace(/\s+/g, ' ').trim();
    return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS - 1).trimEnd()}…` : line;
  };
  const lookup: NameLookup = {
    user: (id) => (id && names.users.get(id)) || 'Someone',
    card: (id) => (id && names.cards.get(id)) || 'a deleted card',
    column: (id) => (id && names.columns.get(id)) || 'a deleted column',
    project: (id) => (id && names.projects.get(id)) || 'a deleted project',
  };
  const items: Item[] = [];
  for (const r of rows) {
    const type = eventType(r.subject_type);
    const subject = subjects.get(r.subject_id);
    if (!type || !subject) continue; // an activity whose event is gone is skipped, not invented
    items.push({
      id: r.id,
      subjectType: r.subject_type as EventTable,
      subjectId: r.subject_id,
      description: type.describe(subject as never, lookup),
      icon: type.icon,
      creator: { id: r.creator_id, name: lookup.user(r.creator_id) },
      ...(r.subject_type === 'comment_added' ? { excerpt: excerptOf(subject) } : {}),
      board: r.board_id ? { id: r.board_id, name: names.boards.get(r.board_id) ?? 'a deleted board' } : null,
      project: r.project_id ? { id: r.project_id, name: lookup.project(r.project_id) } : null,
      createdAt: toIso(r.created_at),
      subject: type.publicJson(subject as never),
    });
  }
  return items;
}
