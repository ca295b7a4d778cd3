// Real deliveries to real receivers on 127.0.0.1, each outcome recorded exactly.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../main/app.ts';
import { createDelivery, eventBody } from '../../main/webhooks/deliver.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, emitEvent, jobsFor, receiver, startRunner, waitFor, type Receiver, type TestRunner } from './webhooks-support.ts';

let app: App;
let r: TestRunner;
const receivers: Receiver[] = [];

beforeAll(async () => {
  app = await openTestApp({ events: 40 });
  // Short enough for the timeout tests, long enough that connecting to 127.0.0.1 on a loaded machine (other test
  // runs share its two cores) fits in an attempt: the attempt's clock includes the connect.
  r = await startRunner(app, { attemptTimeoutMs: 1_500, connectTimeoutMs: 1_000, retryAfterMinMs: 1000 });
});
afterAll(async () => {
  await r.stop();
  await Promise.all(receivers.map((x) => x.close()));
  await app.close();
});

async function endpointFor(handler: Parameters<typeof receiver>[0], extra: Record<string, unknown> = {}) {
  const rx = await receiver(handler);
  receivers.push(rx);
  const ep = await (await caller(app)).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [60_000, 60_000], ...extra } as any);
  return { rx, ep };
}

async function deliverOne(endpointId: string, until: (d: any) => boolean) {
  await emitEvent(app);
  return waitFor(async () => (await deliveriesOf(app, endpointId)).find(until), 'the delivery to settle');
}

