// The network scope against real servers on 127.0.0.1: every spelling of a loopback address is refused under
// `public`, at delivery (inside the connection's lookup, or before connecting for IP literals) and already
// when an endpoint is created or changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { scopedLookup } from '../../main/webhooks/network.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, emitEvent, receiver, startRunner, waitFor, type Receiver } from './webhooks-support.ts';

let app: App;
let r: Awaited<ReturnType<typeof startRunner>>;
const receivers: Receiver[] = [];

beforeAll(async () => {
  app = await openTestApp({ events: 40 });
  r = await startRunner(app, { attemptTimeoutMs: 1500, connectTimeoutMs: 1000 });
});
afterAll(async () => {
  await r.stop();
  await Promise.all(receivers.map((x) => x.close()));
  await app.close();
});

async function rx() {
  const x = await receiver((_q, res) => res.end('secret loopback answer'));
  receivers.push(x);
  return x;
}
const endpointCount = () => sqlCount(app, 'SELECT count(*) AS n FROM webhook_endpoints');

describe('delivery-time checks', () => {
  it('http://[::ffff:127.0.0.1]:PORT/ reaches a loopback server under `loopback`, and is blocked under `public`', async () => {
    const open = await rx();
    const closed = await rx();
    const mapped = (port: number) => `http://[::ffff:127.0.0.1]:${port}/hooks`;
    const { call } = await caller(app);
    const control = await call('webhooks.endpoints.create', { url: mapped(open.port), eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [60_000] });
    const target = await call('webhooks.endpoints.create', { url: mapped(closed.port), eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [60_000] });
    // An endpoint stored before endpoints were checked on create: its scope says public, its URL is loopback.
    await sqlRows(app, `UPDATE webhook_endpoints SET network_scope = 'public' WHERE id = ?`, target.id);
    await emitEvent(app);

    // The mapped spelling really reaches the loopback server (so the refusal below is not an accident)…
    await waitFor(async () => (await deliveriesOf(app, control.id)).find((d) => d.status === 'delivered'), 'the control delivery');
    expect(open.requests).toHaveLength(1);
    // …and under `public` nothing connects, nothing of the server's is stored, the reason is a sentence.
    const d = await waitFor(async () => (await deliveriesOf(app, target.id)).find((x) => x.status === 'failed'), 'the refused delivery');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ error_kind: 'blocked', response_status: null, response_body: null });
    expect(a.error_message).toBe(
      "[::ffff:7f00:1] is a loopback address, but this endpoint's network scope allows public addresses only. Change the endpoint's network scope to reach it.",
    );
    expect(closed.requests).toHaveLength(0);
  });

  it('the connection’s own lookup refuses what the resolver returns outside the scope', async () => {
    const lookup = (host: string, scope: 'public' | 'private' | 'loopback') =>
      new Promise<{ err: (Error & { code?: string }) | null; address: unknown }>((resolve) =>
        scopedLookup(scope)(host, {}, (err, address) => resolve({ err, address })),
      );
    // The OS resolver hands literals back as they are: the same check applies to what a name resolves to.
    for (const host of ['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::7f00:1', '::7f00:1', '169.254.169.254', '::ffff:a9fe:a9fe', '100.64.0.1', 'fec0::1', '198.18.0.1']) {
      const { err } = await lookup(host, 'public');
      expect(err?.code, host).toBe('ENETSCOPE');
      expect(err?.message, host).toMatch(/network scope allows public addresses only/);
    }
    expect((await lookup('100.64.0.1', 'private')).err).toBeNull();
    expect((await lookup('169.254.169.254', 'private')).err?.code).toBe('ENETSCOPE');
    expect((await lookup('localhost', 'loopback')).err).toBeNull();
    expect((await lookup('8.8.8.8', 'public')).address).toBe('8.8.8.8');
  });
});

describe('create and update refuse a literal address outside the scope', () => {
  it('create: invalid_input on url with a sentence, and no endpoint is written', async () => {
    const server = await rx();
    const { raw } = await caller(app);
    const before = await endpointCount();
    for (const [url, scope] of [
      [`http://[::ffff:127.0.0.1]:${server.port}/hooks`, 'public'],
      [`http://127.0.0.1:${server.port}/hooks`, 'public'],
      ['http://[::ffff:a00:1]/hooks', 'public'],
      ['http://169.254.169.254/latest/meta-data/', 'private'],
      ['http://[64:ff9b::a9fe:a9fe]/', 'private'],
      ['http://[fec0::1]/', 'public'],
    ] as const) {
      const res = await raw('webhooks.endpoints.create', { url, eventTypes: ['card.created'], networkScope: scope });
      expect(res.ok, url).toBe(false);
      if (res.ok) continue;
      expect(res.error.code).toBe('invalid_input');
      expect(res.error.issues?.[0].path).toEqual(['url']);
      expect(res.error.message).toMatch(/ is a (loopback|private|link-local) address, but this endpoint's network scope allows /);
    }
    // No scope given means public.
    const implicit = await raw('webhooks.endpoints.create', { url: `http://127.0.0.1:${server.port}/`, eventTypes: ['card.created'] });
    expect(implicit.ok).toBe(false);
    expect(await endpointCount()).toBe(before);
    expect(server.requests).toHaveLength(0);
  });

  it('update: changing the scope or the URL so that they disagree is refused; a consistent change passes', async () => {
    const server = await rx();
    const { call, raw } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: `http://127.0.0.1:${server.port}/hooks`, eventTypes: ['card.created'], networkScope: 'loopback' });
    const narrowed = await raw('webhooks.endpoints.update', { endpointId: ep.id, networkScope: 'public' });
    expect(narrowed.ok).toBe(false);
    if (!narrowed.ok) expect(narrowed.error.message).toMatch(/^127\.0\.0\.1 is a loopback address, but this endpoint's network scope allows public addresses only\./);
    const moved = await call('webhooks.endpoints.update', { endpointId: ep.id, url: 'https://hooks.example.com/in', networkScope: 'public' });
    expect(moved).toMatchObject({ url: 'https://hooks.example.com/in', networkScope: 'public' });
    const back = await raw('webhooks.endpoints.update', { endpointId: ep.id, url: 'http://[::ffff:192.168.1.20]/in' });
    expect(back.ok).toBe(false);
    const row = await sqlRow(app, 'SELECT url, network_scope FROM webhook_endpoints WHERE id = ?', ep.id);
    expect(row).toEqual({ url: 'https://hooks.example.com/in', network_scope: 'public' });
  });
});
