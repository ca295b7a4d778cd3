// The Jobs page's detail and actions on both stores, with a real receiver and a real runner: a job's detail
// (arguments, attempts, errors, links to the delivery and endpoint it works on), discard and retry of one and of
// many (a delivery's job through its delivery, so nothing is lost), running jobs and unknown ids skipped with a
// reason, writes for owners and admins only, bad input refused.
import { describe, expect, it } from 'vitest';
import { newId } from '../../db/ids.ts';
import { enqueueJob } from '../../db/jobs.ts';
import { caller, sqlRow, sqlRows } from '../support/workspace.ts';
import { attemptsOf, deliveriesOf, emitEvent, waitFor, webhooksTestApp } from './webhooks-support.ts';

const fx = webhooksTestApp(20);
const rx = fx.receiver;
const DAY = 86_400_000;

describe('a delivery’s job', () => {
  it('shows its arguments, attempts and links; discard ends its delivery cancelled by a person; retry brings it back', async () => {
    let healthy = false;
    const r = await rx((_q, res) => res.writeHead(healthy ? 200 : 503).end());
    await fx.startRunner();
    const { call } = await caller(fx.app);
    const ep = await call('webhooks.endpoints.create', { url: r.url, eventTypes: ['card.created'], networkScope: 'loopback', retrySchedule: [DAY], description: 'Jobs receiver' });
    await emitEvent(fx.app, 'job detail');
    const [d] = await waitFor(async () => { const ds = await deliveriesOf(fx.app, ep.id); return ds[0]?.status === 'retrying' && ds; }, 'retrying');
    const job = await waitFor(async () => { const j = await sqlRow<any>(fx.app, 'SELECT * FROM jobs WHERE id = ?', d.job_id); return j.status === 'ready' && j; }, 'job waiting');

    const detail = await call('jobs.get', { jobId: job.id });
    expect(detail).toMatchObject({ id: job.id, kind: 'webhooks.deliver', status: 'scheduled', args: { deliveryId: d.id }, failedWork: false, retryBlocked: null, discardBlocked: null });
    expect(detail.attemptLog).toHaveLength(1);
    expect(detail.attemptLog[0]).toMatchObject({ outcome: 'failed', status: 503, trigger: 'scheduled' });
    expect(detail.links).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'delivery', id: d.id, href: `/webhooks/deliveries/${d.id}` }),
      expect.objectContaining({ type: 'endpoint', id: ep.id, label: 'Jobs receiver', href: `/webhooks/endpoints/${ep.id}` }),
    ]));

    // Discard: the job is cancelled, its delivery ends cancelled and says who; nothing waits any more.
    const discarded = await call('jobs.discard', { ids: [job.id, '019a0000-0000-7000-8000-00000000abcd'] });
    expect(discarded.done).toEqual([job.id]);
    expect(discarded.skipped).toEqual([{ id: '019a0000-0000-7000-8000-00000000abcd', reason: expect.stringContaining('no such job') }]);
    expect(await sqlRow(fx.app, 'SELECT status, last_error FROM jobs WHERE id = ?', job.id)).toMatchObject({ status: 'cancelled', last_error: expect.stringMatching(/^Discarded by /) });
    expect((await deliveriesOf(fx.app, ep.id))[0]).toMatchObject({ status: 'cancelled', next_attempt_at: null, last_error: expect.stringMatching(/^Cancelled by .+, who discarded its job\.$/) });
    expect((await call('jobs.get', { jobId: job.id })).discardBlocked).toMatch(/already discarded/);
    expect((await call('jobs.discard', { ids: [job.id] })).skipped[0].reason).toMatch(/already discarded/);

    // Retry: through the delivery, as a manual attempt by this person; the fixed receiver takes it.
    healthy = true;
    expect(await call('jobs.retry', { ids: [job.id] })).toEqual({ done: [job.id], skipped: [] });
    await waitFor(async () => (await deliveriesOf(fx.app, ep.id))[0].status === 'delivered', 'delivered after retry');
    expect((await attemptsOf(fx.app, d.id)).map((a) => a.trigger)).toEqual(['scheduled', 'manual']);
    const after = await call('jobs.get', { jobId: job.id });
    expect(after.status).toBe('done');
    expect(after.retryBlocked).toMatch(/finished without an error/);
    expect((await call('jobs.retry', { ids: [job.id] })).skipped).toEqual([{ id: job.id, reason: expect.stringMatching(/nothing to retry/) }]);
  });
});

