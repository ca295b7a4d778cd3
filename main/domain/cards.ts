import { newId } from '../../db/ids.ts';
import { publishOnCommit } from '../../db/signals.ts';
import type { CardsTable } from '../../db/schema.ts';
import { runWrite } from '../../db/sql.ts';
import * as ws from '../../db/workspace.ts';
import { conflict, invalid } from '../errors.ts';
import { auditedCardAttributes, noiseCardAttributes, REVERT_KEY, type AuditedCardAttribute, type CardChanges } from '../events/card-updated.ts';
import { announce, inCommand, now, type DomainContext } from './context.ts';
import { requireColumn, requireColumnWithCount, requireMember, requireMove, requireWritableBoard, requireWritableCard } from './guards.ts';
import { recordEvent } from './record.ts';

// Each command reads what it checks in as few statements as it can (a guard is one join, a move one UPDATE):
// on a hub every statement is a round trip inside the command's transaction, which holds the account's lock.

export interface CreateCardInput {
  boardId: string;
  columnId: string;
  title: string;
  description?: string;
  assigneeId?: string | null;
  dueDate?: string | null;
}

export async function createCard(ctx: DomainContext, input: CreateCardInput): Promise<CardsTable> {
  const { session } = ctx;
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    const { board, project } = await requireWritableBoard(tx, session.accountId, input.boardId);
    const { column, cardCount } = await requireColumnWithCount(tx, session.accountId, input.columnId);
    if (column.board_id !== board.id) throw invalid('The column is not on this board.', ['columnId']);
    if (input.assigneeId) await requireMember(tx, session.accountId, input.assigneeId);
    const card: CardsTable = {
      id: newId(at),
      account_id: session.accountId,
      board_id: board.id,
      column_id: column.id,
      position: cardCount,
      title: input.title,
      description: input.description ?? '',
      assignee_id: input.assigneeId ?? null,
      due_date: input.dueDate ?? null,
      creator_id: session.userId,
      created_at: at,
      updated_at: at,
    };
    const subscribers = [...new Set([card.creator_id, card.assignee_id].filter(Boolean) as string[])];
    const subscriptions = subscribers.map((userId) => ({ id: newId(at), account_id: session.accountId, card_id: card.id, user_id: userId, created_at: at }));
    const event = await recordEvent(
      tx,
      'card_created',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, card_id: card.id, board_id: board.id, column_id: column.id, title: card.title },
      { boardId: board.id, projectId: project.id },
      [ws.cardInsertWrite(card), ...ws.subscriptionsWrite(subscriptions)],
    );
    return { card, event };
  });
  announce(ctx, [result.event]);
  return result.card;
}

export interface MoveCardInput {
  cardId: string;
  toColumnId: string;
  position?: number;
}

/** Move a card to another column of its board (at `position`, else at the end), or to `position` within its column. */
export async function moveCard(ctx: DomainContext, input: MoveCardInput): Promise<CardsTable> {
  const { session } = ctx;
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    const { card, projectId, to, toCount: count } = await requireMove(tx, session.accountId, input.cardId, input.toColumnId);
    if (to.board_id !== card.board_id) throw invalid('The target column is on another board.', ['toColumnId']);
    if (to.id === card.column_id) {
      // A reorder within the column: positions only, which the trail treats as noise (no event, like a
      // position-only update); a move to where the card already is changes nothing.
      const last = count - 1;
      const position = Math.min(input.position ?? last, last);
      if (input.position === undefined || position === card.position) throw conflict('The card is already there.');
      await ws.closeGap(tx, card.column_id, card.position);
      await ws.openGap(tx, to.id, position);
      await ws.updateCardRow(tx, session.accountId, card.id, { position, updated_at: at });
      // No event, but other windows (of this process and of others sharing the store) must see the new order:
      // the message travels inside this transaction to other processes, like an event's.
      await publishOnCommit(tx, [boardChanged(session.accountId, card.board_id)]);
      return { card: { ...card, position, updated_at: at }, event: null, reordered: true };
    }
    const position = Math.min(input.position ?? count, count);
    const move = ws.moveCardWrite(session.accountId, {
      cardId: card.id, fromColumnId: card.column_id, fromPosition: card.position, toColumnId: to.id, toPosition: position, at,
    });
    const event = await recordEvent(
      tx,
      'card_moved',
      {
        id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, card_id: card.id,
        from_column_id: card.column_id, to_column_id: to.id, from_position: card.position, to_position: position,
      },
      { boardId: card.board_id, projectId },
      [move],
    );
    return { card: { ...card, column_id: to.id, position, updated_at: at }, event, reordered: false };
  });
  if (result.event) announce(ctx, [result.event]);
  if (result.reordered) {
    const m = boardChanged(session.accountId, result.card.board_id);
    ctx.push.publish(m.accountId, m.topic, m.payload, 'committed');
  }
  return result.card;
}

