// The webhooks contract: bad input refused with nothing written, account scoping, roles, secrets at rest,
// delivery lists, cancel, bulk retry with progress, breaker, auto-disable and offline waiting.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { addMember } from '../support/people.ts';
import { caller, onSqlite, openTestApp, sqlCount, sqlRow, sqlRows, tableNames } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, emitEvent, jobsFor, receiver, startRunner, waitFor, type Receiver, type TestRunner } from './webhooks-support.ts';

let app: App;
const stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  app = await openTestApp({ events: 60 });
});
afterAll(async () => {
  for (const s of stops) await s();
  await app.close();
});

const counts = async () => {
  const out: Record<string, number> = {};
  for (const t of ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'jobs', 'recurring_tasks']) out[t] = await sqlCount(app, `SELECT count(*) AS n FROM ${t}`);
  return out;
};

describe('bad input', () => {
  it('every method refuses bad input with invalid_input and writes nothing', async () => {
    const { call, raw } = await caller(app);
    const rx = await receiver();
    stops.push(() => rx.close());
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'], networkScope: 'loopback' });
    const uuid = '019a0000-0000-7000-8000-000000000001';
    const cases: [string, unknown][] = [
      ['webhooks.eventTypes', { extra: 1 }],
      ['webhooks.endpoints.list', { x: 1 }],
      ['webhooks.endpoints.get', { endpointId: 'nope' }],
      ['webhooks.endpoints.activity', { endpointId: ep.id, hours: 0 }],
      ['webhooks.endpoints.create', { url: 'ftp://example.com/x', eventTypes: ['*'] }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: [] }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: ['card.exploded'] }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: ['*'], networkScope: 'everything' }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: ['*'], headers: { 'webhook-signature': 'forged' } }],
      ['webhooks.endpoints.create', { url: 'https://user:pw@example.com/x', eventTypes: ['*'] }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: ['*'], concurrency: 0 }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: ['*'], retrySchedule: [10] }],
      ['webhooks.endpoints.create', { url: 'https://example.com/x', eventTypes: ['*'], secret: 'whsec_mine' }],
      ['webhooks.endpoints.update', { endpointId: ep.id, url: 'javascript:alert(1)' }],
      ['webhooks.endpoints.update', { endpointId: ep.id, rateLimit: -1 }],
      ['webhooks.endpoints.disable', { endpointId: 42 }],
      ['webhooks.endpoints.enable', {}],
      ['webhooks.endpoints.rotateSecret', { endpointId: 'x' }],
      ['webhooks.endpoints.revealSecret', { endpointId: null }],
      ['webhooks.endpoints.sendTest', { endpointId: ep.id, payload: 'x' }],
      ['webhooks.deliveries.list', { status: ['lost'] }],
      ['webhooks.deliveries.list', { from: 'yesterday' }],
      ['webhooks.deliveries.list', { limit: 100000 }],
      ['webhooks.deliveries.list', { cursor: 'garbage!' }],
      ['webhooks.deliveries.list', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
      ['webhooks.deliveries.get', { deliveryId: '' }],
      ['webhooks.deliveries.retry', { deliveryId: 'abc' }],
      ['webhooks.deliveries.retryFailed', { endpointId: ep.id, since: 'last week' }],
      ['webhooks.deliveries.retryFailed', { endpointId: ep.id, since: '2999-01-01T00:00:00Z' }],
      ['webhooks.deliveries.cancel', { deliveryId: uuid, now: true }],
      ['webhooks.events.resend', { endpointId: ep.id, eventTable: 'cards', eventId: uuid }],
      ['jobs.list', { status: 'stuck' }],
      ['jobs.list', { cursor: '%%%' }],
      ['jobs.stats', { all: true }],
    ];
    const before = await counts();
    for (const [method, input] of cases) {
      const r = await raw(method, input);
      expect(r.ok, `${method} ${JSON.stringify(input)}`).toBe(false);
      if (!r.ok) {
        expect(r.error.code, `${method} ${JSON.stringify(input)}`).toBe('invalid_input');
        expect(r.error.message.length).toBeGreaterThan(10);
      }
    }
    expect(await counts()).toEqual(before);
  });

  it('another account’s endpoint or delivery is not_found; a viewer cannot manage webhooks', async () => {
    const { call } = await caller(app);
    const rx = await receiver();
    stops.push(() => rx.close());
    const mine = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['webhook.test'], networkScope: 'loopback' });
    const test = await call('webhooks.endpoints.sendTest', { endpointId: mine.id });
    const other = await caller(app);
    const session = await other.call('session.get', {});
    await other.call('session.switchAccount', { accountId: session.accounts.find((a) => a.id !== session.account.id)!.id });
    const before = await counts();
    for (const [m, input] of [
      ['webhooks.endpoints.get', { endpointId: mine.id }],
      ['webhooks.endpoints.disable', { endpointId: mine.id }],
      ['webhooks.endpoints.revealSecret', { endpointId: mine.id }],
      ['webhooks.deliveries.get', { deliveryId: test.id }],
      ['webhooks.deliveries.retry', { deliveryId: test.id }],
      ['webhooks.deliveries.cancel', { deliveryId: test.id }],
    ] as const) {
      const r = await other.raw(m, input);
      expect(r.ok ? 'ok' : r.error.code, m).toBe('not_found');
    }
    expect((await other.call('webhooks.endpoints.list', {})).items.map((e) => e.id)).not.toContain(mine.id);
    // A viewer of the first account.
    const members = await call('members.list', {});
    const viewerId = members.items.find((m) => m.role === 'viewer')?.user.id ?? (await addMember(app, await caller(app), { email: 'viewer@acme.test', name: 'Vera Viewer', role: 'viewer' }));
    const v = await caller(app);
    await v.call('session.switchUser', { userId: viewerId });
    const r = await v.raw('webhooks.endpoints.create', { url: rx.url, eventTypes: ['*'] });
    expect(r.ok ? 'ok' : r.error.code).toBe('forbidden');
    expect((await v.call('webhooks.endpoints.list', {})).items.length).toBeGreaterThan(0);
    const after = await counts();
    expect(after.webhook_endpoints).toBe(before.webhook_endpoints);
    expect(after.webhook_deliveries).toBe(before.webhook_deliveries);
  });
});

