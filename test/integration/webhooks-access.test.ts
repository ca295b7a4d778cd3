// Managing webhook endpoints is recorded like every other change (issue 9): created, changed, disabled, deleted,
// secret revealed and rotated are typed event rows with activities and links in the account's chain. The rows
// keep the endpoint's origin only (a hook URL's path is often a secret) and never a secret or header value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';

let app: App;
let c: Awaited<ReturnType<typeof caller>>;

beforeAll(async () => {
  app = await openTestApp({ events: 40 });
  c = await caller(app);
});
afterAll(async () => {
  await app.close();
});

describe('endpoint management as access events', () => {
  it('records each change, keeps the URL path and secrets out of the trail, and delete cancels the waiting deliveries', async () => {
    const accountId = c.slot.session!.accountId;
    const ep = await c.call('webhooks.endpoints.create', { url: 'https://hooks.example.com/T0/B0/s3cr3t-path', eventTypes: ['*'], headers: { 'X-Api-Key': 'header-value-1' } });
    await c.call('webhooks.endpoints.update', { endpointId: ep.id, eventTypes: ['card.moved'], headers: { 'X-Api-Key': 'header-value-2' } });
    await c.call('webhooks.endpoints.update', { endpointId: ep.id, description: ep.description }); // no difference: nothing recorded
    const revealed = await c.call('webhooks.endpoints.revealSecret', { endpointId: ep.id });
    const rotated = await c.call('webhooks.endpoints.rotateSecret', { endpointId: ep.id });
    await c.call('webhooks.endpoints.disable', { endpointId: ep.id, reason: 'Maintenance window' });
    await c.call('webhooks.endpoints.enable', { endpointId: ep.id });
    const test = await c.call('webhooks.endpoints.sendTest', { endpointId: ep.id });
    expect(test.status).toBe('pending');
    const deleted = await c.call('webhooks.endpoints.delete', { endpointId: ep.id });
    expect(deleted).toEqual({ endpointId: ep.id, cancelledDeliveries: 1 });

    const tables = ['webhook_endpoint_created', 'webhook_endpoint_changed', 'webhook_secret_revealed', 'webhook_secret_rotated', 'webhook_endpoint_disabled', 'webhook_endpoint_deleted'];
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = await sqlCount(app, `SELECT count(*) AS n FROM ${t} WHERE endpoint_id = ?`, ep.id);
    expect(counts).toEqual({ webhook_endpoint_created: 1, webhook_endpoint_changed: 2, webhook_secret_revealed: 1, webhook_secret_rotated: 1, webhook_endpoint_disabled: 1, webhook_endpoint_deleted: 1 });
    const changes = (await sqlRows<{ changes: string }>(app, 'SELECT changes FROM webhook_endpoint_changed WHERE endpoint_id = ? ORDER BY id', ep.id)).map((r) => JSON.parse(r.changes));
    expect(changes).toEqual([{ event_types: [['*'], ['card.moved']], headers: [['X-Api-Key'], ['X-Api-Key']] }, { status: ['disabled', 'active'] }]);
    expect(await sqlRow(app, 'SELECT origin, reason FROM webhook_endpoint_disabled WHERE endpoint_id = ?', ep.id)).toEqual({ origin: 'https://hooks.example.com', reason: 'Maintenance window' });

    // Every row and activity is in the chain; the trail verifies; nothing secret is in any of it.
    const rows: string[] = [];
    for (const t of tables) rows.push(JSON.stringify(await sqlRows(app, `SELECT * FROM ${t} WHERE endpoint_id = ?`, ep.id)));
    const text = rows.join('\n');
    for (const secret of ['s3cr3t-path', 'header-value-1', 'header-value-2', revealed.secret, rotated.secret]) expect(text).not.toContain(secret);
    const ids = (await sqlRows<{ id: string }>(app, `SELECT id FROM webhook_endpoint_changed WHERE endpoint_id = ?`, ep.id)).map((r) => r.id);
    for (const id of ids) expect(await sqlCount(app, 'SELECT count(*) AS n FROM audit_chain WHERE event_table = ? AND event_id = ? AND account_id = ?', 'webhook_endpoint_changed', id, accountId)).toBe(1);
    expect((await c.call('audit.verify', {})).ok).toBe(true);
    const feed = await c.call('activity.list', { types: ['webhook_endpoint_deleted', 'webhook_secret_revealed'], limit: 5 });
    expect(feed.items.map((i) => i.description)).toEqual([
      'Ana Lima deleted the webhook endpoint for https://hooks.example.com (1 waiting delivery cancelled)',
      'Ana Lima revealed the signing secret of the webhook endpoint for https://hooks.example.com',
    ]);

    // Access events stay in the trail: no fan-out job for any of them, not in the catalogue, not subscribable.
    const fanouts = (await sqlRows<{ args: string }>(app, "SELECT args FROM jobs WHERE kind = 'webhooks.fanout'")).map((j) => JSON.parse(j.args) as { table: string });
    expect(fanouts.filter((a) => tables.includes(a.table))).toEqual([]);
    expect((await c.call('webhooks.eventTypes', {})).items.map((t) => t.type)).not.toContain('webhook_endpoint.created');
    expect(await c.raw('webhooks.endpoints.create', { url: 'https://hooks.example.com/y', eventTypes: ['token.created'] })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // Deleted: gone from the list and from every write; its delivery stays readable, cancelled.
    expect((await c.call('webhooks.endpoints.list', {})).items.some((e) => e.id === ep.id)).toBe(false);
    expect(await c.raw('webhooks.endpoints.get', { endpointId: ep.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await c.raw('webhooks.endpoints.delete', { endpointId: ep.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await c.call('webhooks.deliveries.get', { deliveryId: test.id })).status).toBe('cancelled');
    expect(await sqlRow(app, 'SELECT status FROM jobs WHERE id = (SELECT job_id FROM webhook_deliveries WHERE id = ?)', test.id)).toEqual({ status: 'cancelled' });
  });
});
