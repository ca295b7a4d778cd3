// Connection pools and the attempt clock, against real receivers on 127.0.0.1: endpoints on one origin never
// wait for each other's connections, and the attempt timeout measures the endpoint, not the wait for a socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Pools, sendAttempt } from '../../main/webhooks/http.ts';
import { caller, openTestApp } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, emitEvent, startRunner, waitFor } from './webhooks-support.ts';

const servers: http.Server[] = [];
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A receiver that answers every request after `delayMs`, counting how many it holds at once. */
async function slowReceiver(delayMs: number) {
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.resume();
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, maxInFlight: () => maxInFlight };
}

const opts = { connectTimeoutMs: 1_000, attemptTimeoutMs: 1_000, responseCapBytes: 1024 };

describe('the attempt clock', () => {
  it('starts when the request is sent: a request that waited for the pool’s only connection is not timed out', async () => {
    const rx = await slowReceiver(600);
    const pools = new Pools(opts);
    const pool = pools.get({ endpointId: 'e1', origin: `http://127.0.0.1:${rx.port}`, scope: 'loopback', connections: 1 });
    const url = new URL(`http://127.0.0.1:${rx.port}/hooks`);
    // Two attempts on one connection: the second waits ~600 ms, then is answered ~600 ms after it is sent.
    const started = performance.now();
    const [a, b] = await Promise.all([0, 1].map(() => sendAttempt(pool, url, 'loopback', { 'content-type': 'application/json' }, '{}', opts)));
    const total = performance.now() - started;
    await pools.close();
    expect(a).toMatchObject({ status: 200, errorKind: null });
    expect(b).toMatchObject({ status: 200, errorKind: null });
    // The second attempt's duration leaves out its wait for the connection (at least the 600 ms the first held it).
    expect(b.durationMs).toBeLessThanOrEqual(total - 550);
  });

  it('still times out a request the endpoint does not answer in time', async () => {
    const rx = await slowReceiver(1_500);
    const pools = new Pools(opts);
    const pool = pools.get({ endpointId: 'e1', origin: `http://127.0.0.1:${rx.port}`, scope: 'loopback', connections: 1 });
    const r = await sendAttempt(pool, new URL(`http://127.0.0.1:${rx.port}/`), 'loopback', {}, '{}', opts);
    await pools.close();
    expect(r.errorKind).toBe('timeout');
    expect(r.errorMessage).toMatch(/did not answer in time: no complete answer within 1 s/);
  });
});

describe('a dispatcher that stops', () => {
  // The attempt timeout is a minute: only the stop can end these attempts within the test's time.
  const long = { ...opts, attemptTimeoutMs: 60_000 };

  it('ends the attempt being answered and the one waiting for the connection, neither sent again', async () => {
    let received = 0;
    const server = http.createServer((req, res) => {
      received++;
      if (received === 1) req.resume(); // never answers the first
      else res.end(); // a request sent after the stop is answered, so the pool's close below ends either way
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const pools = new Pools(long);
    const pool = pools.get({ endpointId: 'e1', origin: `http://127.0.0.1:${port}`, scope: 'loopback', connections: 1 });
    const url = new URL(`http://127.0.0.1:${port}/hooks`);
    const stop = new AbortController();
    const attempts = [0, 1].map(() => sendAttempt(pool, url, 'loopback', {}, '{}', long, stop.signal));
    await waitFor(() => received === 1, "the first request");
    stop.abort();
    const [sent, queued] = await Promise.all(attempts);
    for (const r of [sent, queued]) expect(r).toMatchObject({ status: null, errorKind: 'other', errorMessage: expect.stringMatching(/dispatcher stopping/) });
    // An attempt asked for after the stop is not sent at all.
    expect(await sendAttempt(pool, url, 'loopback', {}, '{}', long, stop.signal)).toMatchObject({ status: null, errorKind: 'other' });
    // A stopped dispatcher sends nothing more: the queued request is dropped, not written to a freed connection. The
    // pool's graceful close resolves once its queue is empty (a request still queued is sent and answered first):
    // after it nothing more can reach the receiver.
    await pool.close();
    expect(received).toBe(1);
    await pools.close();
  });
});

describe('pools', () => {
  it('each endpoint gets its own pool; a changed endpoint gets a new one', async () => {
    const pools = new Pools(opts);
    const key = { endpointId: 'a', origin: 'http://127.0.0.1:9', scope: 'loopback' as const, connections: 2 };
    const a = pools.get(key);
    expect(pools.get({ ...key })).toBe(a);
    expect(pools.get({ ...key, endpointId: 'b' })).not.toBe(a);
    expect(pools.get({ ...key, connections: 3 })).not.toBe(a);
    expect(pools.size).toBe(2);
    await pools.close();
  });

  it('four endpoints on one port with every concurrency slot busy: no false "did not answer in time"', async () => {
    const rx = await slowReceiver(400);
    const app = await openTestApp({ events: 20 });
    // Each attempt is answered in 400 ms against a 1.2 s timeout; four endpoints × concurrency 2 keep eight
    // requests in flight at once. Sharing one pool of two connections, the last of them waited 1.2 s and more.
    const runner = await startRunner(app, { attemptTimeoutMs: 1_200, connectTimeoutMs: 1_000 }, { concurrency: 16 });
    try {
      const { call } = await caller(app);
      const eps: { id: string }[] = [];
      for (let i = 0; i < 4; i++) {
        eps.push(await call('webhooks.endpoints.create', { url: `http://127.0.0.1:${rx.port}/hooks/${i}`, eventTypes: ['card.created'], networkScope: 'loopback', concurrency: 2, retrySchedule: [60_000] }));
      }
      for (let i = 0; i < 4; i++) await emitEvent(app, `pool ${i}`);
      const settled = async () => {
        for (const ep of eps) if ((await deliveriesOf(app, ep.id)).filter((d) => d.status !== 'pending' && d.status !== 'delivering').length !== 4) return false;
        return true;
      };
      await waitFor(settled, 'sixteen settled deliveries', 30_000);
      const attempts: any[] = [];
      for (const ep of eps) for (const d of await deliveriesOf(app, ep.id)) attempts.push(...(await attemptsOf(app, d.id)));
      expect(attempts).toHaveLength(16);
      expect(attempts.filter((a) => a.error_kind !== null).map((a) => a.error_message)).toEqual([]);
      expect(rx.maxInFlight()).toBeGreaterThan(2); // the slots really were busy at once
    } finally {
      await runner.stop();
      await app.close();
    }
  });
});
