// Fair slots: a slow endpoint (or four) holding every request it may have in flight does not starve a fast one,
// and fan-out of new events never waits behind deliveries. Real receivers on 127.0.0.1; a runner with 16 slots
// (the budget where, before, one slow endpoint at concurrency 16 delivered the fast one 0 of 86 in a minute).
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { createDelivery, eventBody } from '../../main/webhooks/deliver.ts';
import { caller, openTestApp, sqlCount, testStore } from '../support/workspace.ts';
import { emitEvent, receiver, startRunner, waitFor, type Receiver, type TestRunner } from './webhooks-support.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(slowEndpoints: number, slowConcurrency: number) {
  const app: App = await openTestApp({ events: 10 });
  cleanup.push(() => app.close());
  let slowInFlight = 0;
  // Slow: answers after 4 s (within the attempt timeout), so its requests hold their slots for the whole test.
  const slow: Receiver = await receiver((_q, res) => {
    slowInFlight++;
    setTimeout(() => {
      slowInFlight--;
      res.end('ok');
    }, 4_000);
  });
  const fast: Receiver = await receiver((_q, res) => res.end('ok'));
  cleanup.push(() => slow.close(), () => fast.close());
  const { call } = await caller(app);
  const slowIds: string[] = [];
  for (let i = 0; i < slowEndpoints; i++) {
    slowIds.push((await call('webhooks.endpoints.create', { url: `${slow.url}/${i}`, eventTypes: ['webhook.test'], networkScope: 'loopback', concurrency: slowConcurrency })).id);
  }
  const fastEp = await call('webhooks.endpoints.create', { url: fast.url, eventTypes: ['card.created'], networkScope: 'loopback', concurrency: 4 });
  // A backlog for every slow endpoint, written before the runner starts: it finds them first.
  const { accountId } = (await app.defaultSession())!;
  const now = Date.now();
  await app.store.transaction(async (tx) => {
    for (const endpointId of slowIds) {
      for (let i = 0; i < slowConcurrency * 3; i++) {
        await createDelivery(tx, { accountId, endpointId, eventTable: null, eventId: null, eventType: 'webhook.test', payload: eventBody('webhook.test', new Date(now).toISOString(), { i }), now });
      }
    }
  });
  const r: TestRunner = await startRunner(app, { attemptTimeoutMs: 10_000 }, { concurrency: 16 });
  cleanup.push(() => r.stop());
  // Every slow endpoint holds its whole limit in flight.
  await waitFor(() => slowInFlight >= Math.min(slowEndpoints * slowConcurrency, 12), 'the slow endpoints to fill their limits', 20_000);
  return { app, fast, fastEp, slowInFlight: () => slowInFlight, slowIds };
}

describe(`fair slots on ${testStore}`, { timeout: 120_000 }, () => {
  for (const [count, concurrency] of [[1, 16], [4, 4]] as const) {
    it(`${count} slow endpoint${count > 1 ? 's' : ''} at concurrency ${concurrency} beside a fast one: new events are fanned out and delivered while the slow requests are still in flight`, async () => {
      const { app, fast, fastEp, slowInFlight } = await setup(count, concurrency);
      const fastDelivered = () => sqlCount(app, `SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'delivered'`, fastEp.id);
      const startedWith = await sqlCount(app, `SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id <> ?`, fastEp.id);
      // Events now: each needs its fan-out job (no key) and then a delivery to the fast endpoint (its own key).
      for (let i = 0; i < 10; i++) await emitEvent(app, `fair ${i}`);
      await waitFor(async () => (await fastDelivered()) === 10, 'the fast endpoint’s ten deliveries', 30_000);
      expect(fast.requests).toHaveLength(10);
      // They went through while the slow endpoints still held requests in flight (no slow attempt has finished:
      // the first ones answer after 4 s), so they did not wait behind them.
      expect(slowInFlight()).toBeGreaterThan(0);
      expect(await sqlCount(app, `SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id <> ?`, fastEp.id)).toBe(startedWith);
    });
  }
});
