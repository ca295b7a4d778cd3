// Helpers for the webhooks tests: real HTTP receivers on 127.0.0.1, a job runner on its own connection to the
// test's store (a SQLite file or a PostgreSQL database), and a way to record real events through the contract.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../main/app.ts';
import { openStore } from '../../db/open.ts';
import { bool } from '../../db/sql.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import type { WebhookDispatchOptions } from '../../main/webhooks/options.ts';
import { webhooksService } from '../../main/webhooks/service.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { caller, openTestApp, sqlRow, sqlRows } from '../support/workspace.ts';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  close(): Promise<void>;
}

/** A receiver whose handler decides per request (n = 0-based request number). */
export async function receiver(handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void = (_q, res) => res.end('ok')): Promise<Receiver> {
  const requests: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = requests.length;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      handler(req, res, n);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export type TestRunner = Awaited<ReturnType<typeof startRunner>>;

/** A job runner on its own connection to the app's store (as the app's worker and `chronicle dispatch` have), with test-sized timeouts. */
export async function startRunner(
  app: App,
  overrides: Partial<WebhookDispatchOptions> = {},
  opts: { staleMs?: number; heartbeatMs?: number; concurrency?: number; claimAhead?: number; workerId?: string } = {},
) {
  const store = await openStore(app.connectTo, { synchronous: 'normal', poolSize: 4 });
  const key = webhooksService(app).key!;
  const runner = new JobRunner({
    store,
    dataDir: app.dataDir,
    pollMs: 20,
    heartbeatMs: opts.heartbeatMs ?? 200,
    staleMs: opts.staleMs ?? 30_000,
    concurrency: opts.concurrency ?? 16,
    claimAhead: opts.claimAhead,
    workerId: opts.workerId,
    config: { webhooks: { secretKey: key.toString('base64'), attemptTimeoutMs: 2_000, connectTimeoutMs: 1_000, ...overrides } },
    publish: (a, t, p) => app.push.publish(a, t, p as never),
    log: (m) => console.error(`[${opts.workerId ?? 'runner'}] ${m}`),
  });
  try {
    await runner.start();
  } catch (err) {
    await store.close();
    throw err;
  }
  let stopped = false;
  return {
    runner,
    store,
    async stop() {
      if (stopped) return;
      stopped = true;
      await runner.stop();
      await store.close();
    },
  };
}

/** Poll `fn` (sync or async) until it returns something truthy; generous timeouts: other tests share the CPU. */
export async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Record a real event (a card created) through the contract; returns the event id. */
export async function emitEvent(app: App, title = 'Webhook test card'): Promise<string> {
  const { call } = await caller(app);
  const board = (await call('boards.list', {})).items.find((b) => !b.archived)!;
  const full = await call('boards.get', { boardId: board.id });
  const card = await call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title });
  const ev = await sqlRow<{ id: string }>(app, 'SELECT id FROM card_created WHERE card_id = ?', card.id);
  return ev.id;
}

export function deliveriesOf(app: App, endpointId: string) {
  return sqlRows<any>(app, 'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at, id', endpointId);
}

/** Attempts of a delivery; `response_truncated` as a boolean on both stores (0/1 on SQLite, a boolean on PostgreSQL). */
export async function attemptsOf(app: App, deliveryId: string) {
  const rows = await sqlRows<any>(app, 'SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY created_at, id', deliveryId);
  return rows.map((a) => ({ ...a, response_truncated: bool(a.response_truncated) }));
}

/** Jobs of a kind whose arguments name an endpoint (JSON read here: the SQL stays portable). */
export async function jobsFor(app: App, kind: string, endpointId: string) {
  const rows = await sqlRows<any>(app, 'SELECT * FROM jobs WHERE kind = ? ORDER BY created_at, id', kind);
  return rows.filter((j) => (JSON.parse(j.args) as { endpointId?: string }).endpointId === endpointId);
}

/**
 * One app for a test file (a demo workspace of `events` events), with what its tests start: a runner per test
 * (`startRunner`, stopped after the test) and receivers (`receiver`, closed at the end). After each test its
 * endpoints stop receiving (disabled), so the next test's events go to its own endpoint only.
 */
export function webhooksTestApp(events: number) {
  let app: App | null = null;
  let runner: TestRunner | null = null;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    app = await openTestApp({ events });
  });
  afterEach(async () => {
    await runner?.stop();
    runner = null;
    await sqlRows(app!, `UPDATE webhook_endpoints SET status = 'disabled'`);
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await app?.close();
  });
  return {
    get app(): App {
      return app!;
    },
    /** This test's runner, if it started one. */
    get runner(): TestRunner | null {
      return runner;
    },
    async startRunner(...args: Parameters<typeof startRunner> extends [App, ...infer R] ? R : never): Promise<TestRunner> {
      runner = await startRunner(app!, ...args);
      return runner;
    },
    async receiver(handler: Parameters<typeof receiver>[0]): Promise<Receiver> {
      const r = await receiver(handler);
      closers.push(() => r.close());
      return r;
    },
  };
}
