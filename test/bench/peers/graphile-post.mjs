// The peer in the dispatch benchmark: graphile-worker 0.16 doing the same work as Chronicle's dispatcher on the
// same PostgreSQL database, 20,000 durable jobs each POSTing a signed body to the receiver (undici, concurrency
// 32). Prints one JSON line { rate, secs } when every job is done. Run by test/bench/dispatch.bench.ts.
import crypto from 'node:crypto';
import { run, makeWorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { Pool } from 'undici';

const { DATABASE_URL, RECEIVER_URL, SECRET } = process.env;
const JOBS = Number(process.env.JOBS ?? 20000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const key = Buffer.from(SECRET.replace(/^whsec_/, ''), 'base64');
const target = new URL(RECEIVER_URL);
const http = new Pool(target.origin, { connections: CONCURRENCY, pipelining: 1 });

const utils = await makeWorkerUtils({ connectionString: DATABASE_URL });
await utils.migrate();
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: CONCURRENCY + 4 });
// One statement adds every job (graphile-worker's own add_job), committed before the clock starts.
await pool.query(
  `SELECT graphile_worker.add_job('post', json_build_object('body', json_build_object('type', 'card.moved', 'data', json_build_object('n', g)))) FROM generate_series(1, $1) g`,
  [JOBS],
);
let done = 0;
let resolveAll;
const all = new Promise((r) => (resolveAll = r));
const start = performance.now();
const runner = await run({
  pgPool: pool,
  concurrency: CONCURRENCY,
  noHandleSignals: true,
  pollInterval: 50,
  logger: undefined,
  taskList: {
    post: async (payload) => {
      const body = JSON.stringify(payload.body);
      const id = crypto.randomUUID();
      const ts = Math.floor(Date.now() / 1000);
      const sig = 'v1,' + crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
      const res = await http.request({
        path: target.pathname, method: 'POST', body,
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig },
      });
      await res.body.text();
      if (res.statusCode >= 300) throw new Error(`status ${res.statusCode}`);
      if (++done === JOBS) resolveAll();
    },
  },
});
await all;
// Completed jobs are deleted by graphile-worker: wait until the queue table is empty (the last completions committed).
for (;;) {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs`);
  if (rows[0].n === 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
const secs = (performance.now() - start) / 1000;
console.log(JSON.stringify({ rate: JOBS / secs, secs }));
await runner.stop();
await pool.end();
await utils.release();
await http.close();
