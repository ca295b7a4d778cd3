// Card history from the trail: versions (card_created + card_updated + card_moved), the card as it was at any
// moment, comparison of any two versions, revert, and the account-wide audit list. Every page costs a fixed
// number of statements (versions, then names in bulk), never one per row.
import {
  auditListPage, cardChangesAfter, cardCreation, cardVersionsPage, countVersionsUpTo, findVersion, findVersionsByIds, versionNumbers, loadAccountNames, loadCards,
  type VersionKey, type VersionRow,
} from '../../db/audit.ts';
import { toIso } from '../../db/ids.ts';
import type { CardsTable } from '../../db/schema.ts';
import type { Db } from '../../db/store.ts';
import * as ws from '../../db/workspace.ts';
import { applyCardChanges } from '../domain/cards.ts';
import type { DomainContext } from '../domain/context.ts';
import { conflict, notFound } from '../errors.ts';
import { ignoredCardAttributes, parseChanges, revertOf } from '../events/card-updated.ts';
import { decodeCursor, encodeCursor } from '../feed.ts';

/** The attributes a past state is rebuilt for (position is noise: other cards' moves shift it unrecorded). */
export const stateAttributes = ['title', 'description', 'column_id', 'assignee_id', 'due_date'] as const;
export type StateAttribute = (typeof stateAttributes)[number];
export type CardState = Record<StateAttribute, string | null>;
export type Changes = Record<string, [unknown, unknown]>;
export type VersionKind = VersionRow['kind'];

export interface Names {
  users: Record<string, string>;
  columns: Record<string, string>;
}

/** The per-attribute changes a version made. */
export function versionChanges(v: VersionRow): Changes {
  if (v.kind === 'card_created') return { title: [null, v.title], column_id: [null, v.column_id] };
  if (v.kind === 'card_moved') return { column_id: [v.from_column_id, v.to_column_id], position: [v.from_position, v.to_position] };
  const changes = parseChanges(v.changes ?? '{}') as Changes;
  for (const a of ignoredCardAttributes) delete changes[a];
  return changes;
}

/** The versions the reverts among `rows` went back to, with their numbers: two statements for a whole page. */
async function revertTargets(db: Db, accountId: string, rows: VersionRow[]): Promise<Map<string, { id: string; number: number } | null>> {
  const ids = [...new Set(rows.flatMap((r) => (r.kind === 'card_updated' ? [revertOf(r.changes)].filter((x): x is string => x !== null) : [])))];
  const out = new Map<string, { id: string; number: number } | null>(ids.map((id) => [id, null]));
  if (ids.length === 0) return out;
  const targets = await findVersionsByIds(db, accountId, ids);
  const numbers = await versionNumbers(db, accountId, targets);
  for (const t of targets) out.set(t.id, { id: t.id, number: numbers.get(t.id)! });
  return out;
}

/** A created version's changes: every field the card started with (empty ones left out). */
function initialChanges(s: CardState): Changes {
  const out: Changes = {};
  for (const attr of stateAttributes) if (s[attr] !== null && s[attr] !== '') out[attr] = [null, s[attr]];
  return out;
}

function stateOf(card: CardsTable): CardState {
  return { title: card.title, description: card.description, column_id: card.column_id, assignee_id: card.assignee_id, due_date: card.due_date };
}

async function requireAccountCard(db: Db, accountId: string, cardId: string): Promise<CardsTable> {
  const card = await ws.findCard(db, accountId, cardId);
  if (!card) throw notFound('The card');
  return card;
}

/**
 * The card's state just after `key` (all versions up to and including it), rebuilt from its current row by
 * undoing, newest first, every recorded change after `key` (each change stores its old value). Null when the
 * card did not exist yet.
 */
export async function stateAt(db: Db, accountId: string, card: CardsTable, key: VersionKey): Promise<CardState | null> {
  const creation = await cardCreation(db, accountId, card.id);
  const createdKey = creation ? { createdAt: creation.created_at, id: creation.id } : { createdAt: card.created_at, id: '' };
  if (key.createdAt < createdKey.createdAt || (key.createdAt === createdKey.createdAt && key.id < createdKey.id)) return null;
  const state = stateOf(card);
  for (const v of await cardChangesAfter(db, accountId, card.id, key)) {
    if (v.kind === 'card_moved') {
      state.column_id = v.from_column_id;
      continue;
    }
    const changes = parseChanges(v.changes ?? '{}') as Changes;
    for (const attr of stateAttributes) if (attr in changes) state[attr] = (changes[attr][0] ?? null) as string | null;
  }
  return state;
}

