import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

/** `changes` as stored: { attribute: [old, new] } (URLs as origin + "/…", custom headers by name only). */
export function parseEndpointChanges(json: string): Record<string, [unknown, unknown]> {
  return JSON.parse(json) as Record<string, [unknown, unknown]>;
}

const labels: Record<string, string> = {
  url: 'URL', description: 'description', event_types: 'event types', network_scope: 'network scope', retry_schedule: 'retry schedule',
  rate_limit: 'rate limit', concurrency: 'concurrency', headers: 'custom headers', status: 'status',
};

export const webhookEndpointChanged: EventType<'webhook_endpoint_changed'> = {
  table: 'webhook_endpoint_changed',
  webhookType: 'webhook_endpoint.changed',
  icon: 'settings-2',
  label: 'Endpoint changed',
  access: true,
  refs: { creator_id: 'users' },
  describe: (row, n) => {
    const changes = parseEndpointChanges(row.changes);
    if (changes.status?.[1] === 'active') return `${n.user(row.creator_id)} enabled the webhook endpoint for ${row.origin}`;
    const what = Object.keys(changes).map((k) => labels[k] ?? k).join(', ');
    return `${n.user(row.creator_id)} changed the ${what || 'settings'} of the webhook endpoint for ${row.origin}`;
  },
  publicJson: (row) => ({
    id: row.id,
    endpoint_id: row.endpoint_id,
    origin: row.origin,
    changes: parseEndpointChanges(row.changes),
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000181',
    endpoint_id: '019a0000-0000-7000-8000-000000000099',
    origin: 'https://hooks.example.com',
    changes: { event_types: [['*'], ['card.moved']] },
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T10:35:00.000Z',
  },
};
