// Recovering from a failing receiver, on both stores, with real receivers and a real job runner: health figures
// that agree with the list (by delivery and by attempt), an attempt in progress shown as such, Resume now for a
// paused endpoint, bulk retry of every delivery not delivered (failed, retrying, paused) with counts per state
// first, a freshly signed curl command that a verifying receiver accepts, and failed work counted as failed.
import { execFile } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { caller, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, emitEvent, waitFor, webhooksTestApp } from './webhooks-support.ts';

const fx = webhooksTestApp(60);
const rx = fx.receiver;

const DAY = 86_400_000;

describe('health figures', () => {
  it('count deliveries by where they are and attempts by outcome, over 7 days, and agree with the list', async () => {
    const r = await rx((_q, res, n) => res.writeHead(n < 3 ? 500 : 200).end());
    await fx.startRunner();
    const { call } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [DAY] });
    await emitEvent(fx.app, 'health 1');
    const [first] = await waitFor(async () => { const ds = await deliveriesOf(fx.app, ep.id); return ds.length === 1 && ds[0].status === 'retrying' && ds; }, 'first failure');
    for (let i = 0; i < 3; i++) {
      await call('webhooks.deliveries.retry', { deliveryId: first.id });
      await waitFor(async () => (await attemptsOf(fx.app, first.id)).length === i + 2 && (await deliveriesOf(fx.app, ep.id))[0].status !== 'delivering', `attempt ${i + 2}`);
    }
    await emitEvent(fx.app, 'health 2');
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.status === 'delivered').length === 2, 'both delivered');

    const health = (await call('webhooks.endpoints.get', { endpointId: ep.id })).health;
    // Deliveries: 2, both delivered (100 % of the deliveries that ended) …
    expect(health).toMatchObject({ windowDays: 7, total: 2, delivered: 2, failed: 0, pending: 0, delivering: 0, cancelled: 0, successRate: 1 });
    // … after 5 attempts, 3 of which failed: both figures, each saying what it counts.
    expect(health.attempts).toEqual({ total: 5, succeeded: 2, failed: 3, successRate: 0.4 });
    const listed = (await call('webhooks.endpoints.list', {})).items.find((e) => e.id === ep.id)!;
    expect(listed.health).toEqual(health);
    // The figures are those of the delivery list and of the attempt log.
    const list = (await call('webhooks.deliveries.list', { endpointId: ep.id })).items;
    expect(list.filter((d) => d.status === 'delivered')).toHaveLength(health.delivered);
    expect(await sqlCount(fx.app, 'SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id = ? AND error_kind IS NOT NULL', ep.id)).toBe(health.attempts.failed);
  });

  it('an attempt in progress shows as such: delivering, with the time it started, not "pending, no attempt yet"', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const r = await rx((_q, res) => void held.then(() => res.end('ok')));
    await fx.startRunner({ attemptTimeoutMs: 20_000 });
    const { call } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback' });
    await emitEvent(fx.app, 'hanging');
    await waitFor(() => r.requests.length === 1, 'the attempt reached the receiver');
    const [d] = await deliveriesOf(fx.app, ep.id);
    const detail = await call('webhooks.deliveries.get', { deliveryId: d.id });
    expect(detail.status).toBe('delivering');
    expect(detail.attemptList).toHaveLength(0); // not finished yet, so not logged yet …
    expect(detail.attemptStartedAt).not.toBeNull(); // … but under way since the claim
    expect(Date.now() - Date.parse(detail.attemptStartedAt!)).toBeLessThan(30_000);
    expect(detail.nextAttemptAt).toBeNull();
    expect((await call('webhooks.deliveries.list', { endpointId: ep.id })).items[0]).toMatchObject({ status: 'delivering', attemptStartedAt: detail.attemptStartedAt });
    expect((await call('webhooks.endpoints.get', { endpointId: ep.id })).health).toMatchObject({ pending: 1, delivering: 1 });
    release();
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id))[0].status === 'delivered', 'delivered');
    expect((await call('webhooks.deliveries.get', { deliveryId: d.id })).attemptStartedAt).toBeNull();
  });

  it('a delivery that failed for good fails its job: the Jobs page counts and lists it as failed, with the reason', async () => {
    const r = await rx((_q, res) => res.writeHead(500).end('down'));
    await fx.startRunner();
    const { call } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [DAY] });
    const failedBefore = (await call('jobs.stats', {})).queues.find((q) => q.queue === 'webhooks')?.failed ?? 0;
    await emitEvent(fx.app, 'fails for good');
    const [d] = await waitFor(async () => { const ds = await deliveriesOf(fx.app, ep.id); return ds[0]?.status === 'retrying' && ds; }, 'retrying');
    await call('webhooks.deliveries.retry', { deliveryId: d.id }); // the schedule's last attempt
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id))[0].status === 'failed', 'failed for good');
    const job = await waitFor(async () => { const j = await sqlRow(fx.app, 'SELECT * FROM jobs WHERE id = ?', d.job_id); return j.status !== 'claimed' && j; }, 'job recorded');
    expect(job).toMatchObject({ status: 'failed', last_error: 'The endpoint answered 500.' });
    const stats = (await call('jobs.stats', {})).queues.find((q) => q.queue === 'webhooks')!;
    expect(stats.failed).toBe(failedBefore + 1);
    expect((await call('jobs.list', { status: 'failed', kind: 'webhooks.deliver' })).items.map((j) => j.id)).toContain(d.job_id);

    // A job recorded before this (done, its error as a note, its delivery failed) reads as failed as well.
    await sqlRows(fx.app, `UPDATE jobs SET status = 'done' WHERE id = ?`, d.job_id);
    const legacy = (await call('jobs.stats', {})).queues.find((q) => q.queue === 'webhooks')!;
    expect(legacy.failed).toBe(stats.failed);
    expect(legacy.done).toBe(stats.done);
    expect((await call('jobs.list', { status: 'failed', kind: 'webhooks.deliver' })).items.find((j) => j.id === d.job_id)?.status).toBe('failed');
    expect((await call('jobs.list', { status: 'done', kind: 'webhooks.deliver' })).items.map((j) => j.id)).not.toContain(d.job_id);
    expect((await call('jobs.get', { jobId: d.job_id })).failedWork).toBe(true);
  });
});

