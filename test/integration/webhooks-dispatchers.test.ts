// Two dispatchers on one store (a SQLite file, or a PostgreSQL hub where they claim side by side): each delivery
// is sent once (no crash, so exactly once); the endpoint's concurrency and its rate limit hold across both
// together, not per dispatcher.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { newId } from '../../db/ids.ts';
import { endpointForUpdate, insertAttempt, updateEndpoint } from '../../db/webhooks.ts';
import { createDelivery, eventBody } from '../../main/webhooks/deliver.ts';
import { caller, onPostgres, openTestApp, sqlCount, sqlRow } from '../support/workspace.ts';
import { deliveriesOf, emitEvent, receiver, startRunner, waitFor, type Receiver, type TestRunner } from './webhooks-support.ts';

let app: App;
const rxs: Receiver[] = [];
const runners: TestRunner[] = [];
// Each dispatcher runs at most 2 jobs at once: their sum (4) is above the endpoint's limit (3), so staying within
// it depends on the limit holding across dispatchers, and reaching it needs both of them.
const PER_RUNNER = 2;

beforeAll(async () => {
  app = await openTestApp({ events: 20 });
  runners.push(await startRunner(app, {}, { workerId: 'one', concurrency: PER_RUNNER }), await startRunner(app, {}, { workerId: 'two', concurrency: PER_RUNNER }));
});
afterAll(async () => {
  for (const r of runners) await r.stop();
  for (const rx of rxs) await rx.close();
  await app?.close();
});

it('two dispatchers never send the same delivery twice, and together respect the endpoint’s concurrency', async () => {
  let inFlight = 0;
  let peak = 0;
  const rx = await receiver((_q, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => { inFlight--; res.end('ok'); }, 150);
  });
  rxs.push(rx);
  const ep = await (await caller(app)).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', concurrency: 3 });
  const delivered = async () => (await deliveriesOf(app, ep.id)).filter((d) => d.status === 'delivered').length;
  // Real events, fanned out by either dispatcher as they come.
  const events = 60;
  for (let i = 0; i < events; i++) await emitEvent(app, `two dispatchers ${i}`);
  await waitFor(async () => (await delivered()) === events, 'all delivered', 60_000);
  // Then bursts written at once while both are idle: both find the endpoint's backlog at the same moment with none
  // of it claimed, and each burst is more than one dispatcher's claim reads (and locks, on a hub).
  const accountId = (await app.defaultSession())!.accountId;
  const burstSize = 12;
  for (let burst = 1; burst <= 4; burst++) {
    const now = Date.now();
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < burstSize; i++) {
        await createDelivery(tx, { accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'card.created', payload: eventBody('card.created', new Date(now).toISOString(), { burst, i }), now });
      }
    });
    for (const r of runners) r.runner.wake();
    await waitFor(async () => (await delivered()) === events + burstSize * burst, `burst ${burst} delivered`, 60_000);
  }
  const N = events + 4 * burstSize;
  const ids = rx.requests.map((q) => String(q.headers['webhook-id']));
  expect(ids).toHaveLength(N);
  expect(new Set(ids).size).toBe(N);
  expect(peak).toBeLessThanOrEqual(3);
  expect(peak).toBe(3); // both dispatchers sent at the same time (one alone holds at most 2)
  expect(await sqlCount(app, `SELECT count(DISTINCT claimed_by) AS n FROM jobs WHERE kind = 'webhooks.deliver'`)).toBe(0); // claims are released when recorded
});

it('a rate limit spaces the attempts of an endpoint across both dispatchers', async () => {
  const rx = await receiver();
  rxs.push(rx);
  const rate = 4;
  const N = 12;
  const ep = await (await caller(app)).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['webhook.test'], networkScope: 'loopback', rateLimit: rate, concurrency: 8 });
  await Promise.all(runners.map((r) => r.runner.idle())); // the workspace's own jobs (the demo's fan-out) are done
  const claimedBefore = runners.map((r) => r.runner.stats.claimed);
  // Deliveries written directly (no fan-out job): every claim from here on is one of this endpoint's.
  const accountId = (await app.defaultSession())!.accountId;
  const now = Date.now();
  await app.store.transaction(async (tx) => {
    for (let i = 0; i < N; i++) {
      await createDelivery(tx, { accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'webhook.test', payload: eventBody('webhook.test', new Date(now).toISOString(), { n: i }), now });
    }
  });
  for (const r of runners) r.runner.wake();
  await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((d) => d.status === 'delivered').length === N, 'all delivered', 60_000);
  expect(rx.requests).toHaveLength(N);
  const claimed = runners.map((r, i) => r.runner.stats.claimed - claimedBefore[i]);
  expect(claimed.reduce((a, b) => a + b, 0)).toBe(N);
  expect(claimed.every((n) => n > 0), `claims per dispatcher: ${claimed.join(', ')}`).toBe(true);
  // 4 per second shared by both: the send slots are 250 ms apart whichever dispatcher takes them, so 12 sends
  // span at least 11 × 250 ms (one interval of slack for the first request's connection). Had each dispatcher
  // its own budget, both would send at 4/s and the span would be about half that.
  const times = rx.requests.map((q) => q.at).sort((a, b) => a - b);
  expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(((N - 2) * 1000) / rate);
});

// What two dispatchers on a hub do when they record results of one endpoint at the same moment: each inserts an
// attempt (its foreign key takes FOR KEY SHARE on the endpoint's row), then locks the row to update its health.
// The lock must not conflict with the other's key share, or the two wait on each other (PostgreSQL reported
// "deadlock detected", and the result was lost). SQLite never interleaves two transactions.
it.runIf(onPostgres)('two dispatchers recording results of one endpoint at the same moment neither deadlock nor lose a count', async () => {
  // Only the two transactions below write this endpoint's health: the dispatchers of the tests above stop first.
  for (const r of runners.splice(0)) await r.stop();
  const { call } = await caller(app);
  const ep = await call('webhooks.endpoints.create', { url: 'https://hooks.example.test/in', eventTypes: ['webhook.test'] });
  const accountId = (await app.defaultSession())!.accountId;
  const now = Date.now();
  const deliveries = await app.store.transaction(async (tx) => [
    await createDelivery(tx, { accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'webhook.test', payload: '{}', now }),
    await createDelivery(tx, { accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'webhook.test', payload: '{}', now }),
  ]);
  let inserted = 0;
  const record = (deliveryId: string) =>
    app.store.transaction(async (tx) => {
      await insertAttempt(tx, {
        id: newId(), account_id: accountId, delivery_id: deliveryId, endpoint_id: ep.id, url: ep.url, request_headers: '{}', body_size: 2,
        response_status: 500, response_headers: null, response_body: null, response_truncated: false, error_kind: 'http',
        error_message: 'The endpoint answered 500.', duration_ms: 1, trigger: 'scheduled', triggered_by: null, created_at: Date.now(),
      });
      inserted++;
      await waitFor(() => inserted === 2, 'both attempts inserted'); // both transactions now hold the key share
      const row = (await endpointForUpdate(tx, ep.id))!;
      await updateEndpoint(tx, accountId, ep.id, { consecutive_failures: row.consecutive_failures + 1 });
    });
  await Promise.all(deliveries.map((d) => record(d.id)));
  expect((await sqlRow(app, 'SELECT consecutive_failures FROM webhook_endpoints WHERE id = ?', ep.id)).consecutive_failures).toBe(2);
  expect(await sqlCount(app, 'SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id = ?', ep.id)).toBe(2);
});
