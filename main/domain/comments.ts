import { newId } from '../../db/ids.ts';
import * as ws from '../../db/workspace.ts';
import { invalid } from '../errors.ts';
import { announce, inCommand, now, type DomainContext } from './context.ts';
import { requireWritableCard } from './guards.ts';
import { recordEvent } from './record.ts';

export async function addComment(ctx: DomainContext, input: { cardId: string; body: string }) {
  const { session } = ctx;
  const body = input.body.trim();
  if (!body) throw invalid('A comment cannot be empty.', ['body']);
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    const { card, projectId } = await requireWritableCard(tx, session.accountId, input.cardId);
    const comment = { id: newId(at), account_id: session.accountId, card_id: card.id, author_id: session.userId, body, created_at: at };
    const subscription = { id: newId(at), account_id: session.accountId, card_id: card.id, user_id: session.userId, created_at: at };
    const event = await recordEvent(
      tx,
      'comment_added',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, comment_id: comment.id, card_id: card.id },
      { boardId: card.board_id, projectId },
      [ws.commentInsertWrite(comment), ...ws.subscriptionsWrite(subscription)],
    );
    return { comment, event };
  });
  announce(ctx, [result.event]);
  return result.comment;
}
