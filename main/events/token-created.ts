import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

const via = { console: '', shell: ' from the server\'s shell', invitation: ' on joining' } as const;

/** A personal access token was made (never its value or hash: only which token, and for whom). */
export const tokenCreated: EventType<'token_created'> = {
  table: 'token_created',
  webhookType: 'token.created',
  icon: 'key-round',
  label: 'Token created',
  access: true,
  refs: { creator_id: 'users', person_id: 'users' },
  describe: (row, n) =>
    row.creator_id === row.person_id
      ? `${n.user(row.creator_id)} created a personal access token${via[row.source] ?? ''}`
      : `${n.user(row.creator_id)} created a personal access token for ${n.user(row.person_id)}${via[row.source] ?? ''}`,
  publicJson: (row) => ({
    id: row.id,
    token_id: row.token_id,
    person_id: row.person_id,
    source: row.source,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000151',
    token_id: '019a0000-0000-7000-8000-000000000152',
    person_id: '019a0000-0000-7000-8000-000000000043',
    source: 'console',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:20:00.000Z',
  },
};
