import { newId } from '../../db/ids.ts';
import * as ws from '../../db/workspace.ts';
import { invalid } from '../errors.ts';
import { announce, now, type DomainContext } from './context.ts';
import { requireCard, requireWritableBoard } from './guards.ts';
import { recordEvent } from './record.ts';

export function addComment(ctx: DomainContext, input: { cardId: string; body: string }) {
  const { sqlite, session } = ctx;
  const body = input.body.trim();
  if (!body) throw invalid('A comment cannot be empty.', ['body']);
  const at = now(ctx);
  const result = sqlite.transaction(() => {
    const card = requireCard(sqlite, session.accountId, input.cardId);
    const { project } = requireWritableBoard(sqlite, session.accountId, card.board_id);
    const comment = { id: newId(at), account_id: session.accountId, card_id: card.id, author_id: session.userId, body, created_at: at };
    ws.insertComment(sqlite, comment);
    ws.subscribeToCard(sqlite, { id: newId(at), account_id: session.accountId, card_id: card.id, user_id: session.userId, created_at: at });
    const event = recordEvent(
      sqlite,
      'comment_added',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, comment_id: comment.id, card_id: card.id },
      { boardId: card.board_id, projectId: project.id },
    );
    return { comment, event };
  })();
  announce(ctx, [result.event]);
  return result.comment;
}
