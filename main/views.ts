// Row → contract shape. Times become ISO-8601, snake_case becomes camelCase.
import { toIso } from '../db/ids.ts';
import type { CardsTable } from '../db/schema.ts';
import type { Output } from '../preload/contract.ts';

type CardView = Output<'cards.create'>;

export function cardView(
  card: CardsTable & { assignee_name?: string | null; creator_name?: string; comment_count?: number | null },
  names?: { user(id: string): string | undefined },
): CardView {
  const assigneeName = card.assignee_name ?? (card.assignee_id ? names?.user(card.assignee_id) : undefined);
  return {
    id: card.id,
    boardId: card.board_id,
    columnId: card.column_id,
    position: card.position,
    title: card.title,
    description: card.description,
    assignee: card.assignee_id ? { id: card.assignee_id, name: assigneeName ?? 'Unknown' } : null,
    dueDate: card.due_date,
    creator: { id: card.creator_id, name: card.creator_name ?? names?.user(card.creator_id) ?? 'Unknown' },
    commentCount: card.comment_count ?? 0,
    createdAt: toIso(card.created_at),
    updatedAt: toIso(card.updated_at),
  };
}
