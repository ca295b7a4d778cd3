import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** A person disabled an endpoint (the dispatcher's automatic disabling notifies admins instead: no person acted). */
export const webhookEndpointDisabled: EventType<'webhook_endpoint_disabled'> = {
  table: 'webhook_endpoint_disabled',
  webhookType: 'webhook_endpoint.disabled',
  icon: 'circle-pause',
  label: 'Endpoint disabled',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => `${n.user(row.creator_id)} disabled the webhook endpoint for ${row.origin}: ${row.reason}`,
  publicJson: (row) => ({
    id: row.id,
    endpoint_id: row.endpoint_id,
    origin: row.origin,
    reason: row.reason,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000191',
    endpoint_id: '019a0000-0000-7000-8000-000000000099',
    origin: 'https://hooks.example.com',
    reason: 'The receiver is being migrated.',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:40:00.000Z',
  },
};