describe('recovery', () => {
  it('Resume now ends a paused endpoint’s pause and every waiting delivery is sent at once', async () => {
    let healthy = false;
    const r = await rx((_q, res) => res.writeHead(healthy ? 200 : 500).end());
    await fx.startRunner({ breakerThreshold: 2, breakerCoolOffMs: 3_600_000 });
    const { call, raw } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [DAY, DAY] });
    for (let i = 0; i < 2; i++) {
      await emitEvent(fx.app, `resume ${i}`);
      await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.status === 'retrying').length === i + 1, `failure ${i + 1}`);
    }
    expect((await call('webhooks.endpoints.get', { endpointId: ep.id })).pausedUntil).not.toBeNull();
    for (let i = 0; i < 2; i++) await emitEvent(fx.app, `held ${i}`);
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.last_error?.startsWith('Paused until')).length === 2, 'two held by the breaker');
    expect(r.requests).toHaveLength(2);

    healthy = true; // the receiver was fixed
    const resumed = await call('webhooks.endpoints.resume', { endpointId: ep.id });
    expect(resumed.released).toBe(4);
    expect(resumed.endpoint.pausedUntil).toBeNull();
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).every((d) => d.status === 'delivered'), 'all four delivered after Resume now', 20_000);
    expect(r.requests).toHaveLength(6);
    for (const d of await deliveriesOf(fx.app, ep.id)) expect(d.last_error).toBeNull();
    // Not paused any more: a second resume says so and changes nothing.
    const again = await raw('webhooks.endpoints.resume', { endpointId: ep.id });
    expect(again.ok ? '' : again.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('not paused') });
  });

  it('a success that ends the pause (one Retry now) releases the deliveries the breaker held, not only the one retried', async () => {
    let healthy = false;
    const r = await rx((_q, res) => res.writeHead(healthy ? 200 : 500).end());
    await fx.startRunner({ breakerThreshold: 2, breakerCoolOffMs: 3_600_000 });
    const { call } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [DAY, DAY] });
    for (let i = 0; i < 2; i++) {
      await emitEvent(fx.app, `release ${i}`);
      await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.status === 'retrying').length === i + 1, `failure ${i + 1}`);
    }
    for (let i = 0; i < 2; i++) await emitEvent(fx.app, `held by breaker ${i}`);
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.last_error?.startsWith('Paused until')).length === 2, 'two held by the breaker');

    healthy = true;
    const [first, second] = await deliveriesOf(fx.app, ep.id);
    await call('webhooks.deliveries.retry', { deliveryId: first.id });
    // The held ones go at once (before the fix they waited out the hour); the one waiting for its own retry in a
    // day keeps its schedule.
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.status === 'delivered').length === 3, 'the retried one and both held ones delivered', 20_000);
    const after = await deliveriesOf(fx.app, ep.id);
    expect(after.find((d) => d.id === second.id)).toMatchObject({ status: 'retrying' });
    expect(after.filter((d) => d.last_error?.startsWith('Paused until'))).toHaveLength(0);
    expect((await call('webhooks.endpoints.get', { endpointId: ep.id })).pausedUntil).toBeNull();
  });

  it('bulk retry takes every delivery not delivered since a time, with counts per state before confirming', async () => {
    let healthy = false;
    const r = await rx((_q, res) => res.writeHead(healthy ? 200 : 500).end());
    await fx.startRunner({ breakerThreshold: 3, breakerCoolOffMs: 3_600_000 });
    const { call } = await caller(fx.app);
    const since = new Date(Date.now() - 1000).toISOString();
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [7 * DAY], concurrency: 1 });
    const byTitle = async (n: number) => (await deliveriesOf(fx.app, ep.id))[n];
    // 1: failed for good (both of its attempts failed); 2: waiting to retry in 7 days; 3: held by the breaker.
    await emitEvent(fx.app, 'bulk failed');
    await waitFor(async () => (await byTitle(0))?.status === 'retrying', '1 retrying');
    await call('webhooks.deliveries.retry', { deliveryId: (await byTitle(0)).id });
    await waitFor(async () => (await byTitle(0)).status === 'failed', '1 failed');
    await emitEvent(fx.app, 'bulk retrying');
    await waitFor(async () => (await byTitle(1))?.status === 'retrying', '2 retrying');
    await emitEvent(fx.app, 'bulk paused');
    await waitFor(async () => (await byTitle(2))?.last_error?.startsWith('Paused until'), '3 held by the breaker');

    const preview = await call('webhooks.deliveries.retryPreview', { endpointId: ep.id, since });
    expect(preview).toEqual({ counts: { failed: 1, retrying: 1, pending: 0, paused: 1 }, total: 3, delivering: 0 });
    // The old meaning (failed only) is one choice among the states.
    const onlyFailed = await call('webhooks.deliveries.retryPreview', { endpointId: ep.id, since: new Date().toISOString() });
    expect(onlyFailed.total).toBe(0); // nothing changed since now

    healthy = true;
    const pushes: any[] = [];
    const off = fx.app.push.subscribe((_a, topic, payload) => topic === 'webhooks.bulk.progress' && void pushes.push(payload));
    try {
      const started = await call('webhooks.deliveries.retryFailed', { endpointId: ep.id, since });
      expect(started).toMatchObject({ count: 3, counts: { failed: 1, retrying: 1, pending: 0, paused: 1 } });
      fx.runner!.runner.wake();
      await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).every((d) => d.status === 'delivered'), 'all three delivered', 20_000);
      await waitFor(() => pushes.find((p) => p.bulkId === started.bulkId && p.finished), 'the final progress push');
      expect(pushes.filter((p) => p.bulkId === started.bulkId).at(-1)).toMatchObject({ done: 3, total: 3, finished: true });
    } finally {
      off();
    }
    // Every retried one was a manual attempt by the person who asked.
    for (const d of await deliveriesOf(fx.app, ep.id)) expect((await attemptsOf(fx.app, d.id)).at(-1)).toMatchObject({ trigger: 'manual', error_kind: null });
    expect((await call('webhooks.deliveries.retryPreview', { endpointId: ep.id, since })).total).toBe(0);
  });

  it('bulk retry of chosen states only leaves the others waiting', async () => {
    const r = await rx((_q, res) => res.writeHead(500).end());
    await fx.startRunner();
    const { call } = await caller(fx.app);
    const since = new Date(Date.now() - 1000).toISOString();
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [7 * DAY] });
    await emitEvent(fx.app, 'chosen 1');
    await emitEvent(fx.app, 'chosen 2');
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id)).filter((d) => d.status === 'retrying').length === 2, 'two retrying');
    await call('webhooks.deliveries.retry', { deliveryId: (await deliveriesOf(fx.app, ep.id))[0].id });
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id))[0].status === 'failed', 'one failed');
    const started = await call('webhooks.deliveries.retryFailed', { endpointId: ep.id, since, states: ['failed'] });
    expect(started).toMatchObject({ count: 1, counts: { failed: 1, retrying: 0, pending: 0, paused: 0 } });
    await waitFor(async () => (await sqlRow(fx.app, 'SELECT status FROM jobs WHERE id = ?', started.bulkId)).status === 'done', 'the bulk job done');
    const [a, b] = await deliveriesOf(fx.app, ep.id);
    await waitFor(async () => (await attemptsOf(fx.app, a.id)).length === 3, 'the failed one tried again');
    expect(await attemptsOf(fx.app, b.id)).toHaveLength(1); // the retrying one kept its schedule
    expect((await deliveriesOf(fx.app, ep.id))[1].status).toBe('retrying');
  });
});