const boardChanged = (accountId: string, boardId: string) => ({ accountId, topic: 'board.changed' as const, payload: { boardId } });

export interface UpdateCardInput {
  cardId: string;
  title?: string;
  description?: string;
  assigneeId?: string | null;
  dueDate?: string | null;
}

const inputToAttribute = { title: 'title', description: 'description', assigneeId: 'assignee_id', dueDate: 'due_date' } as const;

/** Change a card's details. Records `{attribute: [old, new]}` for what really changed; no change, no event. */
export function updateCard(ctx: DomainContext, input: UpdateCardInput): Promise<CardsTable> {
  const set: Partial<Pick<CardsTable, AuditedCardAttribute>> = {};
  for (const [key, attr] of Object.entries(inputToAttribute) as [keyof typeof inputToAttribute, AuditedCardAttribute][]) {
    if (input[key] !== undefined) (set as Record<string, unknown>)[attr] = input[key];
  }
  return applyCardChanges(ctx, input.cardId, set);
}

/**
 * Apply new attribute values to a card as one `card_updated` event (used by updates and by audit reverts).
 * Column and position changes are applied with the column's positions kept contiguous.
 */
export async function applyCardChanges(
  ctx: DomainContext,
  cardId: string,
  set: Partial<Pick<CardsTable, AuditedCardAttribute>>,
  opts: { revertOf?: string } = {},
): Promise<CardsTable> {
  const { session } = ctx;
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    const { card, projectId } = await requireWritableCard(tx, session.accountId, cardId);
    if (set.assignee_id) await requireMember(tx, session.accountId, set.assignee_id);
    const changes: CardChanges = {};
    for (const attr of auditedCardAttributes) {
      if (!(attr in set)) continue;
      const next = (set as Record<string, unknown>)[attr] ?? null;
      const prev = (card as unknown as Record<string, unknown>)[attr] ?? null;
      if (next !== prev) changes[attr] = [prev, next];
    }
    const changed = Object.keys(changes) as AuditedCardAttribute[];
    if (changed.length === 0) return { card: card as CardsTable, event: null };
    if (changes.column_id || changes.position) {
      const columnId = (changes.column_id?.[1] as string | undefined) ?? card.column_id;
      const column = await requireColumn(tx, session.accountId, columnId);
      if (column.board_id !== card.board_id) throw invalid('The column is not on this card’s board.', ['column_id']);
      await ws.closeGap(tx, card.column_id, card.position);
      const count = (await ws.countCardsInColumn(tx, columnId)) - (columnId === card.column_id ? 1 : 0);
      const position = Math.min(Number(changes.position?.[1] ?? count), count);
      await ws.openGap(tx, columnId, position);
      if (changes.position) changes.position[1] = position;
      (set as Record<string, unknown>).position = position;
    }
    const next = { ...card, ...set, updated_at: at } as CardsTable;
    const writes = [
      ws.cardUpdateWrite(session.accountId, card.id, { ...set, updated_at: at }),
      ...(set.assignee_id ? ws.subscriptionsWrite({ id: newId(at), account_id: session.accountId, card_id: card.id, user_id: set.assignee_id, created_at: at }) : []),
    ];
    // A change of position alone is noise: the card is updated but no event is recorded.
    if (changed.every((a) => noiseCardAttributes.includes(a))) {
      for (const w of writes) await runWrite(tx, w);
      return { card: next, event: null };
    }
    const event = await recordEvent(
      tx,
      'card_updated',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, card_id: card.id, changes: JSON.stringify(opts.revertOf ? { ...changes, [REVERT_KEY]: opts.revertOf } : changes) },
      { boardId: card.board_id, projectId },
      writes,
    );
    return { card: next, event };
  });
  if (result.event) announce(ctx, [result.event]);
  return result.card;
}
