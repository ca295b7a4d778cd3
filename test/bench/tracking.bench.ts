// tracking: batch ingest through the contract (zod validation of every event, handler, one transaction per batch)
// against raw prepared INSERTs of the same rows in the same run: batched the same way, and one transaction per
// event (what a per-event endpoint would cost).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../main/app.ts';
import { seedDemo } from '../../main/demo.ts';
import { invoke } from '../../main/rpc.ts';
import { newId } from '../../db/ids.ts';
import { trackBatch } from '../../main/tracking/track.ts';
import type { Input } from '../../preload/contract.ts';

const TOTAL = Number(process.env.TRACKING_BENCH_EVENTS ?? 100_000);
const BATCH = 50;

type Ev = Input<'tracking.track'>['events'][number];

function makeEvents(n: number): Ev[] {
  const routes = ['/', '/boards', '/reports?range=30', '/tracking?range=7', '/settings', '/webhooks', '/audit'];
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? { eventType: 'page_view', url: routes[i % routes.length], referrer: routes[(i + 1) % routes.length] }
      : { eventType: 'button_click', url: routes[i % routes.length], metadata: { element: `bench.button-${i % 17}`, position: i % 9 } },
  );
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')} events/s`;

export default async function trackingBench() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-tracking-'));
  const app = await createApp({ dbFile: path.join(dir, 'bench.db'), background: false });
  seedDemo(app.sqlite, { seed: 3, events: 50 });
  const session = app.defaultSession()!;
  const events = makeEvents(TOTAL);
  const batches: Ev[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const count = () => (app.sqlite.prepare('SELECT count(*) AS n FROM tracking_events').get() as { n: number }).n;

  const stmt = app.sqlite.prepare(
    'INSERT INTO tracking_events (id, account_id, user_id, event_type, trackable_type, trackable_id, metadata, url, referrer, created_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)',
  );
  const rawRow = (e: Ev) => {
    const at = Date.now();
    stmt.run(newId(at), session.accountId, session.userId, e.eventType === 'page_view' ? 1 : 4, JSON.stringify(e.metadata ?? {}), e.url, e.referrer ?? null, at);
  };
  // The three ways run interleaved, a slice of the batches at a time, so none gets the emptier table or a quieter
  // machine: 1. through invoke (the host's and IPC's path: validation, session, handler, output check);
  // 2. the handler's write path alone; 3. raw prepared INSERTs of equivalent rows, one transaction per batch.
  const slot = { session };
  let viaContract = 0;
  let viaHandler = 0;
  let rawBatched = 0;
  const rounds = 10;
  const per = Math.ceil(batches.length / rounds);
  for (let r = 0; r < rounds; r++) {
    const slice = batches.slice(r * per, (r + 1) * per);
    let t = performance.now();
    for (const b of slice) {
      const res = await invoke(app, slot, 'tracking.track', { events: b });
      if (!res.ok) throw new Error(JSON.stringify(res.error));
    }
    viaContract += performance.now() - t;
    t = performance.now();
    for (const b of slice) trackBatch(app.sqlite, session, { events: b as any });
    viaHandler += performance.now() - t;
    t = performance.now();
    for (const b of slice) app.sqlite.transaction(() => b.forEach(rawRow))();
    rawBatched += performance.now() - t;
  }

  // 4. Raw, one transaction (one fsync) per event: a tenth of the events, it is slow.
  const single = events.slice(0, Math.max(1000, Math.floor(TOTAL / 10)));
  const t = performance.now();
  for (const e of single) rawRow(e);
  const rawSingle = performance.now() - t;

  const expected = TOTAL * 3 + single.length;
  if (count() !== expected) throw new Error(`expected ${expected} rows, found ${count()}`);
  console.log(`${TOTAL.toLocaleString('en')} events in batches of ${BATCH} (synchronous=FULL, WAL)`);
  console.log(`tracking.track through invoke (zod + handler): ${rate(TOTAL, viaContract)}`);
  console.log(`trackBatch (handler write path only):          ${rate(TOTAL, viaHandler)}`);
  console.log(`raw prepared INSERT, batched the same way:     ${rate(TOTAL, rawBatched)}`);
  console.log(`raw prepared INSERT, one transaction each:     ${rate(single.length, rawSingle)}`);
  console.log(`ratio invoke / raw batched: ${(rawBatched / viaContract).toFixed(2)} (1.00 = as fast as raw)`);
  console.log(`ratio invoke / raw one transaction per event: ${((TOTAL / viaContract) / (single.length / rawSingle)).toFixed(1)}× (batching wins)`);
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