describe('deliveries to real receivers', () => {
  it('2xx: delivered, signed per Standard Webhooks (verified with the standardwebhooks package)', async () => {
    const { rx, ep } = await endpointFor((_q, res) => res.writeHead(204).end());
    const d = await deliverOne(ep.id, (x) => x.status === 'delivered');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ response_status: 204, error_kind: null, trigger: 'scheduled', body_size: Buffer.byteLength(d.payload) });
    const req = rx.requests[0];
    expect(req.headers['webhook-id']).toBe(d.id);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^Chronicle\/\d+\.\d+\.\d+/);
    expect(req.headers['x-webhook-event']).toBe('card.created');
    expect(req.body).toBe(d.payload);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ type: 'card.created', data: { id: d.event_id } });
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    // The real verifier accepts it…
    const wh = new Webhook(ep.secret);
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    expect(wh.verify(req.body, headers)).toEqual(body);
    // …refuses a tampered body…
    expect(() => wh.verify(req.body.replace('card.created', 'card.deleted'), headers)).toThrow(/signature/i);
    // …and a stale timestamp (the same request checked 10 minutes later).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 60_000);
    try {
      expect(() => wh.verify(req.body, headers)).toThrow(/timestamp/i);
    } finally {
      vi.useRealTimers();
    }
    // The secret is not in the stored request headers.
    expect(a.request_headers).not.toContain(String(req.headers['webhook-signature']).slice(3, 20));
  });

  it('500: an attempt recorded with status and body, then retrying on the schedule (±20 % jitter)', async () => {
    const { ep } = await endpointFor((_q, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'));
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ response_status: 500, response_body: 'boom', error_kind: 'http', response_truncated: false });
    expect(a.error_message).toBe('The endpoint answered 500.');
    expect(d.attempts).toBe(1);
    expect(d.last_status).toBe(500);
    const delay = d.next_attempt_at - a.created_at;
    expect(delay).toBeGreaterThanOrEqual(48_000);
    expect(delay).toBeLessThanOrEqual(72_000);
  });

  it('429 with Retry-After: the next attempt honours it', async () => {
    const { ep } = await endpointFor((_q, res) => res.writeHead(429, { 'retry-after': '7' }).end('slow down'));
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const [a] = await attemptsOf(app, d.id);
    expect(a.response_status).toBe(429);
    expect(JSON.parse(a.response_headers)['retry-after']).toBe('7');
    expect(d.next_attempt_at - a.created_at).toBe(7000);
  });

  it('410 Gone: the delivery fails, the endpoint is disabled with its reason and a notification is enqueued', async () => {
    const { ep } = await endpointFor((_q, res) => res.writeHead(410).end());
    const d = await deliverOne(ep.id, (x) => x.status === 'failed');
    expect((await attemptsOf(app, d.id))[0].response_status).toBe(410);
    const after = await (await caller(app)).call('webhooks.endpoints.get', { endpointId: ep.id });
    expect(after.status).toBe('disabled');
    expect(after.disabledReason).toMatch(/410 Gone/);
    const notices = await jobsFor(app, 'notifications.endpointDisabled', ep.id);
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0].args)).toEqual({ endpointId: ep.id, reason: after.disabledReason });
  });

  it('301: a failure recorded with its Location, not followed', async () => {
    let followed = 0;
    const { ep } = await endpointFor((q, res) => {
      if (q.url === '/elsewhere') followed++;
      res.writeHead(301, { location: '/elsewhere' }).end();
    });
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ response_status: 301, error_kind: 'redirect' });
    expect(a.error_message).toContain('301 to /elsewhere');
    expect(followed).toBe(0);
  });

  it('a server that never answers: timeout', async () => {
    const { ep } = await endpointFor(() => {});
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ response_status: null, error_kind: 'timeout' });
    expect(a.error_message).toMatch(/did not answer in time/);
    expect(a.duration_ms).toBeGreaterThanOrEqual(1_400);
  });

  it('a reset connection: reset', async () => {
    const { ep } = await endpointFor((q) => q.socket.destroy());
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    expect((await attemptsOf(app, d.id))[0]).toMatchObject({ response_status: null, error_kind: 'reset' });
  });

  it('a 10 MB response: the body is cut at 64 KiB and flagged, memory stays bounded', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const { ep } = await endpointFor((_q, res) => {
      res.writeHead(200, { 'content-length': String(160 * chunk.length) });
      let n = 0;
      const write = () => {
        while (n < 160) {
          n++;
          if (!res.write(chunk)) return res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    const before = process.memoryUsage().rss;
    const d = await deliverOne(ep.id, (x) => x.status === 'delivered');
    const [a] = await attemptsOf(app, d.id);
    expect(a.response_status).toBe(200);
    expect(a.response_truncated).toBe(true);
    expect(a.response_body.length).toBe(64 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a slow drip: status received but the body never completes → timeout, partial body kept', async () => {
    const { ep } = await endpointFor((_q, res) => {
      res.writeHead(200);
      const t = setInterval(() => (res.writableEnded || res.destroyed ? clearInterval(t) : res.write('.')), 100);
      res.on('close', () => clearInterval(t));
    });
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ response_status: 200, error_kind: 'timeout', response_truncated: true });
    expect(a.response_body).toMatch(/^\.+$/);
  });

  it('a refused port: connect', async () => {
    const rx = await receiver();
    await rx.close(); // nothing listens there now
    const ep = await (await caller(app)).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [60_000] });
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const [a] = await attemptsOf(app, d.id);
    expect(a).toMatchObject({ response_status: null, error_kind: 'connect' });
    expect(a.error_message).toMatch(/refused/);
  });

  it('a loopback or private address is refused under the public scope, without connecting', async () => {
    const { rx, ep } = await endpointFor((_q, res) => res.end('should not be reached'));
    const { call } = await caller(app);
    const named = await call('webhooks.endpoints.create', { url: rx.url.replace('127.0.0.1', 'localhost'), eventTypes: ['card.created'] });
    const priv = await call('webhooks.endpoints.create', { url: 'http://10.1.2.3:9/hooks', eventTypes: ['card.created'], networkScope: 'private' });
    // Literal addresses are refused on create now; these two stand for endpoints stored before that check.
    await sqlRows(app, `UPDATE webhook_endpoints SET network_scope = 'public' WHERE id IN (?, ?)`, ep.id, priv.id);
    await emitEvent(app);
    for (const id of [ep.id, named.id, priv.id]) {
      const d = await waitFor(async () => (await deliveriesOf(app, id)).find((x) => x.status === 'failed'), 'refused delivery');
      const [a] = await attemptsOf(app, d.id);
      expect(a.error_kind).toBe('blocked');
      expect(a.error_message).toMatch(/network scope allows public addresses only/);
    }
    expect(rx.requests).toHaveLength(0);
  });

  it('rotation: both signatures are sent during the overlap and each verifies', async () => {
    const { rx, ep } = await endpointFor((_q, res) => res.end('ok'));
    const { call } = await caller(app);
    const rotated = await call('webhooks.endpoints.rotateSecret', { endpointId: ep.id });
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await deliverOne(ep.id, (x) => x.status === 'delivered');
    const req = rx.requests[0];
    const sig = String(req.headers['webhook-signature']);
    expect(sig.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': sig };
    expect(() => new Webhook(rotated.secret).verify(req.body, headers)).not.toThrow();
    expect(() => new Webhook(ep.secret).verify(req.body, headers)).not.toThrow();
    const revealed = await call('webhooks.endpoints.revealSecret', { endpointId: ep.id });
    expect(revealed).toMatchObject({ secret: rotated.secret, previousSecret: ep.secret });
  });

  it('custom headers are sent; a manual retry sends the same bytes with the same webhook-id', async () => {
    const { rx, ep } = await endpointFor((_q, res, n) => res.writeHead(n === 0 ? 500 : 200).end(), { headers: { 'X-Team': 'platform' } });
    const d = await deliverOne(ep.id, (x) => x.status === 'retrying');
    const { call } = await caller(app);
    await call('webhooks.deliveries.retry', { deliveryId: d.id });
    r.runner.wake();
    await waitFor(async () => (await deliveriesOf(app, ep.id)).find((x) => x.id === d.id && x.status === 'delivered'), 'manual retry');
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[0].headers['x-team']).toBe('platform');
    expect(rx.requests[1].headers['webhook-id']).toBe(rx.requests[0].headers['webhook-id']);
    expect(rx.requests[1].body).toBe(rx.requests[0].body);
    const detail = await call('webhooks.deliveries.get', { deliveryId: d.id });
    expect(detail.attemptList.map((a) => [a.trigger, a.responseStatus])).toEqual([['scheduled', 500], ['manual', 200]]);
    expect(detail.attemptList[1].triggeredBy?.name).toBe('Ana Lima');
  });
  it('a burst written in one millisecond: ids ascend in write order (other writers’ ids of other milliseconds in between), each sent once with its own webhook-id', async () => {
    const { rx, ep } = await endpointFor((_q, res) => res.end('ok'), { concurrency: 8 });
    const { ep: other } = await endpointFor((_q, res) => res.end('ok'));
    const accountId = (await app.defaultSession())!.accountId;
    const now = Date.now();
    const ids = await app.store.transaction(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        out.push((await createDelivery(tx, { accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'card.created', payload: eventBody('card.created', new Date(now).toISOString(), { n: i }), now })).id);
        // Between two of them, an id of another millisecond is minted in this process (as the runner's attempts
        // and other commands are, at every await): it must not restart the burst's counter.
        const at = now + 1 + i;
        await createDelivery(tx, { accountId, endpointId: other.id, eventTable: null, eventId: null, eventType: 'card.created', payload: eventBody('card.created', new Date(at).toISOString(), { n: i }), now: at });
      }
      return out;
    });
    expect(new Set(ids).size).toBe(40);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    r.runner.wake();
    await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((x) => x.status === 'delivered').length === 40, 'all 40 delivered');
    expect(rx.requests.map((q) => String(q.headers['webhook-id'])).sort()).toEqual(ids);
    for (const q of rx.requests) expect(JSON.parse(q.body).data.n).toBe(ids.indexOf(String(q.headers['webhook-id'])));
    for (const id of ids) expect(await attemptsOf(app, id)).toHaveLength(1);
  });

  it('failures recorded together each count towards the breaker (one notification at the threshold)', async () => {
    const { rx, ep } = await endpointFor((_q, res) => res.writeHead(500).end('no'), { concurrency: 4 });
    const accountId = (await app.defaultSession())!.accountId;
    const now = Date.now();
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < 8; i++) await createDelivery(tx, { accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'card.created', payload: eventBody('card.created', new Date(now).toISOString(), { n: i }), now });
    });
    r.runner.wake();
    // The breaker threshold is 10: all 8 are attempted once, and their failures add up whatever batches they land in.
    await waitFor(async () => (await deliveriesOf(app, ep.id)).filter((x) => x.status === 'retrying').length === 8, 'all 8 attempted');
    expect(rx.requests).toHaveLength(8);
    const row = await sqlRow(app, 'SELECT consecutive_failures, paused_until, failing_since FROM webhook_endpoints WHERE id = ?', ep.id);
    expect(row).toMatchObject({ consecutive_failures: 8, paused_until: null });
    expect(row.failing_since).not.toBeNull();
    const attempts = await sqlCount(app, 'SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id = ?', ep.id);
    expect(attempts).toBe(8);
  });
});