describe('secrets', () => {
  it('are whsec_ + 32 bytes, returned on create only, encrypted at rest with a 0600 key file', async () => {
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: 'https://hooks.example.com/in', eventTypes: ['card.moved', 'comment.added'], description: 'CRM' });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(ep.secret.slice(6), 'base64')).toHaveLength(32);
    const list = await call('webhooks.endpoints.list', {});
    expect(JSON.stringify(list)).not.toContain(ep.secret.slice(6));
    expect(JSON.stringify(await call('webhooks.endpoints.get', { endpointId: ep.id }))).not.toContain(ep.secret.slice(6));
    // At rest: no row of any table holds it (both stores)…
    const secretBytes = ep.secret.slice(6);
    for (const table of await tableNames(app)) {
      expect(JSON.stringify(await sqlRows(app, `SELECT * FROM "${table}"`)), table).not.toContain(secretBytes);
    }
    expect((await sqlRow(app, 'SELECT secret_enc FROM webhook_endpoints WHERE id = ?', ep.id)).secret_enc.length).toBeGreaterThan(40);
    // …and on SQLite, neither do the bytes of the file and its WAL (free pages and journal included).
    if (onSqlite) {
      await sqlRows(app, 'PRAGMA wal_checkpoint(TRUNCATE)');
      for (const f of [app.location, app.location + '-wal']) {
        if (fs.existsSync(f)) expect(fs.readFileSync(f).includes(secretBytes)).toBe(false);
      }
    }
    const keyFile = path.join(app.dataDir, 'webhook-secrets.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await call('webhooks.endpoints.revealSecret', { endpointId: ep.id })).secret).toBe(ep.secret);
  });
});

