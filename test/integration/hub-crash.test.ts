// Four `chronicle dispatch` processes on one store, killed with SIGKILL again and again (and replaced) while they
// work off 2,000 deliveries to two endpoints of a receiver that counts the requests it has in flight per endpoint.
// Every delivery must end delivered, the receiver must have seen every webhook-id, no claim may stay behind, and
// no endpoint may ever have had more requests in flight than its concurrency, across all the processes together.
// On PostgreSQL this is the hub; on SQLite, four processes on one file. The dispatchers run with their default
// heartbeat and stale window: a killed one is noticed at once by the others (its pid is gone from this machine);
// the stale window is for machines that vanish, and a shorter one here would take claims from live dispatchers
// that this loaded 2-core machine starves for seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { newId } from '../../db/ids.ts';
import { rawRun } from '../../db/sql.ts';
import { createDelivery, eventBody } from '../../main/webhooks/deliver.ts';
import { webhooksService } from '../../main/webhooks/service.ts';
import { openTestApp, sqlCount, testStore } from '../support/workspace.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'main/bin/chronicle.mjs');
const DELIVERIES = 2_000;
const CONCURRENCY = { a: 3, b: 5 };

describe(`kill -9 of dispatchers on ${testStore}`, { timeout: 300_000 }, () => {
  it('four dispatchers killed again and again: every delivery delivered once seen, no claim left, no endpoint over its concurrency', async () => {
    // The receiver: a short random delay per request, so that requests overlap and a limit can be broken.
    const inFlight = { a: 0, b: 0 };
    const maxInFlight = { a: 0, b: 0 };
    const seen = new Set<string>();
    const server = http.createServer((req, res) => {
      const ep = req.url?.endsWith('/a') ? 'a' : 'b';
      inFlight[ep]++;
      maxInFlight[ep] = Math.max(maxInFlight[ep], inFlight[ep]);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        inFlight[ep]--;
      };
      // Ends when the answer is sent, or when the sender died (the response's connection closes).
      res.on('close', finish);
      req.resume();
      req.on('end', () => {
        seen.add(String(req.headers['webhook-id']));
        setTimeout(() => {
          finish();
          res.end('ok');
        }, 20 + Math.floor(Math.random() * 40)); // long enough that the work outlasts several kills
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const app = await openTestApp({ events: 5 });
    const children = new Set<ChildProcess>();
    try {
      await rawRun(app.store, `UPDATE jobs SET status = 'done'`);
      const session = (await app.defaultSession())!;
      const box = webhooksService(app).box; // also writes the key file the dispatchers read from --data-dir
      const now = Date.now();
      const endpoints = { a: newId(now), b: newId(now) };
      for (const ep of ['a', 'b'] as const) {
        await rawRun(
          app.store,
          `INSERT INTO webhook_endpoints (id, account_id, url, event_types, secret_enc, network_scope, concurrency, creator_id, created_at, updated_at)
           VALUES (?, ?, ?, '["*"]', ?, 'loopback', ?, ?, ?, ?)`,
          [endpoints[ep], session.accountId, `${base}/hooks/${ep}`, box.encrypt('whsec_' + Buffer.alloc(32, 3).toString('base64')), CONCURRENCY[ep], session.userId, now, now],
        );
      }
      const ids: string[] = [];
      await app.store.transaction(async (tx) => {
        for (let i = 0; i < DELIVERIES; i++) {
          const d = await createDelivery(tx, {
            accountId: session.accountId, endpointId: i % 2 ? endpoints.b : endpoints.a, eventTable: null, eventId: null, eventType: 'card.moved',
            payload: eventBody('card.moved', new Date(now).toISOString(), { n: i }), now,
          });
          ids.push(d.id);
        }
      });

      const start = () => {
        const child = spawn(process.execPath, [bin, 'dispatch', '--db', app.connectTo, '--data-dir', app.dataDir, '--concurrency', '16', '--poll-ms', '50'], {
          cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
        });
        let err = '';
        child.stderr!.on('data', (d) => (err += d));
        children.add(child);
        child.once('exit', () => children.delete(child));
        return new Promise<ChildProcess>((resolve, reject) => {
          readline.createInterface({ input: child.stdout! }).once('line', () => resolve(child));
          child.once('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`dispatch exited ${code}: ${err}`)));
        });
      };
      await Promise.all([start(), start(), start(), start()]);

      const delivered = () => sqlCount(app, `SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'delivered'`);
      let kills = 0;
      const deadline = Date.now() + 240_000;
      while ((await delivered()) < DELIVERIES) {
        if (Date.now() > deadline) throw new Error(`only ${await delivered()} of ${DELIVERIES} delivered after ${kills} kills`);
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 400));
        const alive = [...children];
        if (alive.length && kills < 12) {
          alive[Math.floor(Math.random() * alive.length)].kill('SIGKILL');
          kills++;
          await start();
        }
      }
      // Stop the survivors cleanly: each gives back what it holds and leaves the registry.
      await Promise.all([...children].map((c) => new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGTERM')))));

      expect(kills).toBeGreaterThanOrEqual(4);
      expect(await delivered()).toBe(DELIVERIES);
      expect(await sqlCount(app, `SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'`)).toBe(0);
      for (const id of ids) expect(seen.has(id), `webhook-id ${id}`).toBe(true);
      expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status = 'claimed'`)).toBe(0);
      expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE kind = 'webhooks.deliver' AND status <> 'done'`)).toBe(0);
      expect(maxInFlight.a).toBeLessThanOrEqual(CONCURRENCY.a);
      expect(maxInFlight.b).toBeLessThanOrEqual(CONCURRENCY.b);
      // The limit was really reached (the test could have caught an excess).
      expect(maxInFlight.b).toBe(CONCURRENCY.b);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
      await app.close();
    }
  });
});
