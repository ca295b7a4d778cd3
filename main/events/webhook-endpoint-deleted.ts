import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** Deleted: gone from lists and fan-out; its deliveries and attempts are kept, the waiting ones cancelled. */
export const webhookEndpointDeleted: EventType<'webhook_endpoint_deleted'> = {
  table: 'webhook_endpoint_deleted',
  webhookType: 'webhook_endpoint.deleted',
  icon: 'trash-2',
  label: 'Endpoint deleted',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) =>
    `${n.user(row.creator_id)} deleted the webhook endpoint for ${row.origin}` +
    (row.cancelled_deliveries ? ` (${row.cancelled_deliveries} waiting ${row.cancelled_deliveries === 1 ? 'delivery' : 'deliveries'} cancelled)` : ''),
  publicJson: (row) => ({
    id: row.id,
    endpoint_id: row.endpoint_id,
    origin: row.origin,
    cancelled_deliveries: row.cancelled_deliveries,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000201',
    endpoint_id: '019a0000-0000-7000-8000-000000000099',
    origin: 'https://hooks.example.com',
    cancelled_deliveries: 2,
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:45:00.000Z',
  },
};
