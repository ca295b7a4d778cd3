// The webhook section of the reports: deliveries per day with success rate, and p50/p95 attempt latency per
// endpoint, checked against figures computed by hand from rows written into the webhook tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { newId } from '../../db/ids.ts';
import { caller, openTestApp } from '../support/workspace.ts';

let app: App;
let c: ReturnType<typeof caller>;
const DAY = 86_400_000;
const dayStart = Math.floor(Date.now() / DAY) * DAY;

function endpoint(accountId: string, userId: string, description: string) {
  const id = newId();
  app.sqlite
    .prepare(
      `INSERT INTO webhook_endpoints (id, account_id, url, description, event_types, secret_enc, creator_id, created_at, updated_at)
       VALUES (?, ?, 'https://hooks.example.test/x', ?, '["*"]', 'enc', ?, ?, ?)`,
    )
    .run(id, accountId, description, userId, dayStart - 10 * DAY, dayStart - 10 * DAY);
  return id;
}

function delivery(accountId: string, endpointId: string, at: number, status: string, durations: number[]) {
  const id = newId(at);
  app.sqlite
    .prepare(`INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_type, payload, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'card.moved', '{}', ?, ?, ?, ?)`)
    .run(id, accountId, endpointId, status, durations.length, at, at);
  durations.forEach((ms, i) =>
    app.sqlite
      .prepare(
        `INSERT INTO webhook_attempts (id, account_id, delivery_id, endpoint_id, url, request_headers, body_size, response_status, duration_ms, trigger, created_at)
         VALUES (?, ?, ?, ?, 'https://hooks.example.test/x', '{}', 2, 200, ?, 'scheduled', ?)`,
      )
      .run(newId(at + i), accountId, id, endpointId, ms, at + i),
  );
}

beforeAll(async () => {
  app = await openTestApp({ events: 100 });
  c = caller(app);
});
afterAll(async () => {
  await app.close();
});

describe('reports.webhooks', () => {
  it('counts deliveries per day, success rate over settled ones, and nearest-rank p50/p95 per endpoint', async () => {
    const s = await c.call('session.get', {});
    const a = endpoint(s.account.id, s.user.id, 'CRM sync');
    const b = endpoint(s.account.id, s.user.id, '');
    // Endpoint A: yesterday 3 delivered + 1 failed (+1 still retrying); today 2 delivered. 20 attempts, 10..200 ms.
    const durations = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    const y = dayStart - DAY + 3_600_000;
    delivery(s.account.id, a, y, 'delivered', durations.slice(0, 4));
    delivery(s.account.id, a, y + 1, 'delivered', durations.slice(4, 8));
    delivery(s.account.id, a, y + 2, 'delivered', durations.slice(8, 10));
    delivery(s.account.id, a, y + 3, 'failed', durations.slice(10, 16));
    delivery(s.account.id, a, y + 4, 'retrying', durations.slice(16, 18));
    delivery(s.account.id, a, dayStart + 60_000, 'delivered', durations.slice(18, 19));
    delivery(s.account.id, a, dayStart + 120_000, 'delivered', durations.slice(19, 20));
    // Endpoint B: one failed delivery with one slow attempt; one outside the range (ignored).
    delivery(s.account.id, b, dayStart + 1000, 'failed', [5000]);
    delivery(s.account.id, b, dayStart - 30 * DAY, 'delivered', [1]);

    const from = new Date(dayStart - 6 * DAY).toISOString().slice(0, 10);
    const to = new Date(dayStart).toISOString().slice(0, 10);
    const r = await c.call('reports.webhooks', { from, to });
    expect(r.available).toBe(true);
    expect(r.daily).toHaveLength(7);
    const yesterday = r.daily[5];
    expect(yesterday).toMatchObject({ deliveries: 5, succeeded: 3, failed: 1, successRate: 0.75 });
    expect(r.daily[6]).toMatchObject({ deliveries: 3, succeeded: 2, failed: 1 });
    expect(r.daily[6].successRate).toBeCloseTo(2 / 3, 4);
    expect(r.daily[0]).toMatchObject({ deliveries: 0, successRate: null });

    const ea = r.endpoints.find((e) => e.endpointId === a)!;
    expect(ea).toMatchObject({ name: 'CRM sync', deliveries: 7, succeeded: 5, failed: 1, attempts: 20, p50Ms: 100, p95Ms: 190 });
    expect(ea.successRate).toBeCloseTo(5 / 6, 4);
    const eb = r.endpoints.find((e) => e.endpointId === b)!;
    expect(eb).toMatchObject({ name: 'https://hooks.example.test/x', deliveries: 1, succeeded: 0, failed: 1, successRate: 0, attempts: 1, p50Ms: 5000, p95Ms: 5000 });

    const csv = await c.call('reports.export', { from, to, table: 'webhookEndpoints' });
    expect(csv.rows).toBe(2);
    expect(csv.csv.split('\r\n')[0]).toBe('endpoint_id,endpoint,deliveries,succeeded,failed,success_rate,attempts,p50_ms,p95_ms');
    expect(csv.csv).toContain(`${a},CRM sync,7,5,1,0.8333,20,100,190`);

    // Another account sees none of it.
    const other = caller(app, { session: { accountId: s.accounts[1].id, userId: s.user.id } });
    const theirs = await other.call('reports.webhooks', { from, to });
    expect(theirs.endpoints).toEqual([]);
    expect(theirs.daily.every((d) => d.deliveries === 0)).toBe(true);
  });
});
