import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const cardMoved: EventType<'card_moved'> = {
  table: 'card_moved',
  webhookType: 'card.moved',
  icon: 'arrow-right',
  label: 'Card moved',
  refs: { creator_id: 'users', card_id: 'cards', from_column_id: 'columns', to_column_id: 'columns' },
  describe: (row, n) =>
    `${n.user(row.creator_id)} moved ${n.card(row.card_id)} from ${n.column(row.from_column_id)} to ${n.column(row.to_column_id)}`,
  publicJson: (row) => ({
    id: row.id,
    card_id: row.card_id,
    from_column_id: row.from_column_id,
    to_column_id: row.to_column_id,
    to_position: row.to_position,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000011',
    card_id: '019a0000-0000-7000-8000-000000000002',
    from_column_id: '019a0000-0000-7000-8000-000000000004',
    to_column_id: '019a0000-0000-7000-8000-000000000006',
    to_position: 0,
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T09:05:00.000Z',
  },
};
