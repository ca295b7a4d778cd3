import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const commentAdded: EventType<'comment_added'> = {
  table: 'comment_added',
  webhookType: 'comment.added',
  icon: 'message-square',
  label: 'Comment added',
  refs: { creator_id: 'users', card_id: 'cards', comment_id: 'comments' },
  describe: (row, n) => `${n.user(row.creator_id)} commented on ${n.card(row.card_id)}`,
  publicJson: (row) => ({
    id: row.id,
    comment_id: row.comment_id,
    card_id: row.card_id,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000031',
    comment_id: '019a0000-0000-7000-8000-000000000032',
    card_id: '019a0000-0000-7000-8000-000000000002',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T09:15:00.000Z',
  },
};
