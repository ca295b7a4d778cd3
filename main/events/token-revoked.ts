import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const tokenRevoked: EventType<'token_revoked'> = {
  table: 'token_revoked',
  webhookType: 'token.revoked',
  icon: 'key-square',
  label: 'Token revoked',
  access: true,
  refs: { creator_id: 'users', person_id: 'users' },
  describe: (row, n) =>
    row.creator_id === row.person_id
      ? `${n.user(row.creator_id)} revoked one of their personal access tokens`
      : `${n.user(row.creator_id)} revoked a personal access token of ${n.user(row.person_id)}`,
  publicJson: (row) => ({
    id: row.id,
    token_id: row.token_id,
    person_id: row.person_id,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000161',
    token_id: '019a0000-0000-7000-8000-000000000152',
    person_id: '019a0000-0000-7000-8000-000000000043',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:25:00.000Z',
  },
};
