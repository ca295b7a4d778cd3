// The generic job runner: claim/heartbeat/reclaim, retries, unknown kinds, concurrency keys, recurring tasks,
// two runners on one file, and the worker thread the app starts.
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../db/ids.ts';
import { enqueueJob } from '../../db/jobs.ts';
import { openDatabase } from '../../db/open.ts';
import type { Sqlite } from '../../db/sql.ts';
import { createApp, type App } from '../../main/app.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import type { JobKind } from '../../main/jobs/types.ts';
import { caller, openTestApp, tempDbFile } from '../support/workspace.ts';
import { deliveriesOf, emitEvent, receiver, waitFor } from './webhooks-support.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function appWithAccount(): Promise<{ app: App; accountId: string }> {
  const app = await openTestApp({ events: 5 });
  cleanup.push(() => app.close());
  // The demo's own fan-out jobs are not what these tests look at.
  app.sqlite.prepare(`DELETE FROM jobs`).run();
  return { app, accountId: app.defaultSession()!.accountId };
}

function runner(app: App, kinds: Record<string, JobKind>, extra: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
  const sqlite = openDatabase(app.dbFile);
  const r = new JobRunner({ sqlite, dataDir: app.dataDir, kinds, pollMs: 10, heartbeatMs: 100, publish: () => {}, ...extra });
  r.start();
  cleanup.push(async () => {
    await r.stop();
    sqlite.close();
  });
  return r;
}

function add(s: Sqlite, accountId: string, kind: string, args: Record<string, unknown> = {}, extra: Partial<Parameters<typeof enqueueJob>[1]> = {}) {
  const id = newId();
  enqueueJob(s, { id, accountId, queue: 'test', kind, args, runAt: Date.now(), createdAt: Date.now(), ...extra });
  return id;
}
const job = (s: Sqlite, id: string) => s.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as any;