describe('other jobs, in bulk', () => {
  it('retries failed jobs and discards waiting ones, skipping a running one with its reason', async () => {
    const { call } = await caller(fx.app);
    const accountId = (await fx.app.defaultSession())!.accountId;
    const now = Date.now();
    const make = async (status: string, extra = '') => {
      const id = newId();
      await enqueueJob(fx.app.store, { id, accountId, queue: 'test', kind: 'test.noop', args: { n: id }, runAt: now + DAY, createdAt: now });
      await sqlRows(fx.app, `UPDATE jobs SET status = ?, attempts = 3, last_error = ?, finished_at = ? WHERE id = ?`, status, extra || null, status === 'failed' ? now : null, id);
      return id;
    };
    const failed1 = await make('failed', 'boom 1');
    const failed2 = await make('failed', 'boom 2');
    const running = await make('claimed');
    const waiting = await make('ready');

    const listed = await call('jobs.list', { status: 'failed', queue: 'test' });
    expect(listed.items.map((j) => j.id).sort()).toEqual([failed1, failed2].sort());
    expect((await call('jobs.get', { jobId: failed1 })).lastError).toBe('boom 1');

    const retried = await call('jobs.retry', { ids: [failed1, failed2, running] });
    expect(retried.done.sort()).toEqual([failed1, failed2].sort());
    expect(retried.skipped).toEqual([{ id: running, reason: expect.stringMatching(/running right now/) }]);
    for (const id of [failed1, failed2]) {
      const j = await sqlRow<any>(fx.app, 'SELECT status, last_error, run_at FROM jobs WHERE id = ?', id);
      expect(j).toMatchObject({ status: 'ready', last_error: null });
      expect(j.run_at).toBeLessThanOrEqual(Date.now());
    }
    expect((await sqlRow(fx.app, 'SELECT status FROM jobs WHERE id = ?', running)).status).toBe('claimed');

    const discarded = await call('jobs.discard', { ids: [waiting, running] });
    expect(discarded.done).toEqual([waiting]);
    expect(discarded.skipped).toEqual([{ id: running, reason: expect.stringMatching(/never discarded mid-run/) }]);
    expect((await sqlRow(fx.app, 'SELECT status FROM jobs WHERE id = ?', waiting)).status).toBe('cancelled');
    await sqlRows(fx.app, `DELETE FROM jobs WHERE queue = 'test'`);
  });

  it('refuses bad input and members, changing nothing', async () => {
    const { call, raw } = await caller(fx.app);
    const empty = await raw('jobs.retry', { ids: [] });
    expect(empty.ok ? '' : empty.error.code).toBe('invalid_input');
    const notId = await raw('jobs.discard', { ids: ['nope'] });
    expect(notId.ok ? '' : notId.error.code).toBe('invalid_input');
    expect((await raw('jobs.get', { jobId: '019a0000-0000-7000-8000-00000000abcd' })).ok).toBe(false);

    const accountId = (await fx.app.defaultSession())!.accountId;
    const id = newId();
    await enqueueJob(fx.app.store, { id, accountId, queue: 'test', kind: 'test.noop', args: {}, runAt: Date.now() + DAY, createdAt: Date.now() });
    const member = (await call('members.list', {})).items.find((m) => m.role === 'member')!;
    const m = await caller(fx.app);
    await m.call('session.switchUser', { userId: member.user.id });
    expect((await m.call('jobs.get', { jobId: id })).id).toBe(id); // reading is for every member
    for (const method of ['jobs.retry', 'jobs.discard']) {
      const r = await m.raw(method, { ids: [id] });
      expect(r.ok ? '' : r.error.code).toBe('forbidden');
    }
    expect((await sqlRow(fx.app, 'SELECT status FROM jobs WHERE id = ?', id)).status).toBe('ready');
    await sqlRows(fx.app, `DELETE FROM jobs WHERE queue = 'test'`);
  });
});