describe('Copy as curl, freshly signed', () => {
  it('signs with the current secret at the current time: a receiver that verifies accepts the command as is', async () => {
    const r = await rx((_q, res) => res.end('ok'));
    await fx.startRunner();
    const { call, raw } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', headers: { 'x-team': 'ops' } });
    await emitEvent(fx.app, 'curl me');
    const [d] = await waitFor(async () => { const ds = await deliveriesOf(fx.app, ep.id); return ds[0]?.status === 'delivered' && ds; }, 'delivered');
    // The logged attempt is redacted: it cannot verify.
    expect((await call('webhooks.deliveries.get', { deliveryId: d.id })).attemptList[0].requestHeaders['webhook-signature']).toBe('v1,<redacted>');
    await new Promise((res) => setTimeout(res, 1100)); // a later second than the attempt's
    const signed = await call('webhooks.deliveries.signedCurl', { deliveryId: d.id });
    expect(Math.abs(Date.now() - Date.parse(signed.signedAt))).toBeLessThan(10_000);
    expect(Number(signed.headers['webhook-timestamp'])).toBeGreaterThan(Number(r.requests[0].headers['webhook-timestamp']));
    expect(signed.headers['webhook-id']).toBe(d.id);
    expect(signed.headers['x-team']).toBe('ops');
    expect(signed.body).toBe(d.payload);

    // Run the command itself, as a person pasting it would, against a receiver that checks the signature.
    const verified: string[] = [];
    const checking = await rx((q, res, n) => {
      try {
        new Webhook(ep.secret).verify(checking.requests[n].body, q.headers as Record<string, string>);
        verified.push(String(q.headers['webhook-id']));
        res.writeHead(204).end();
      } catch (err) {
        res.writeHead(401).end((err as Error).message);
      }
    });
    const command = signed.command.replace(r.url, checking.url);
    const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('bash', ['-c', `${command} -s -o /dev/null -w '%{http_code}'`], (err, stdout) => resolve({ code: err ? 1 : 0, stdout })),
    );
    expect(out).toEqual({ code: 0, stdout: '204' });
    expect(verified).toEqual([d.id]);

    // A member is not allowed to see the secret, so not a signature made with it either.
    const members = await call('members.list', {});
    const member = members.items.find((m) => m.role === 'member')!;
    const m = await caller(fx.app);
    await m.call('session.switchUser', { userId: member.user.id });
    const refused = await m.raw('webhooks.deliveries.signedCurl', { deliveryId: d.id });
    expect(refused.ok ? '' : refused.error.code).toBe('forbidden');
    expect((await raw('webhooks.deliveries.signedCurl', { deliveryId: '019a0000-0000-7000-8000-000000000001' })).ok).toBe(false);
  });
});