describe('job runner', () => {
  it('runs a job and marks it done; a handler commit is atomic with completion', async () => {
    const { app, accountId } = await appWithAccount();
    const seen: unknown[] = [];
    const r = runner(app, {
      'test.ok': { queue: 'test', handle: (_c, args) => ({ commit: (tx) => void tx.prepare(`UPDATE accounts SET name = ? WHERE id = ?`).run(String(args.name), accountId), note: 'fine' }) },
      'test.seen': { queue: 'test', handle: (_c, args) => void seen.push(args) },
    });
    const a = add(app.sqlite, accountId, 'test.ok', { name: 'Renamed by a job' });
    const b = add(app.sqlite, accountId, 'test.seen', { n: 1 });
    r.wake();
    await waitFor(() => job(app.sqlite, a).status === 'done' && job(app.sqlite, b).status === 'done', 'jobs done');
    expect((app.sqlite.prepare('SELECT name FROM accounts WHERE id = ?').get(accountId) as any).name).toBe('Renamed by a job');
    expect(seen).toEqual([{ n: 1 }]);
    expect(job(app.sqlite, a)).toMatchObject({ attempts: 1, claimed_by: null, last_error: 'fine' });
  });

  it('claims by priority, then run_at, then the order jobs were written (ids of one millisecond are random)', async () => {
    const { app, accountId } = await appWithAccount();
    const seen: number[] = [];
    const at = Date.now();
    // Ids minted in reverse order of writing, all due at the same moment; one urgent job written last.
    const ids = ['019a0000-0000-7000-8000-00000000000c', '019a0000-0000-7000-8000-00000000000b', '019a0000-0000-7000-8000-00000000000a'];
    app.sqlite.transaction(() => {
      ids.forEach((id, n) => enqueueJob(app.sqlite, { id, accountId, queue: 'test', kind: 'test.order', args: { n }, runAt: at, createdAt: at }));
      enqueueJob(app.sqlite, { id: newId(), accountId, queue: 'test', kind: 'test.order', args: { n: 9 }, runAt: at, createdAt: at, priority: 10 });
    })();
    const r = runner(app, { 'test.order': { queue: 'test', handle: (_c, args) => void seen.push(Number(args.n)) } }, { concurrency: 1 });
    r.wake();
    await waitFor(() => seen.length === 4, 'all four ran');
    expect(seen).toEqual([9, 0, 1, 2]);
  });

  it('a job of an unknown kind fails at once with a clear last_error (never vanishes)', async () => {
    const { app, accountId } = await appWithAccount();
    const r = runner(app, { 'test.known': { queue: 'test', handle: () => {} } });
    const id = add(app.sqlite, accountId, 'reports.nobodyRegisteredThis');
    r.wake();
    const row = await waitFor(() => (job(app.sqlite, id).status === 'failed' ? job(app.sqlite, id) : null), 'unknown kind failed');
    expect(row.last_error).toMatch(/No handler is registered for job kind “reports.nobodyRegisteredThis”/);
    expect(row.last_error).toContain('test.known');
    expect(row.finished_at).not.toBeNull();
  });

  it('a throwing handler is retried with backoff, then failed with its error after max_attempts', async () => {
    const { app, accountId } = await appWithAccount();
    let calls = 0;
    const r = runner(app, { 'test.boom': { queue: 'test', handle: () => { calls++; throw new Error('the disk is on fire'); } } });
    const id = add(app.sqlite, accountId, 'test.boom', {}, { maxAttempts: 3 });
    r.wake();
    await waitFor(() => job(app.sqlite, id).attempts === 1 && job(app.sqlite, id).status === 'ready', 'first failure rescheduled');
    const first = job(app.sqlite, id);
    expect(first.last_error).toBe('the disk is on fire');
    expect(first.run_at - Date.now()).toBeGreaterThan(500); // backoff, not an immediate loop
    // Make it due again twice: the third failure is final.
    for (let i = 0; i < 2; i++) {
      app.sqlite.prepare(`UPDATE jobs SET run_at = 0 WHERE id = ? AND status = 'ready'`).run(id);
      r.wake();
      await waitFor(() => job(app.sqlite, id).attempts === i + 2 && job(app.sqlite, id).status !== 'claimed', 'next failure');
    }
    expect(job(app.sqlite, id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'the disk is on fire' });
    expect(calls).toBe(3);
  });

  it('a claim whose worker stopped heartbeating is taken back and run again', async () => {
    const { app, accountId } = await appWithAccount();
    const id = add(app.sqlite, accountId, 'test.once');
    // A worker that died: claimed long ago, heartbeat stale.
    app.sqlite.prepare(`UPDATE jobs SET status = 'claimed', claimed_by = 'dead-worker', claimed_at = 1, heartbeat_at = 1, attempts = 1 WHERE id = ?`).run(id);
    let ran = 0;
    const r = runner(app, { 'test.once': { queue: 'test', handle: () => void ran++ } }, { staleMs: 500 });
    await waitFor(() => job(app.sqlite, id).status === 'done', 'reclaimed job done');
    expect(ran).toBe(1);
    expect(r.stats.reclaimed).toBe(1);
    expect(job(app.sqlite, id).attempts).toBe(2);
  });

  it('a live claim is not taken back while its worker heartbeats', async () => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const kinds = { 'test.slow': { queue: 'test', handle: async () => { runs++; await gate; } } };
    const a = runner(app, kinds, { staleMs: 800, workerId: 'A' });
    const id = add(app.sqlite, accountId, 'test.slow');
    a.wake();
    await waitFor(() => job(app.sqlite, id).claimed_by === 'A', 'claimed by A');
    runner(app, kinds, { staleMs: 800, workerId: 'B' });
    await new Promise((r) => setTimeout(r, 2000)); // more than two stale windows
    expect(job(app.sqlite, id).claimed_by).toBe('A');
    release();
    await waitFor(() => job(app.sqlite, id).status === 'done', 'done');
    expect(runs).toBe(1);
  });

  it('two runners on one file never run the same job twice', async () => {
    const { app, accountId } = await appWithAccount();
    const runs = new Map<string, number>();
    const kinds = { 'test.count': { queue: 'test', handle: async (c: { job: { id: string } }) => { runs.set(c.job.id, (runs.get(c.job.id) ?? 0) + 1); await new Promise((r) => setTimeout(r, 2)); } } };
    const ids = app.sqlite.transaction(() => Array.from({ length: 300 }, () => add(app.sqlite, accountId, 'test.count')))();
    runner(app, kinds, { workerId: 'one', concurrency: 8 });
    runner(app, kinds, { workerId: 'two', concurrency: 8 });
    await waitFor(() => (app.sqlite.prepare(`SELECT count(*) n FROM jobs WHERE status = 'done'`).get() as any).n === 300, 'all done');
    expect(ids.every((id) => runs.get(id) === 1)).toBe(true);
  });

  it('respects a per-key concurrency limit across runners', async () => {
    const { app, accountId } = await appWithAccount();
    let now = 0;
    let peak = 0;
    const kinds: Record<string, JobKind> = {
      'test.limited': {
        queue: 'test',
        concurrencyLimit: () => 2,
        handle: async () => { now++; peak = Math.max(peak, now); await new Promise((r) => setTimeout(r, 15)); now--; },
      },
    };
    app.sqlite.transaction(() => { for (let i = 0; i < 30; i++) add(app.sqlite, accountId, 'test.limited', {}, { concurrencyKey: 'k1' }); })();
    runner(app, kinds, { workerId: 'x', concurrency: 10 });
    runner(app, kinds, { workerId: 'y', concurrency: 10 });
    await waitFor(() => (app.sqlite.prepare(`SELECT count(*) n FROM jobs WHERE status = 'done'`).get() as any).n === 30, 'all done');
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
  });

  it('a saturated concurrency key does not hide other due work behind its backlog', async () => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    const kinds: Record<string, JobKind> = {
      'test.stuck': { queue: 'test', concurrencyLimit: () => 1, handle: async () => { await gate; } },
      'test.free': { queue: 'test', handle: (c) => void done.push(c.job.id) },
    };
    app.sqlite.transaction(() => {
      for (let i = 0; i < 50; i++) add(app.sqlite, accountId, 'test.stuck', {}, { concurrencyKey: 'slow-endpoint', runAt: Date.now() - 10_000 });
    })();
    const free = Array.from({ length: 3 }, () => add(app.sqlite, accountId, 'test.free'));
    runner(app, kinds, { concurrency: 4 });
    await waitFor(() => done.length === 3, 'the later, unrelated jobs ran');
    expect(done.sort()).toEqual([...free].sort());
    expect((app.sqlite.prepare(`SELECT count(*) n FROM jobs WHERE status = 'claimed'`).get() as any).n).toBe(1);
    release();
  });

  it('recurring tasks are rows per account with a next run; a due one enqueues a job', async () => {
    const { app } = await appWithAccount();
    let runs = 0;
    const kinds: Record<string, JobKind> = { 'test.every': { queue: 'maintenance', every: 60_000, handle: () => void runs++ } };
    const r = runner(app, kinds);
    const accounts = (app.sqlite.prepare('SELECT count(*) n FROM accounts').get() as any).n;
    const rows = await waitFor(() => {
      const list = app.sqlite.prepare(`SELECT * FROM recurring_tasks WHERE kind = 'test.every'`).all() as any[];
      return list.length === accounts ? list : null;
    }, 'recurring rows');
    expect(rows[0].next_run_at - rows[0].created_at).toBe(60_000);
    app.sqlite.prepare(`UPDATE recurring_tasks SET next_run_at = ? WHERE kind = 'test.every'`).run(Date.now() - 5 * 60_000);
    r.wake();
    await waitFor(() => runs === accounts, 'each account ran once');
    const after = app.sqlite.prepare(`SELECT * FROM recurring_tasks WHERE kind = 'test.every'`).all() as any[];
    for (const t of after) {
      expect(t.next_run_at).toBeGreaterThan(Date.now()); // missed runs collapse into one
      expect(t.last_job_id).not.toBeNull();
    }
    const stats = await caller(app).call('jobs.stats', {});
    expect(stats.recurring.map((t) => t.kind)).toContain('test.every');
  });
});

describe('the app’s worker thread', () => {
  it('createApp({background:true}) runs the dispatcher in a worker and forwards its pushes', async () => {
    const dbFile = tempDbFile();
    const seed = await openTestApp({ dbFile, events: 5 });
    await seed.close();
    const app = await createApp({ dbFile, background: true });
    cleanup.push(() => app.close());
    const rx = await receiver();
    cleanup.push(() => rx.close());
    const pushes: string[] = [];
    app.push.subscribe((_a, topic) => void pushes.push(topic));
    const ep = await caller(app).call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback' });
    await emitEvent(app);
    await waitFor(() => deliveriesOf(app, ep.id).find((d) => d.status === 'delivered'), 'delivered by the worker');
    await waitFor(() => pushes.includes('webhooks.delivery.updated'), 'push forwarded from the worker');
    expect((await caller(app).call('jobs.stats', {})).dispatcher.where).toMatch(/worker thread/);
  });
});
