import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const cardCreated: EventType<'card_created'> = {
  table: 'card_created',
  webhookType: 'card.created',
  icon: 'square-plus',
  label: 'Card created',
  refs: { creator_id: 'users', card_id: 'cards', column_id: 'columns' },
  describe: (row, n) => `${n.user(row.creator_id)} created ${row.title} in ${n.column(row.column_id)}`,
  publicJson: (row) => ({
    id: row.id,
    card_id: row.card_id,
    board_id: row.board_id,
    column_id: row.column_id,
    title: row.title,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000001',
    card_id: '019a0000-0000-7000-8000-000000000002',
    board_id: '019a0000-0000-7000-8000-000000000003',
    column_id: '019a0000-0000-7000-8000-000000000004',
    title: 'Fix login',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T09:00:00.000Z',
  },
};
