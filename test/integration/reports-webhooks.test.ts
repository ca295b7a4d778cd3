// The webhook section of the reports: deliveries per day with success rate, and p50/p95 attempt latency per
// endpoint, checked against figures computed by hand from rows written into the webhook tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { newId } from '../../db/ids.ts';
import { caller, openTestApp, sqlRows } from '../support/workspace.ts';

let app: App;
let c: Awaited<ReturnType<typeof caller>>;
const DAY = 86_400_000;
const dayStart = Math.floor(Date.now() / DAY) * DAY;

async function endpoint(accountId: string, userId: string, description: string) {
  const id = newId();
  await sqlRows(
    app,
    `INSERT INTO webhook_endpoints (id, account_id, url, description, event_types, secret_enc, creator_id, created_at, updated_at)
     VALUES (?, ?, 'https://hooks.example.test/x', ?, '["*"]', 'enc', ?, ?, ?)`,
    id, accountId, description, userId, dayStart - 10 * DAY, dayStart - 10 * DAY,
  );
  return id;
}

async function delivery(accountId: string, endpointId: string, at: number, status: string, durations: number[]) {
  const id = newId(at);
  await sqlRows(
    app,
    `INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_type, payload, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'card.moved', '{}', ?, ?, ?, ?)`,
    id, accountId, endpointId, status, durations.length, at, at,
  );
  for (const [i, ms] of durations.entries()) {
    await sqlRows(
      app,
      `INSERT INTO webhook_attempts (id, account_id, delivery_id, endpoint_id, url, request_headers, body_size, response_status, duration_ms, trigger, created_at)
       VALUES (?, ?, ?, ?, 'https://hooks.example.test/x', '{}', 2, 200, ?, 'scheduled', ?)`,
      newId(at + i), accountId, id, endpointId, ms, at + i,
    );
  }
}

beforeAll(async () => {
  app = await openTestApp({ events: 100 });
  c = await caller(app);
});
afterAll(async () => {
  await app.close();
});

describe('reports.webhooks', () => {
  it('counts deliveries per day, success rate over settled ones, and nearest-rank p50/p95 per endpoint', async () => {
    const s = await c.call('session.get', {});
    const a = await endpoint(s.account.id, s.user.id, 'CRM sync');
    const b = await endpoint(s.account.id, s.user.id, '');
    const c7 = await endpoint(s.account.id, s.user.id, 'Seven');
    // Endpoint A: yesterday 3 delivered + 1 failed (+1 still retrying); today 2 delivered. 20 attempts, 10..200 ms.
    const durations = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    const y = dayStart - DAY + 3_600_000;
    await delivery(s.account.id, a, y, 'delivered', durations.slice(0, 4));
    await delivery(s.account.id, a, y + 1, 'delivered', durations.slice(4, 8));
    await delivery(s.account.id, a, y + 2, 'delivered', durations.slice(8, 10));
    await delivery(s.account.id, a, y + 3, 'failed', durations.slice(10, 16));
    await delivery(s.account.id, a, y + 4, 'retrying', durations.slice(16, 18));
    await delivery(s.account.id, a, dayStart + 60_000, 'delivered', durations.slice(18, 19));
    await delivery(s.account.id, a, dayStart + 120_000, 'delivered', durations.slice(19, 20));
    // Endpoint B: one failed delivery with one slow attempt; one outside the range (ignored).
    await delivery(s.account.id, b, dayStart + 1000, 'failed', [5000]);
    await delivery(s.account.id, b, dayStart - 30 * DAY, 'delivered', [1]);
    // Endpoint C: 7 attempts out of order, with a tie: nearest rank ceil(3.5) = 4th and ceil(6.65) = 7th.
    await delivery(s.account.id, c7, dayStart + 2000, 'delivered', [70, 10, 40, 40, 60, 20, 30]);

    const from = new Date(dayStart - 6 * DAY).toISOString().slice(0, 10);
    const to = new Date(dayStart).toISOString().slice(0, 10);
    const r = await c.call('reports.webhooks', { from, to });
    expect(r.available).toBe(true);
    expect(r.daily).toHaveLength(7);
    const yesterday = r.daily[5];
    expect(yesterday).toMatchObject({ deliveries: 5, succeeded: 3, failed: 1, successRate: 0.75 });
    expect(r.daily[6]).toMatchObject({ deliveries: 4, succeeded: 3, failed: 1, successRate: 0.75 });
    expect(r.daily[0]).toMatchObject({ deliveries: 0, successRate: null });

    const ea = r.endpoints.find((e) => e.endpointId === a)!;
    expect(ea).toMatchObject({ name: 'CRM sync', deliveries: 7, succeeded: 5, failed: 1, attempts: 20, p50Ms: 100, p95Ms: 190 });
    expect(ea.successRate).toBeCloseTo(5 / 6, 4);
    const eb = r.endpoints.find((e) => e.endpointId === b)!;
    expect(eb).toMatchObject({ name: 'https://hooks.example.test/x', deliveries: 1, succeeded: 0, failed: 1, successRate: 0, attempts: 1, p50Ms: 5000, p95Ms: 5000 });
    const ec = r.endpoints.find((e) => e.endpointId === c7)!;
    expect(ec).toMatchObject({ name: 'Seven', deliveries: 1, succeeded: 1, failed: 0, successRate: 1, attempts: 7, p50Ms: 40, p95Ms: 70 });
    // Busiest first, then by name in byte order (upper case before lower case, on both stores).
    expect(r.endpoints.map((e) => e.endpointId)).toEqual([a, c7, b]);

    const csv = await c.call('reports.export', { from, to, table: 'webhookEndpoints' });
    expect(csv.rows).toBe(3);
    expect(csv.csv.split('\r\n')[0]).toBe('endpoint_id,endpoint,deliveries,succeeded,failed,success_rate,attempts,p50_ms,p95_ms');
    expect(csv.csv).toContain(`${a},CRM sync,7,5,1,0.8333,20,100,190`);

    // Another account sees none of it.
    const other = await caller(app, { session: { accountId: s.accounts[1].id, userId: s.user.id } });
    const theirs = await other.call('reports.webhooks', { from, to });
    expect(theirs.endpoints).toEqual([]);
    expect(theirs.daily.every((d) => d.deliveries === 0)).toBe(true);
  });
});
