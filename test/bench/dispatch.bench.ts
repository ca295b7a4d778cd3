// `npm run bench dispatch`: 20,000 deliveries through the durable queue and dispatcher (claim, sign, HTTP,
// record attempt + delivery + job in a real SQLite file, on the runner's own connection: WAL with
// synchronous=NORMAL, so every commit survives a crash or kill -9) to a local receiver at concurrency 32,
// against raw undici posting the same signed bodies at the same concurrency, in the same run.
// Also: commit-to-first-attempt latency p50/p99 when idle (a real event → fan-out job → delivery → request).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Pool } from 'undici';
import { createApp } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { createCard } from '../../main/domain/cards.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import { createDelivery, eventBody } from '../../main/webhooks/deliver.ts';
import { signatureHeader } from '../../main/webhooks/secrets.ts';
import { webhooksService } from '../../main/webhooks/service.ts';
import { newId } from '../../db/ids.ts';
import * as ws from '../../db/workspace.ts';

const N = Number(process.env.DISPATCH_N ?? 20_000);
const CONCURRENCY = 32;

/** The receiver runs in its own process so it does not share the dispatcher's event loop. */
async function startReceiver(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', `
    const http = require('node:http');
    const s = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
    s.keepAliveTimeout = 60000;
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((r) => readline.createInterface({ input: child.stdout! }).once('line', r));
  return { url: `http://127.0.0.1:${port}/hooks`, stop: () => child.kill() };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export default async function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-dispatch-'));
  const dbFile = path.join(dir, 'bench.db');
  const rx = await startReceiver();
  const app = await createApp({ dbFile, background: false });
  seedDemo(app.sqlite, { seed: 3, events: 20 });
  app.sqlite.prepare(`UPDATE jobs SET status = 'done'`).run(); // the seed's fan-outs are not part of the measure
  const session = app.defaultSession()!;
  const svc = webhooksService(app);
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const now = Date.now();
  const endpointId = newId(now);
  app.sqlite.prepare(
    `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, network_scope, concurrency, creator_id, created_at, updated_at)
     VALUES (?, ?, ?, '["*"]', ?, 'loopback', ?, ?, ?, ?)`,
  ).run(endpointId, session.accountId, rx.url, svc.box.encrypt(secret), CONCURRENCY, session.userId, now, now);
  const bodies = Array.from({ length: N }, (_, i) =>
    eventBody('card.moved', new Date(now).toISOString(), { id: newId(now), card_id: newId(now), to_position: i % 10, created_at: new Date(now).toISOString() }),
  );

  // ---- Raw baseline: undici posting the same signed bodies, concurrency 32.
  const pool = new Pool(new URL(rx.url).origin, { connections: CONCURRENCY, pipelining: 1 });
  const post = async (i: number) => {
    const id = newId();
    const ts = Math.floor(Date.now() / 1000);
    const res = await pool.request({
      path: '/hooks', method: 'POST', body: bodies[i],
      headers: { 'content-type': 'application/json', 'user-agent': 'bench', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader([secret], id, ts, bodies[i]) },
    });
    await res.body.text();
  };
  let next = 0;
  const rawStart = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < N) await post(next++); }));
  const rawSecs = (performance.now() - rawStart) / 1000;
  await pool.close();

  // ---- Chronicle: N deliveries committed (as fan-out writes them), then the dispatcher works them off.
  app.sqlite.transaction(() => {
    const t = Date.now();
    for (const body of bodies) createDelivery(app.sqlite, { accountId: session.accountId, endpointId, eventTable: null, eventId: null, eventType: 'card.moved', payload: body, now: t });
  })();
  const { openDatabase } = await import('../../db/open.ts');
  const runnerDb = openDatabase(dbFile);
  const runner = new JobRunner({ sqlite: runnerDb, dataDir: app.dataDir, concurrency: CONCURRENCY, pollMs: 10, publish: () => {}, config: { webhooks: { secretKey: svc.key.toString('base64') } } });
  const delivered = () => (app.sqlite.prepare(`SELECT count(*) n FROM webhook_deliveries WHERE status = 'delivered'`).get() as { n: number }).n;
  const start = performance.now();
  runner.start();
  // Watch the runner's own counter (a count(*) every few ms would steal the dispatcher's CPU), then check the rows.
  while (runner.stats.finished < N) await new Promise((r) => setTimeout(r, 5));
  const secs = (performance.now() - start) / 1000;
  const attempts = (app.sqlite.prepare(`SELECT count(*) n FROM webhook_attempts`).get() as { n: number }).n;
  if (process.env.DISPATCH_DEBUG) console.log(runner.stats);
  if (delivered() !== N) throw new Error(`only ${delivered()} of ${N} deliveries are delivered`);

  // ---- Idle latency: a real event committed → fan-out job → delivery → the receiver sees the request.
  const latRx = await new Promise<{ server: http.Server; url: string; waiters: Map<string, (t: number) => void> }>((resolve) => {
    const waiters = new Map<string, (t: number) => void>();
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const t = performance.now();
        res.end('ok');
        const cardId = JSON.parse(body).data.card_id as string;
        waiters.get(cardId)?.(t);
      });
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lat`, waiters }));
  });
  app.sqlite.prepare(`UPDATE webhook_endpoints SET url = ?, event_types = '["card.created"]' WHERE id = ?`).run(latRx.url, endpointId);
  const board = ws.listBoardsOfProjects(app.sqlite, session.accountId)[0];
  const column = ws.listColumns(app.sqlite, board.id)[0];
  const ctx = { sqlite: app.sqlite, session, push: app.push };
  const measure = async (wake: boolean) => {
    const lat: number[] = [];
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 15)); // idle between events
      let t0 = 0;
      const arrived = new Promise<number>((resolve) => {
        const t = performance.now();
        t0 = t;
        const card = createCard(ctx, { boardId: board.id, columnId: column.id, title: `latency ${i}` });
        latRx.waiters.set(card.id, resolve);
        if (wake) runner.wake(); // what the app does on its push bus after a commit
      });
      lat.push((await arrived) - t0);
    }
    return lat;
  };
  const woken = await measure(true);
  const polled = await measure(false);

  await runner.stop();
  runnerDb.close();
  latRx.server.close();
  rx.stop();
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const rawRate = N / rawSecs;
  const rate = N / secs;
  console.log(`deliveries: ${N.toLocaleString()} at concurrency ${CONCURRENCY} to a local receiver (separate process)`);
  console.log(`  raw undici (same signed bodies):  ${Math.round(rawRate).toLocaleString()} deliveries/s (${rawSecs.toFixed(2)} s)`);
  console.log(`  Chronicle dispatcher (durable):   ${Math.round(rate).toLocaleString()} deliveries/s (${secs.toFixed(2)} s, ${attempts.toLocaleString()} attempts recorded)`);
  console.log(`  ratio: ${(rate / rawRate).toFixed(2)} (aim ≥ 0.6)`);
  console.log(`commit-to-first-attempt when idle (event → fan-out → delivery → request), 100 events:`);
  console.log(`  woken on commit (app / serve):    p50 ${pct(woken, 50).toFixed(1)} ms, p99 ${pct(woken, 99).toFixed(1)} ms`);
  console.log(`  polling only (chronicle dispatch, 10 ms poll): p50 ${pct(polled, 50).toFixed(1)} ms, p99 ${pct(polled, 99).toFixed(1)} ms`);
}
