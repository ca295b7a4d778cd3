// Two dispatchers on one file: each delivery is sent once (no crash, so exactly once); per-endpoint concurrency
// and the rate limit hold across them.
import { afterAll, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { caller, openTestApp } from '../support/workspace.ts';
import { deliveriesOf, emitEvent, receiver, startRunner, waitFor, type Receiver } from './webhooks-support.ts';

let app: App;
const rxs: Receiver[] = [];
const runners: ReturnType<typeof startRunner>[] = [];
afterAll(async () => {
  for (const r of runners) await r.stop();
  for (const rx of rxs) await rx.close();
  await app?.close();
});

it('two dispatchers never send the same delivery at the same time, and respect the endpoint’s concurrency', async () => {
  app = await openTestApp({ events: 20 });
  let inFlight = 0;
  let peak = 0;
  const rx = await receiver((_q, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => { inFlight--; res.end('ok'); }, 20);
  });
  rxs.push(rx);
  const ep = await caller(app).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', concurrency: 3 });
  runners.push(startRunner(app, {}, { workerId: 'one', concurrency: 8 }), startRunner(app, {}, { workerId: 'two', concurrency: 8 }));
  const N = 60;
  for (let i = 0; i < N; i++) await emitEvent(app, `two dispatchers ${i}`);
  await waitFor(() => deliveriesOf(app, ep.id).filter((d) => d.status === 'delivered').length === N, 'all delivered', 30_000);
  const ids = rx.requests.map((q) => String(q.headers['webhook-id']));
  expect(ids).toHaveLength(N);
  expect(new Set(ids).size).toBe(N);
  expect(peak).toBeLessThanOrEqual(3);
  const workers = app.sqlite.prepare(`SELECT count(DISTINCT claimed_by) n FROM jobs WHERE kind = 'webhooks.deliver'`).get() as { n: number };
  expect(workers.n).toBe(0); // claims are released when recorded
});

it('a rate limit spaces the attempts of an endpoint', async () => {
  const rx = await receiver();
  rxs.push(rx);
  const ep = await caller(app).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', rateLimit: 10, concurrency: 8 });
  for (let i = 0; i < 6; i++) await emitEvent(app, `rate ${i}`);
  await waitFor(() => deliveriesOf(app, ep.id).filter((d) => d.status === 'delivered').length === 6, 'all delivered');
  const times = rx.requests.map((q) => q.at).sort((a, b) => a - b);
  // 10 per second → at least ~100 ms between consecutive sends from one dispatcher; two dispatchers each keep
  // their own bucket, so the floor is over the whole run: 6 sends take at least 2 × 100 ms.
  expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(200);
});
