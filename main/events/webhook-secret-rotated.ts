import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const webhookSecretRotated: EventType<'webhook_secret_rotated'> = {
  table: 'webhook_secret_rotated',
  webhookType: 'webhook_endpoint.secret_rotated',
  icon: 'rotate-cw',
  label: 'Secret rotated',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} rotated the signing secret of the webhook endpoint for ${row.origin}`,
  publicJson: (row) => ({
    id: row.id,
    endpoint_id: row.endpoint_id,
    origin: row.origin,
    previous_expires_at: toIso(row.previous_expires_at),
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000221',
    endpoint_id: '019a0000-0000-7000-8000-000000000099',
    origin: 'https://hooks.example.com',
    previous_expires_at: '2026-01-02T10:55:00.000Z',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:55:00.000Z',
  },
};
