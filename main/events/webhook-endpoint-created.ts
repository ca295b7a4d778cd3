import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

// Endpoint events name the endpoint by its origin only (see db/migrations/common/people.ts).
export const webhookEndpointCreated: EventType<'webhook_endpoint_created'> = {
  table: 'webhook_endpoint_created',
  webhookType: 'webhook_endpoint.created',
  icon: 'webhook',
  label: 'Endpoint created',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} created a webhook endpoint for ${row.origin}`,
  publicJson: (row) => ({ id: row.id, endpoint_id: row.endpoint_id, origin: row.origin, creator_id: row.creator_id, created_at: toIso(row.created_at) }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000171',
    endpoint_id: '019a0000-0000-7000-8000-000000000099',
    origin: 'https://hooks.example.com',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:30:00.000Z',
  },
};
