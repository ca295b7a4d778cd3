// `npm run bench fairness`: a fast endpoint's latency (event committed → fan-out job → delivery → the receiver
// sees the request) while slow endpoints hold every request they may have in flight, against the same fast
// endpoint alone, in the same run (the ratio is the cost of sharing the dispatcher with slow endpoints).
//
// Scenarios, each on a fresh SQLite workspace with one runner at the default budget (32 delivery slots, 4 light):
// the fast endpoint alone; beside 1 slow endpoint at concurrency 16; beside 4 slow endpoints at concurrency 4.
// A slow receiver answers after 5 s, and each slow endpoint has a backlog of three times its concurrency, so the
// slow requests fill their limits for the whole measure. Before fair slots, the first two starved the fast
// endpoint (0 of 86 delivered in 60 s at a budget of 16).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rawRun } from '../../db/sql.ts';
import * as ws from '../../db/workspace.ts';
import { createApp } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { createCard } from '../../main/domain/cards.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import { createDelivery, eventBody } from '../../main/webhooks/deliver.ts';
import { webhooksService } from '../../main/webhooks/service.ts';
import { cardArrivals, insertEndpoint, listen } from './support.ts';

const EVENTS = Number(process.env.FAIRNESS_EVENTS ?? 100);
const SLOW_MS = 5_000;
const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** p50/p99 of the fast endpoint's latency (ms) beside `slow` endpoints of `slowConcurrency` each. */
async function scenario(slow: number, slowConcurrency: number): Promise<{ p50: number; p99: number; slowInFlight: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-fairness-'));
  const app = await createApp({ location: path.join(dir, 'bench.db'), background: false });
  await seedDemo(app.store, { seed: 3, events: 20 });
  await rawRun(app.store, `UPDATE jobs SET status = 'done'`); // the seed's fan-outs are not part of the measure
  await rawRun(app.store, `DELETE FROM webhook_endpoints`);

  let slowInFlight = 0;
  let slowPeak = 0;
  const slowRx = await listen((req, res) => {
    req.resume();
    slowInFlight++;
    slowPeak = Math.max(slowPeak, slowInFlight);
    setTimeout(() => {
      slowInFlight--;
      res.end('ok');
    }, SLOW_MS);
  });
  const fastRx = await cardArrivals();

  const session = (await app.defaultSession())!;
  const slowIds: string[] = [];
  for (let e = 0; e < slow; e++) slowIds.push(await insertEndpoint(app, { url: `${slowRx.url}/${e}`, secret: SECRET, eventTypes: ['webhook.test'], concurrency: slowConcurrency }));
  await insertEndpoint(app, { url: fastRx.url, secret: SECRET, eventTypes: ['card.created'], concurrency: 4 });
  const now = Date.now();
  await app.store.transaction(async (tx) => {
    for (const endpointId of slowIds) {
      for (let i = 0; i < slowConcurrency * 3; i++) {
        await createDelivery(tx, { accountId: session.accountId, endpointId, eventTable: null, eventId: null, eventType: 'webhook.test', payload: eventBody('webhook.test', new Date(now).toISOString(), { i }), now });
      }
    }
  });

  // The product's defaults: 32 delivery slots, 4 for fan-out and notifications.
  const runner = new JobRunner({ store: app.store, dataDir: app.dataDir, publish: () => {}, config: { webhooks: { secretKey: webhooksService(app).key!.toString('base64') } } });
  await runner.start();
  const filled = Math.min(slow * slowConcurrency, 24);
  const deadline = Date.now() + 20_000;
  while (slowInFlight < filled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

  const board = (await ws.listBoardsOfProjects(app.store, session.accountId))[0];
  const column = (await ws.listColumns(app.store, board.id))[0];
  const ctx = { store: app.store, session, push: app.push };
  const lat: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    const card = await createCard(ctx, { boardId: board.id, columnId: column.id, title: `fair ${i}` });
    const arrived = fastRx.arrival(card.id);
    runner.wake(); // what the app does on its push bus after a commit
    lat.push((await arrived) - t0);
    fastRx.forget(card.id);
  }
  const stillSlow = slowInFlight;
  await runner.stop(); // aborts the slow requests still in flight
  slowRx.server.closeAllConnections();
  fastRx.server.closeAllConnections();
  slowRx.server.close();
  fastRx.server.close();
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (slow > 0 && stillSlow === 0) throw new Error('the slow endpoints finished before the measure did: raise SLOW_MS');
  return { p50: pct(lat, 50), p99: pct(lat, 99), slowInFlight: Math.max(stillSlow, slowPeak) };
}

export default async function () {
  const alone = await scenario(0, 0);
  const one = await scenario(1, 16);
  const four = await scenario(4, 4);
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`SQLite — a fast endpoint's latency (event committed → request received), ${EVENTS} events, beside slow endpoints (answer after ${SLOW_MS / 1000} s)`);
  console.log(`  alone (baseline):                        p50 ${fmt(alone.p50)}  p99 ${fmt(alone.p99)}`);
  console.log(`  beside 1 slow at concurrency 16 (${one.slowInFlight} in flight): p50 ${fmt(one.p50)}  p99 ${fmt(one.p99)}  p99 ratio ${(one.p99 / alone.p99).toFixed(2)}×`);
  console.log(`  beside 4 slow at concurrency 4 (${four.slowInFlight} in flight):  p50 ${fmt(four.p50)}  p99 ${fmt(four.p99)}  p99 ratio ${(four.p99 / alone.p99).toFixed(2)}×`);
}