describe('deliveries', () => {
  let rx: Receiver;
  let endpointId: string;
  let runner: TestRunner;
  beforeAll(async () => {
    rx = await receiver((_q, res) => res.end('ok'));
    stops.push(() => rx.close());
    runner = await startRunner(app);
    endpointId = (await (await caller(app)).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created', 'webhook.test'], networkScope: 'loopback' })).id;
    for (let i = 0; i < 5; i++) await emitEvent(app, `list card ${i}`);
    await (await caller(app)).call('webhooks.endpoints.sendTest', { endpointId });
    await waitFor(async () => (await deliveriesOf(app, endpointId)).filter((d) => d.status === 'delivered').length === 6, 'six delivered');
  });
  // One runner at a time: the health tests below start their own with other settings.
  afterAll(() => runner.stop());

  it('lists with filters and a cursor, newest first, and gets one with its attempts', async () => {
    const { call } = await caller(app);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('webhooks.deliveries.list', { endpointId, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect((await call('webhooks.deliveries.list', { endpointId, eventType: 'webhook.test' })).items).toHaveLength(1);
    expect((await call('webhooks.deliveries.list', { endpointId, status: ['failed'] })).items).toHaveLength(0);
    expect((await call('webhooks.deliveries.list', { endpointId, from: new Date(Date.now() + 60_000).toISOString() })).items).toHaveLength(0);
    const d = await call('webhooks.deliveries.get', { deliveryId: seen[0] });
    expect(d.attemptList).toHaveLength(1);
    expect(d.attemptList[0].requestHeaders['webhook-signature']).toBe('v1,<redacted>');
    expect(JSON.parse(d.payload).type).toBeDefined();
    const ep = (await call('webhooks.endpoints.list', {})).items.find((e) => e.id === endpointId)!;
    expect(ep.health).toMatchObject({ delivered: 6, failed: 0, successRate: 1 });
    const activity = await call('webhooks.endpoints.activity', { endpointId, hours: 3 });
    expect(activity.buckets).toHaveLength(3);
    expect(activity.buckets.at(-1)).toMatchObject({ succeeded: 6, failed: 0 });
  });

  it('resends an event to an endpoint as a new delivery', async () => {
    const { call } = await caller(app);
    const original = (await deliveriesOf(app, endpointId)).find((d) => d.event_table === 'card_created')!;
    const again = await call('webhooks.events.resend', { endpointId, eventTable: 'card_created', eventId: original.event_id });
    expect(again.id).not.toBe(original.id);
    runner.runner.wake();
    await waitFor(async () => (await deliveriesOf(app, endpointId)).find((d) => d.id === again.id && d.status === 'delivered'), 'resent');
    expect(rx.requests.find((q) => q.headers['webhook-id'] === again.id)!.body).toBe(original.payload);
  });

  it('cancels a waiting delivery; refuses to cancel a delivered one', async () => {
    const { call, raw } = await caller(app);
    const dead = await receiver();
    await dead.close();
    const ep = await call('webhooks.endpoints.create', { url: dead.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [3_600_000] });
    await emitEvent(app);
    const d = await waitFor(async () => (await deliveriesOf(app, ep.id)).find((x) => x.status === 'retrying'), 'retrying');
    const cancelled = await call('webhooks.deliveries.cancel', { deliveryId: d.id });
    expect(cancelled.status).toBe('cancelled');
    expect((await sqlRow(app, 'SELECT status FROM jobs WHERE id = ?', d.job_id)).status).toBe('cancelled');
    const delivered = (await deliveriesOf(app, endpointId))[0];
    const r = await raw('webhooks.deliveries.cancel', { deliveryId: delivered.id });
    expect(r.ok ? 'ok' : r.error.code).toBe('conflict');
  });

  it('bulk retry of failed deliveries since a time: returns its count, pushes progress, delivers them', async () => {
    const { call } = await caller(app);
    const pushes: any[] = [];
    app.push.subscribe((_a, topic, payload) => topic === 'webhooks.bulk.progress' && void pushes.push(payload));
    // Public scope to localhost: refused in the connection's lookup, failed at once. (A literal 127.0.0.1 would
    // already be refused on create.)
    const ep = await call('webhooks.endpoints.create', { url: rx.url.replace('127.0.0.1', 'localhost'), eventTypes: ['card.created'], networkScope: 'public' });
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 4; i++) await emitEvent(app, `bulk ${i}`);
    await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((d) => d.status === 'failed').length === 4, 'four failed');
    await call('webhooks.endpoints.update', { endpointId: ep.id, networkScope: 'loopback' });
    const { count, bulkId } = await call('webhooks.deliveries.retryFailed', { endpointId: ep.id, since });
    expect(count).toBe(4);
    runner.runner.wake();
    await waitFor(async () => (await deliveriesOf(app, ep.id)).every((d) => d.status === 'delivered'), 'all delivered after bulk retry');
    await waitFor(() => pushes.find((p) => p.bulkId === bulkId && p.finished), 'final progress push');
    expect(pushes.filter((p) => p.bulkId === bulkId).at(-1)).toMatchObject({ done: 4, total: 4, finished: true });
    for (const d of await deliveriesOf(app, ep.id)) {
      expect((await attemptsOf(app, d.id)).map((a) => a.trigger)).toEqual(['scheduled', 'manual']);
    }
    expect(await call('webhooks.deliveries.retryFailed', { endpointId: ep.id, since })).toMatchObject({ count: 0, bulkId: null });
  });
});

describe('endpoint health', () => {
  let current: TestRunner | null = null;
  afterEach(async () => {
    await current?.stop();
    current = null;
  });
  it('circuit breaker: after N failures in a row the endpoint pauses and a burst notification is enqueued', async () => {
    const rx = await receiver((_q, res) => res.writeHead(500).end());
    stops.push(() => rx.close());
    current = await startRunner(app, { breakerThreshold: 3, breakerCoolOffMs: 3_600_000 });
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [3_600_000], concurrency: 1 });
    for (let i = 0; i < 3; i++) {
      await emitEvent(app, `breaker ${i}`);
      await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((d) => d.status === 'retrying').length === i + 1, 'failure');
    }
    const paused = await call('webhooks.endpoints.get', { endpointId: ep.id });
    expect(paused.consecutiveFailures).toBe(3);
    expect(paused.pausedUntil).not.toBeNull();
    const notices = await jobsFor(app, 'notifications.deliveryFailures', ep.id);
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0].args)).toMatchObject({ endpointId: ep.id, failures: 3, since: paused.failingSince });
    // A fourth event waits out the cool-off: no request is made.
    await emitEvent(app, 'breaker 3');
    const waiting = await waitFor(async () => (await deliveriesOf(app, ep.id)).find((d) => d.last_error?.startsWith('Paused until')), 'paused delivery');
    expect(waiting.attempts).toBe(0);
    expect(rx.requests).toHaveLength(3);
  });

  it('an endpoint that only failed for the configured time is disabled with its reason and a notification', async () => {
    const dead = await receiver();
    await dead.close();
    current = await startRunner(app, { disableAfterMs: 150 });
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: dead.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [3_600_000] });
    await emitEvent(app);
    await waitFor(async () => { const ds = await deliveriesOf(app, ep.id); return ds.length === 1 && ds[0].status === 'retrying'; }, 'first failure');
    await new Promise((res) => setTimeout(res, 250));
    await emitEvent(app);
    await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((d) => d.attempts === 1).length === 2, 'second failure');
    const after = await call('webhooks.endpoints.get', { endpointId: ep.id });
    expect(after.status).toBe('disabled');
    expect(after.disabledReason).toMatch(/^Every delivery failed for 0 days \(since /);
    expect(await jobsFor(app, 'notifications.endpointDisabled', ep.id)).toHaveLength(1);
    // Retrying on a disabled endpoint is refused with a sentence.
    const res = await (await caller(app)).raw('webhooks.deliveries.retry', { deliveryId: (await deliveriesOf(app, ep.id))[0].id });
    expect(res.ok ? '' : res.error.message).toMatch(/endpoint is disabled/);
  });

  it('offline: no attempt is spent while the machine is offline; deliveries resume when it is back', async () => {
    let online = false;
    current = await startRunner(app, { isOnline: () => online, offlineRetryMs: 300 });
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: 'http://chronicle-offline-test.invalid/hooks', eventTypes: ['card.created'], retrySchedule: [3_600_000] });
    await emitEvent(app);
    const waiting = await waitFor(async () => (await deliveriesOf(app, ep.id)).find((d) => d.last_error?.startsWith('Waiting for the network')), 'waiting for the network');
    expect(waiting.attempts).toBe(0);
    expect(await attemptsOf(app, waiting.id)).toHaveLength(0);
    await new Promise((res) => setTimeout(res, 700)); // it looked again and still waits
    expect((await deliveriesOf(app, ep.id))[0].attempts).toBe(0);
    online = true;
    // Back online: the attempt happens (and this host name really does not resolve: a DNS failure is recorded).
    const d = await waitFor(async () => (await deliveriesOf(app, ep.id)).find((x) => x.attempts === 1), 'attempt after coming back');
    expect((await attemptsOf(app, d.id))[0].error_kind).toBe('dns');
  });
});
