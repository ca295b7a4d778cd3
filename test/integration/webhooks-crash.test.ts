// Crash safety: `chronicle dispatch` killed with SIGKILL mid-flight, then started again. Every delivery ends
// delivered, with the same webhook-id on every send, and none stays stuck in `delivering`.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { caller, openTestApp } from '../support/workspace.ts';
import { deliveriesOf, emitEvent, receiver, waitFor, type Receiver } from './webhooks-support.ts';

const children: ChildProcess[] = [];
let app: App | undefined;
let rx: Receiver | undefined;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rx?.close();
  await app?.close();
});

async function startDispatcher(dbFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['main/bin/chronicle.mjs', 'dispatch', '--db', dbFile, '--concurrency', '8', '--heartbeat-ms', '200', '--stale-ms', '1000', '--poll-ms', '20'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', (line) => (line.startsWith('dispatching') ? resolve() : reject(new Error(line))));
    child.once('exit', (code) => reject(new Error(`dispatch exited with ${code}: ${err}`)));
  });
  return child;
}

it('kill -9 mid-flight, restart: every delivery delivered, same webhook-id, none stuck in delivering', async () => {
  app = await openTestApp({ events: 30 });
  // Slow answers keep several deliveries in flight at any moment.
  rx = await receiver((_q, res) => setTimeout(() => res.end('ok'), 150));
  const ep = await caller(app).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback', concurrency: 8, retrySchedule: [1000, 1000, 1000] });

  const first = await startDispatcher(app.dbFile);
  const N = 60;
  for (let i = 0; i < N; i++) await emitEvent(app, `crash card ${i}`);
  // Wait until some are done and some are on the wire, then kill without warning.
  await waitFor(() => {
    const ds = deliveriesOf(app!, ep.id);
    return ds.filter((d) => d.status === 'delivered').length >= 5 && ds.some((d) => d.status === 'delivering');
  }, 'deliveries in flight');
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const atKill = deliveriesOf(app, ep.id);
  const stuck = atKill.filter((d) => d.status === 'delivering').length;
  expect(stuck, 'the kill left deliveries mid-flight').toBeGreaterThan(0);
  expect(atKill.filter((d) => d.status === 'delivered').length).toBeLessThan(N);

  const second = await startDispatcher(app.dbFile);
  await waitFor(() => {
    const ds = deliveriesOf(app!, ep.id);
    return ds.length === N && ds.every((d) => d.status === 'delivered');
  }, 'every delivery delivered after the restart', 30_000);
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));

  const ds = deliveriesOf(app, ep.id);
  expect(ds.filter((d) => d.status === 'delivering')).toHaveLength(0);
  // Every delivery reached the receiver; a resend (at-least-once) carries the same id and the same bytes.
  const byId = new Map<string, string[]>();
  for (const req of rx.requests) {
    const id = String(req.headers['webhook-id']);
    byId.set(id, [...(byId.get(id) ?? []), req.body]);
  }
  for (const d of ds) {
    const bodies = byId.get(d.id);
    expect(bodies, `delivery ${d.id} reached the receiver`).toBeDefined();
    for (const b of bodies!) expect(b).toBe(d.payload);
  }
  expect(new Set(rx.requests.map((q) => String(q.headers['webhook-id']))).size).toBe(N);
  // No job is left claimed by the killed worker.
  const claimed = app.sqlite.prepare(`SELECT count(*) n FROM jobs WHERE status = 'claimed'`).get() as { n: number };
  expect(claimed.n).toBe(0);
}, 90_000);
