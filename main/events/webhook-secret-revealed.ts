import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** Someone looked at an endpoint's signing secret (never the secret itself). */
export const webhookSecretRevealed: EventType<'webhook_secret_revealed'> = {
  table: 'webhook_secret_revealed',
  webhookType: 'webhook_endpoint.secret_revealed',
  icon: 'eye',
  label: 'Secret revealed',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} revealed the signing secret of the webhook endpoint for ${row.origin}`,
  publicJson: (row) => ({ id: row.id, endpoint_id: row.endpoint_id, origin: row.origin, creator_id: row.creator_id, created_at: toIso(row.created_at) }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000211',
    endpoint_id: '019a0000-0000-7000-8000-000000000099',
    origin: 'https://hooks.example.com',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:50:00.000Z',
  },
};