/** The key of "everything recorded up to and including millisecond t". */
export const keyAtTime = (t: number): VersionKey => ({ createdAt: t, id: 'g' });

async function namesFor(db: Db, userIds: Iterable<unknown>, columnIds: Iterable<unknown>): Promise<Names> {
  const str = (xs: Iterable<unknown>) => [...new Set([...xs].filter((x): x is string => typeof x === 'string'))];
  return {
    users: Object.fromEntries(await loadAccountNames(db, 'users', str(userIds))),
    columns: Object.fromEntries(await loadAccountNames(db, 'columns', str(columnIds))),
  };
}

function idsIn(changes: Changes[], attr: string): unknown[] {
  return changes.flatMap((c) => (c[attr] ? [c[attr][0], c[attr][1]] : []));
}

function stateNames(db: Db, states: (CardState | null)[]): Promise<Names> {
  const s = states.filter(Boolean) as CardState[];
  return namesFor(db, s.map((x) => x.assignee_id), s.map((x) => x.column_id));
}

export async function cardHistory(db: Db, accountId: string, input: { cardId: string; cursor?: string; limit: number }) {
  const card = await requireAccountCard(db, accountId, input.cardId);
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await cardVersionsPage(db, accountId, card.id, before, input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  const changes = page.map(versionChanges);
  // The created version shows every initial field: the creation event holds the title and column; the rest is
  // the card as it was just after it (rebuilt by undoing every later recorded change, each of which keeps its
  // old value).
  const created = page.findIndex((r) => r.kind === 'card_created');
  if (created >= 0) {
    const r = page[created];
    const initial = await stateAt(db, accountId, card, { createdAt: r.created_at, id: r.id });
    if (initial) changes[created] = initialChanges(initial);
  }
  // Versions are numbered from the oldest (1); a revert names the number of the version it went back to.
  const first = page[0];
  const firstNumber = first ? await countVersionsUpTo(db, accountId, card.id, { createdAt: first.created_at, id: first.id }) : 0;
  const reverts = await revertTargets(db, accountId, page);
  const names = await namesFor(db, [...page.map((r) => r.creator_id), ...idsIn(changes, 'assignee_id')], idsIn(changes, 'column_id'));
  const items = page.map((r, i) => {
    const target = r.kind === 'card_updated' ? revertOf(r.changes) : null;
    return {
      id: r.id,
      kind: r.kind,
      number: firstNumber - i,
      revertOf: target ? reverts.get(target) ?? null : null,
      changes: changes[i],
      updater: { id: r.creator_id, name: names.users[r.creator_id] ?? 'Unknown' },
      createdAt: toIso(r.created_at),
    };
  });
  const last = page[page.length - 1];
  return {
    card: { id: card.id, title: card.title, boardId: card.board_id },
    items,
    names,
    ...(hasMore && last ? { nextCursor: encodeCursor(last.created_at, last.id) } : {}),
  };
}

async function requireVersion(db: Db, accountId: string, cardId: string, versionId: string): Promise<VersionRow> {
  const v = await findVersion(db, accountId, cardId, versionId);
  if (!v) throw notFound('That version of the card');
  return v;
}

/** Compare the card as it was after version `fromId` with the card after version `toId` (any two versions). */
export async function compareVersions(db: Db, accountId: string, input: { cardId: string; fromId: string; toId: string }) {
  const card = await requireAccountCard(db, accountId, input.cardId);
  const a = await requireVersion(db, accountId, card.id, input.fromId);
  const b = await requireVersion(db, accountId, card.id, input.toId);
  const sa = (await stateAt(db, accountId, card, { createdAt: a.created_at, id: a.id }))!;
  const sb = (await stateAt(db, accountId, card, { createdAt: b.created_at, id: b.id }))!;
  const changes: Changes = {};
  for (const attr of stateAttributes) if (sa[attr] !== sb[attr]) changes[attr] = [sa[attr], sb[attr]];
  const names = await stateNames(db, [sa, sb]);
  const users = (await namesFor(db, [a.creator_id, b.creator_id], [])).users;
  const side = (v: VersionRow, state: CardState) => ({
    id: v.id, kind: v.kind, createdAt: toIso(v.created_at), updater: { id: v.creator_id, name: users[v.creator_id] ?? 'Unknown' }, state: stateView(state),
  });
  return { from: side(a, sa), to: side(b, sb), changes, names: { users: { ...names.users, ...users }, columns: names.columns } };
}

function stateView(s: CardState) {
  return { title: s.title ?? '', description: s.description ?? '', columnId: s.column_id ?? '', assigneeId: s.assignee_id, dueDate: s.due_date };
}

/** The card as it was at `at` (everything recorded up to and including that millisecond). */
export async function cardAt(db: Db, accountId: string, input: { cardId: string; at: string }) {
  const card = await requireAccountCard(db, accountId, input.cardId);
  const t = Date.parse(input.at);
  const state = await stateAt(db, accountId, card, keyAtTime(t));
  if (!state) return { cardId: card.id, at: toIso(t), existed: false as const, names: { users: {}, columns: {} } };
  return { cardId: card.id, at: toIso(t), existed: true as const, state: stateView(state), names: await stateNames(db, [state]) };
}

/**
 * Revert a card to how it was after a version: one new card_updated by the current person with the attributes
 * that differ (history is never rewritten).
 */
export async function revertCard(ctx: DomainContext, input: { cardId: string; versionId: string }) {
  const { store, session } = ctx;
  const card = await requireAccountCard(store, session.accountId, input.cardId);
  const v = await requireVersion(store, session.accountId, card.id, input.versionId);
  const target = (await stateAt(store, session.accountId, card, { createdAt: v.created_at, id: v.id }))!;
  const current = stateOf(card);
  const set: Partial<CardState> = {};
  const changes: Changes = {};
  for (const attr of stateAttributes) {
    if (current[attr] !== target[attr]) {
      (set as Record<string, unknown>)[attr] = target[attr];
      changes[attr] = [current[attr], target[attr]];
    }
  }
  if (Object.keys(set).length === 0) throw conflict('The card already matches that version: there is nothing to revert.');
  if (set.title !== undefined && !set.title) throw conflict('That version has no title to go back to.');
  await applyCardChanges(ctx, card.id, set as Parameters<typeof applyCardChanges>[2], { revertOf: v.id });
  return { cardId: card.id, changes };
}

export interface AuditListInput {
  cardId?: string;
  boardId?: string;
  personId?: string;
  attribute?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

/** The account-wide audit list: one statement for the page, then cards, boards and names in bulk. */
export async function auditList(db: Db, accountId: string, input: AuditListInput) {
  const rows = await auditListPage(db, {
    accountId,
    cardId: input.cardId,
    boardId: input.boardId,
    creatorId: input.personId,
    attribute: input.attribute,
    fromMs: input.from ? Date.parse(input.from) : undefined,
    toMs: input.to ? Date.parse(input.to) : undefined,
    before: input.cursor ? decodeCursor(input.cursor) : undefined,
    limit: input.limit + 1,
  });
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  const changes = page.map(versionChanges);
  const cards = await loadCards(db, accountId, [...new Set(page.map((r) => r.card_id))]);
  const boardIds = new Set<string>();
  for (const r of page) {
    const b = r.board_id ?? cards.get(r.card_id)?.board_id;
    if (b) boardIds.add(b);
  }
  const boards = await loadAccountNames(db, 'boards', [...boardIds]);
  const names = await namesFor(db, [...page.map((r) => r.creator_id), ...idsIn(changes, 'assignee_id')], idsIn(changes, 'column_id'));
  const reverts = await revertTargets(db, accountId, page);
  const items = page.map((r, i) => {
    const card = cards.get(r.card_id);
    const target = r.kind === 'card_updated' ? revertOf(r.changes) : null;
    const boardId = r.board_id ?? card?.board_id ?? null;
    return {
      id: r.id,
      kind: r.kind,
      card: { id: r.card_id, title: card?.title ?? 'Unknown card' },
      board: boardId ? { id: boardId, name: boards.get(boardId) ?? 'Unknown board' } : null,
      revertOf: target ? reverts.get(target) ?? null : null,
      changes: changes[i],
      updater: { id: r.creator_id, name: names.users[r.creator_id] ?? 'Unknown' },
      createdAt: toIso(r.created_at),
    };
  });
  const last = page[page.length - 1];
  return { items, names, ...(hasMore && last ? { nextCursor: encodeCursor(last.created_at, last.key_id) } : {}) };
}
