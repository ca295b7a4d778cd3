// The generic job runner on each store: claims, the registry of live runners (a killed runner's claims taken back
// when the next one starts, a silent one's within seconds), retries, unknown kinds, concurrency keys, recurring
// tasks once per period, two runners on one store, and the worker thread the app starts.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../../db/ids.ts';
import { enqueueJob } from '../../db/jobs.ts';
import { openStore } from '../../db/open.ts';
import type { Db } from '../../db/store.ts';
import { createApp, type App } from '../../main/app.ts';
import { JobRunner, machineId } from '../../main/jobs/runner.ts';
import type { JobKind } from '../../main/jobs/types.ts';
import { caller, onPostgres, openTestApp, sqlCount, sqlRow, sqlRows, tempDir, tempLocation } from '../support/workspace.ts';
import { addMember, callerAs } from '../support/people.ts';
import { deliveriesOf, emitEvent, receiver, waitFor } from './webhooks-support.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function appWithAccount(): Promise<{ app: App; accountId: string }> {
  const app = await openTestApp({ events: 5 });
  cleanup.push(() => app.close());
  // The demo's own fan-out jobs are not what these tests look at.
  await sqlRows(app, `DELETE FROM jobs`);
  return { app, accountId: (await app.defaultSession())!.accountId };
}

/** A runner on its own connection to the app's store (as the app's worker and `chronicle dispatch` have). */
async function runner(app: App, kinds: Record<string, JobKind>, extra: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}) {
  const store = await openStore(app.connectTo, { synchronous: 'normal', poolSize: 4 });
  const r = new JobRunner({ store, dataDir: app.dataDir, kinds, pollMs: 10, heartbeatMs: 100, publish: () => {}, ...extra });
  cleanup.push(async () => {
    await r.stop();
    await store.close();
  });
  await r.start();
  return r;
}

async function add(s: Db, accountId: string, kind: string, args: Record<string, unknown> = {}, extra: Partial<Parameters<typeof enqueueJob>[1]> = {}) {
  const id = newId();
  await enqueueJob(s, { id, accountId, queue: 'test', kind, args, runAt: Date.now(), createdAt: Date.now(), ...extra });
  return id;
}
/** Kind limits for tests: every key of the kind at most `n` claimed at once. */
const limitOf = (n: number): JobKind['keyLimits'] => async (_db, keys) => new Map(keys.map((k) => [k, { concurrency: n }]));
const job = (app: App, id: string) => sqlRow<any>(app, 'SELECT * FROM jobs WHERE id = ?', id);
const countDone = (app: App) => sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status = 'done'`);

/** A row in `processes` for a runner that is not this test's (another machine, or a process that is gone). */
async function registerForeignRunner(app: App, row: { id: string; hostname: string; pid: number; heartbeatAt: number }) {
  await sqlRows(
    app,
    `INSERT INTO processes (id, kind, hostname, pid, started_at, heartbeat_at) VALUES (?, 'runner', ?, ?, ?, ?)`,
    row.id, row.hostname, row.pid, row.heartbeatAt, row.heartbeatAt,
  );
}
/** Mark a job as claimed by `worker`, as that runner's claim would have. */
const claimFor = (app: App, id: string, worker: string) =>
  sqlRows(app, `UPDATE jobs SET status = 'claimed', claimed_by = ?, claimed_at = ?, heartbeat_at = ?, attempts = 1 WHERE id = ?`, worker, Date.now(), Date.now(), id);
const processRow = (app: App, id: string) => sqlRow(app, 'SELECT * FROM processes WHERE id = ?', id);

/** The pid of a process that has just exited (a runner killed on this machine had one like it). */
async function goneProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((r) => child.once('exit', r));
  return pid;
}

describe('job runner', () => {
  it('runs a job and marks it done; a handler commit is atomic with completion', async () => {
    const { app, accountId } = await appWithAccount();
    const seen: unknown[] = [];
    const r = await runner(app, {
      'test.ok': { queue: 'test', handle: (_c, args) => ({ commit: async (tx) => void (await sqlRows(tx, `UPDATE accounts SET name = ? WHERE id = ?`, String(args.name), accountId)), note: 'fine' }) },
      'test.seen': { queue: 'test', handle: (_c, args) => void seen.push(args) },
    });
    const a = await add(app.store, accountId, 'test.ok', { name: 'Renamed by a job' });
    const b = await add(app.store, accountId, 'test.seen', { n: 1 });
    r.wake();
    await waitFor(async () => (await job(app, a)).status === 'done' && (await job(app, b)).status === 'done', 'jobs done');
    expect((await sqlRow(app, 'SELECT name FROM accounts WHERE id = ?', accountId)).name).toBe('Renamed by a job');
    expect(seen).toEqual([{ n: 1 }]);
    expect(await job(app, a)).toMatchObject({ attempts: 1, claimed_by: null, last_error: 'fine' });
  });

  it('claims by priority, then run_at, then the order jobs were written (ids of one millisecond are random)', async () => {
    const { app, accountId } = await appWithAccount();
    const seen: number[] = [];
    const at = Date.now();
    // Ids minted in reverse order of writing, all due at the same moment; one urgent job written last.
    const ids = ['019a0000-0000-7000-8000-00000000000c', '019a0000-0000-7000-8000-00000000000b', '019a0000-0000-7000-8000-00000000000a'];
    await app.store.transaction(async (tx) => {
      for (const [n, id] of ids.entries()) await enqueueJob(tx, { id, accountId, queue: 'test', kind: 'test.order', args: { n }, runAt: at, createdAt: at });
      await enqueueJob(tx, { id: newId(), accountId, queue: 'test', kind: 'test.order', args: { n: 9 }, runAt: at, createdAt: at, priority: 10 });
    });
    const r = await runner(app, { 'test.order': { queue: 'test', handle: (_c, args) => void seen.push(Number(args.n)) } }, { concurrency: 1, lightConcurrency: 1 });
    r.wake();
    await waitFor(() => seen.length === 4, 'all four ran');
    expect(seen).toEqual([9, 0, 1, 2]);
  });

  it('a job of an unknown kind fails at once with a clear last_error (never vanishes)', async () => {
    const { app, accountId } = await appWithAccount();
    const r = await runner(app, { 'test.known': { queue: 'test', handle: () => {} } });
    const id = await add(app.store, accountId, 'reports.nobodyRegisteredThis');
    r.wake();
    const row = await waitFor(async () => { const j = await job(app, id); return j.status === 'failed' ? j : null; }, 'unknown kind failed');
    expect(row.last_error).toMatch(/No handler is registered for job kind “reports.nobodyRegisteredThis”/);
    expect(row.last_error).toContain('test.known');
    expect(row.finished_at).not.toBeNull();
  });

  it('a throwing handler is retried with backoff, then failed with its error after max_attempts', async () => {
    const { app, accountId } = await appWithAccount();
    let calls = 0;
    const r = await runner(app, { 'test.boom': { queue: 'test', handle: () => { calls++; throw new Error('the disk is on fire'); } } });
    const id = await add(app.store, accountId, 'test.boom', {}, { maxAttempts: 3 });
    r.wake();
    const first = await waitFor(async () => { const j = await job(app, id); return j.attempts === 1 && j.status === 'ready' ? j : null; }, 'first failure rescheduled');
    expect(first.last_error).toBe('the disk is on fire');
    expect(first.run_at - Date.now()).toBeGreaterThan(500); // backoff, not an immediate loop
    // Make it due again twice: the third failure is final.
    for (let i = 0; i < 2; i++) {
      await sqlRows(app, `UPDATE jobs SET run_at = 0 WHERE id = ? AND status = 'ready'`, id);
      r.wake();
      await waitFor(async () => { const j = await job(app, id); return j.attempts === i + 2 && j.status !== 'claimed'; }, 'next failure');
    }
    expect(await job(app, id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'the disk is on fire' });
    expect(calls).toBe(3);
  });
});

describe('recording results', () => {
  // A deadlock is the store's conflict between two runners, not the job's fault: its result is recorded again in the
  // next step. (Only PostgreSQL has them: SQLite's single writer never interleaves two transactions.)
  it.runIf(onPostgres)('a result whose recording meets a deadlock is recorded again, not failed', async () => {
    const { app, accountId } = await appWithAccount();
    let commits = 0;
    const r = await runner(app, {
      'test.conflict': {
        queue: 'test',
        handle: () => ({
          commit: async (tx) => {
            commits++;
            // The first two tries meet a deadlock (raised with PostgreSQL's own error code); the third gets through.
            if (commits <= 2) await sqlRows(tx, `DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$`);
            await sqlRows(tx, `UPDATE accounts SET name = ? WHERE id = ?`, 'Recorded on the third try', accountId);
          },
        }),
      },
    });
    const id = await add(app.store, accountId, 'test.conflict');
    r.wake();
    const row = await waitFor(async () => { const j = await job(app, id); return j.status === 'done' || j.status === 'failed' ? j : null; }, 'the result recorded');
    expect(row).toMatchObject({ status: 'done', attempts: 1, claimed_by: null });
    expect(commits).toBe(3);
    expect((await sqlRow(app, 'SELECT name FROM accounts WHERE id = ?', accountId)).name).toBe('Recorded on the third try');
  });
});

describe('recording a batch', () => {
  // Both step modes: alone in its transaction a batch is written without a savepoint (splitSteps), beside a claim
  // in one; either way a failure falls back to one savepoint per result.
  it.each([false, true])('a result whose recording fails fails its own job only: the other results of its batch are recorded (splitSteps %s)', async (splitSteps) => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const kinds: Record<string, JobKind> = {
      'test.batch': {
        queue: 'test',
        handle: async (_c, args) => {
          started++;
          await gate; // both finish together: one batch
          return {
            commit: async (tx) => {
              if (args.bad) throw new Error('the receipt could not be written');
              await sqlRows(tx, `UPDATE accounts SET name = ? WHERE id = ?`, 'Recorded beside a failure', accountId);
            },
          };
        },
      },
    };
    const good = await add(app.store, accountId, 'test.batch', { bad: false });
    const bad = await add(app.store, accountId, 'test.batch', { bad: true });
    await runner(app, kinds, { concurrency: 4, lightConcurrency: 4, splitSteps });
    await waitFor(async () => started === 2, 'both running');
    release();
    await waitFor(async () => (await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status IN ('done', 'failed')`)) === 2, 'both recorded');
    expect(await job(app, good)).toMatchObject({ status: 'done' });
    expect(await job(app, bad)).toMatchObject({ status: 'failed', last_error: 'Recording the result failed: the receipt could not be written' });
    expect((await sqlRow(app, 'SELECT name FROM accounts WHERE id = ?', accountId)).name).toBe('Recorded beside a failure');
  });
});

describe('the runner’s counts', () => {
  // A step records finished jobs and claims in one transaction (splitSteps off): when the claim part fails, the
  // step rolls back and its results are recorded again by the next one. They count once, when that one commits.
  it('a result recorded again after its step rolled back is counted once', async () => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let claimsRefused = 0;
    const kinds: Record<string, JobKind> = {
      'test.first': { queue: 'test', handle: async () => { started = true; await gate; } },
      'test.second': {
        queue: 'test',
        onClaim: async () => {
          if (claimsRefused++ === 0) throw new Error('the claim could not mark its rows this time');
        },
        handle: async () => {},
      },
    };
    const first = await add(app.store, accountId, 'test.first');
    const r = await runner(app, kinds, { splitSteps: false, concurrency: 4, lightConcurrency: 4 });
    await waitFor(async () => started, 'the first job running');
    const second = await add(app.store, accountId, 'test.second');
    release(); // the step that records the first job also claims the second, and fails once
    await waitFor(async () => (await countDone(app)) === 2, 'both done', 20_000);
    expect(claimsRefused).toBeGreaterThanOrEqual(2);
    expect(await job(app, first)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await job(app, second)).toMatchObject({ status: 'done' });
    expect(r.stats.finished).toBe(2);
  });
});

// Record and claim in one transaction per step (SQLite's default) or in two that run side by side (a hub's): each
// mode on each store, so neither path is only exercised where it is the default.
describe('both step modes', () => {
  it.each([false, true])('splitSteps %s: every job runs once, within its key limit, and every result is recorded', async (splitSteps) => {
    const { app, accountId } = await appWithAccount();
    const runs = new Map<string, number>();
    const running = new Map<string, number>();
    let peak = 0;
    const track = async (key: string, id: string) => {
      runs.set(id, (runs.get(id) ?? 0) + 1);
      running.set(key, (running.get(key) ?? 0) + 1);
      peak = Math.max(peak, ...running.values());
      await new Promise((r) => setTimeout(r, 1 + (runs.size % 3)));
      running.set(key, running.get(key)! - 1);
    };
    const kinds: Record<string, JobKind> = {
      'test.keyed': { queue: 'test', keyLimits: limitOf(2), handle: async (c, args) => {
        await track(String(args.key), c.job.id);
        return { commit: async (tx) => { await sqlRows(tx, `UPDATE accounts SET name = ? WHERE id = ?`, `keyed ${c.job.id}`, accountId); } };
      } },
      'test.light': { queue: 'test', handle: async (c) => { await track('light', c.job.id); } },
    };
    const ids = await app.store.transaction(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < 120; i++) {
        const key = `k${i % 3}`;
        out.push(i % 4 === 0 ? await add(tx, accountId, 'test.light') : await add(tx, accountId, 'test.keyed', { key }, { concurrencyKey: key }));
      }
      return out;
    });
    const r = await runner(app, kinds, { splitSteps, concurrency: 8, lightConcurrency: 2 });
    await waitFor(async () => (await countDone(app)) === ids.length, 'all done', 30_000);
    expect(ids.every((id) => runs.get(id) === 1)).toBe(true);
    expect(peak).toBeLessThanOrEqual(2); // each key within its limit; the light lane within its two slots
    expect(r.stats).toMatchObject({ claimed: ids.length, finished: ids.length, failed: 0 });
    expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status <> 'done' OR claimed_by IS NOT NULL`)).toBe(0);
    expect((await sqlRow(app, 'SELECT name FROM accounts WHERE id = ?', accountId)).name).toMatch(/^keyed /);
  });
});

describe('live runners and their claims', () => {
  it('a claim held by a runner whose row went stale long ago is taken back and run again', async () => {
    const { app, accountId } = await appWithAccount();
    const id = await add(app.store, accountId, 'test.once');
    // A runner on another machine that died long ago: its row's heartbeat is ancient (no pid to check from here).
    await registerForeignRunner(app, { id: 'dead-worker', hostname: 'another-machine', pid: 4242, heartbeatAt: 1 });
    await claimFor(app, id, 'dead-worker');
    let ran = 0;
    const r = await runner(app, { 'test.once': { queue: 'test', handle: () => void ran++ } }, { staleMs: 500 });
    await waitFor(async () => (await job(app, id)).status === 'done', 'reclaimed job done');
    expect(ran).toBe(1);
    expect(r.stats.reclaimed).toBe(1);
    expect((await job(app, id)).attempts).toBe(2);
    expect(await processRow(app, 'dead-worker')).toBeUndefined();
  });

  it('a runner that starts after another was killed on this machine takes its claims back at once, not after the stale window', async () => {
    const { app, accountId } = await appWithAccount();
    const ids = [await add(app.store, accountId, 'test.resumed'), await add(app.store, accountId, 'test.resumed')];
    // The killed runner heartbeated a moment ago (its row is fresh), but its pid is gone from this machine.
    const pid = await goneProcessPid();
    await registerForeignRunner(app, { id: 'killed-runner', hostname: machineId, pid, heartbeatAt: Date.now() });
    for (const id of ids) await claimFor(app, id, 'killed-runner');
    const ran: string[] = [];
    // A stale window far longer than the test may take: only the pid check can free the claims in time.
    const r = await runner(app, { 'test.resumed': { queue: 'test', handle: (c) => void ran.push(c.job.id) } }, { staleMs: 10 * 60_000 });
    // start() resolves after the claims were taken back.
    expect(await processRow(app, 'killed-runner')).toBeUndefined();
    expect(r.stats.reclaimed).toBe(2);
    for (const id of ids) expect((await job(app, id)).claimed_by).not.toBe('killed-runner');
    await waitFor(async () => (await countDone(app)) === 2, 'both jobs run again');
    expect(ran.sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await job(app, id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('a runner that stops heartbeating is removed within seconds and its claims run elsewhere; its late result changes nothing', async () => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let frozenRuns = 0;
    let healthyRuns = 0;
    // "frozen" registers, claims, then never heartbeats again (a process paused, or cut off from the store).
    const frozen = await runner(app, { 'test.stuck': { queue: 'test', handle: async () => { frozenRuns++; await gate; return { note: 'from the frozen runner' }; } } }, {
      // One slot: it cannot claim the job again once it is taken back (it does not know it was removed).
      workerId: 'frozen', heartbeatMs: 600_000, staleMs: 600_000, concurrency: 1, lightConcurrency: 1,
    });
    const id = await add(app.store, accountId, 'test.stuck');
    frozen.wake();
    await waitFor(async () => (await job(app, id)).claimed_by === 'frozen', 'claimed by the frozen runner');
    const healthy = await runner(app, { 'test.stuck': { queue: 'test', handle: () => { healthyRuns++; return { note: 'from the healthy runner' }; } } }, {
      workerId: 'healthy', staleMs: 1_500,
    });
    cleanup.push(release); // before the runners stop, even if an assertion fails
    await waitFor(async () => (await job(app, id)).status === 'done', 'the claim taken back and run by the healthy runner', 15_000);
    expect(await processRow(app, 'frozen')).toBeUndefined();
    // Taken back once (by the healthy runner, or by the frozen one's own housekeeping once its row was gone).
    expect(healthy.stats.reclaimed + frozen.stats.reclaimed).toBe(1);
    expect(healthyRuns).toBe(1);
    expect(await job(app, id)).toMatchObject({ status: 'done', attempts: 2, last_error: 'from the healthy runner' });
    // The frozen runner's handler finishes late: it no longer holds the claim, so the job stays as recorded.
    release();
    await frozen.stop(); // waits for the handler and records its result
    expect(frozenRuns).toBe(1);
    expect(await job(app, id)).toMatchObject({ status: 'done', attempts: 2, last_error: 'from the healthy runner' });
  });

  it('a live claim is not taken back while its worker heartbeats', async () => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const kinds = { 'test.slow': { queue: 'test', handle: async () => { runs++; await gate; } } };
    const a = await runner(app, kinds, { staleMs: 1500, workerId: 'A' });
    const id = await add(app.store, accountId, 'test.slow');
    a.wake();
    await waitFor(async () => (await job(app, id)).claimed_by === 'A', 'claimed by A');
    const b = await runner(app, kinds, { staleMs: 1500, workerId: 'B' });
    cleanup.push(release); // before the runners stop, even if an assertion fails
    await new Promise((r) => setTimeout(r, 3500)); // more than two stale windows
    expect((await job(app, id)).claimed_by).toBe('A');
    expect(await processRow(app, 'A')).toBeDefined();
    expect(b.stats.reclaimed).toBe(0);
    release();
    await waitFor(async () => (await job(app, id)).status === 'done', 'done');
    expect(runs).toBe(1);
  });

  it('a clean stop gives claims back (the attempt refunded) and removes the runner’s row', async () => {
    const { app, accountId } = await appWithAccount();
    const kinds: Record<string, JobKind> = { 'test.wait': { queue: 'test', handle: (c) => new Promise((resolve) => c.signal.addEventListener('abort', () => resolve({ retryAt: Date.now(), refund: true }))) } };
    const r = await runner(app, kinds, { workerId: 'leaving' });
    expect(await processRow(app, 'leaving')).toMatchObject({ kind: 'runner', hostname: machineId, pid: process.pid });
    const id = await add(app.store, accountId, 'test.wait');
    r.wake();
    await waitFor(async () => (await job(app, id)).claimed_by === 'leaving', 'claimed');
    await r.stop();
    expect(await processRow(app, 'leaving')).toBeUndefined();
    expect(await job(app, id)).toMatchObject({ status: 'ready', claimed_by: null, attempts: 0 });
  });
});

describe('claiming ahead of free slots', () => {
  it('jobs claimed ahead start as slots free, never more than the slots at once; a stop gives back those that never ran', async () => {
    const { app, accountId } = await appWithAccount();
    let running = 0;
    let peak = 0;
    const started = new Set<string>();
    const releases: (() => void)[] = [];
    const givenBack: string[] = [];
    const kinds: Record<string, JobKind> = {
      'test.ahead': {
        queue: 'test',
        onReclaim: async (_tx, list) => void givenBack.push(...list.map((j) => j.id)),
        handle: (c) =>
          new Promise((resolve) => {
            started.add(c.job.id);
            peak = Math.max(peak, ++running);
            let ended = false;
            const end = (result?: { retryAt: number; refund: boolean }) => {
              if (ended) return;
              ended = true;
              running--;
              resolve(result);
            };
            releases.push(() => end());
            c.signal.addEventListener('abort', () => end({ retryAt: Date.now(), refund: true }), { once: true });
          }),
      },
    };
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < 12; i++) await add(tx, accountId, 'test.ahead', {}, { concurrencyKey: 'k' });
    });
    // Two slots for the key, four more claimed ahead.
    const r = await runner(app, kinds, { workerId: 'ahead', concurrency: 2, claimAhead: 4 });
    const claimedByRunner = () => sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status = 'claimed' AND claimed_by = 'ahead'`);
    await waitFor(async () => (await claimedByRunner()) === 6, 'six claimed');
    expect(started.size).toBe(2);
    // A finishing job's slot goes to a job claimed ahead at once, and the claim tops the runner up again.
    releases.shift()!();
    await waitFor(async () => started.size === 3, 'a waiting job started');
    await waitFor(async () => (await countDone(app)) === 1 && (await claimedByRunner()) === 6, 'topped up');
    expect(peak).toBe(2);
    await r.stop();
    const never = (await sqlRows<{ id: string }>(app, `SELECT id FROM jobs WHERE status <> 'done'`)).map((j) => j.id).filter((id) => !started.has(id));
    expect(givenBack.length).toBe(4);
    for (const id of givenBack) {
      expect(started.has(id)).toBe(false);
      expect(never).toContain(id);
      expect(await job(app, id)).toMatchObject({ status: 'ready', claimed_by: null, attempts: 0 });
    }
    expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status = 'claimed'`)).toBe(0);
  });
});

describe('two runners on one store', () => {
  it('never run the same job twice', async () => {
    const { app, accountId } = await appWithAccount();
    const runs = new Map<string, number>();
    const kinds = { 'test.count': { queue: 'test', handle: async (c: { job: { id: string } }) => { runs.set(c.job.id, (runs.get(c.job.id) ?? 0) + 1); await new Promise((r) => setTimeout(r, 2)); } } };
    const ids = await app.store.transaction(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < 300; i++) out.push(await add(tx, accountId, 'test.count'));
      return out;
    });
    const one = await runner(app, kinds, { workerId: 'one', concurrency: 8 });
    const two = await runner(app, kinds, { workerId: 'two', concurrency: 8 });
    await waitFor(async () => (await countDone(app)) === 300, 'all done');
    expect(ids.every((id) => runs.get(id) === 1)).toBe(true);
    expect(one.stats.claimed + two.stats.claimed).toBe(300);
  });

  it('respect a per-key concurrency limit together', async () => {
    const { app, accountId } = await appWithAccount();
    let now = 0;
    let peak = 0;
    const kinds: Record<string, JobKind> = {
      'test.limited': {
        queue: 'test',
        keyLimits: limitOf(2),
        // Claim transactions that stay open a while (a hub far away), so that the two runners' claims overlap: each
        // must respect what the other is claiming right now, not only what it has committed. (PostgreSQL only:
        // SQLite's claims never overlap, and a transaction there must not wait on a timer.)
        onClaim: onPostgres ? () => new Promise((r) => setTimeout(r, 30)) : undefined,
        handle: async () => { now++; peak = Math.max(peak, now); await new Promise((r) => setTimeout(r, 50)); now--; },
      },
    };
    const x = await runner(app, kinds, { workerId: 'x', concurrency: 3 });
    const y = await runner(app, kinds, { workerId: 'y', concurrency: 3 });
    // Bursts that both runners find at the same moment with nothing of the key claimed yet, each burst larger than
    // what one runner's claim reads (and locks on PostgreSQL): their first claims race for the key.
    const burstSize = 16;
    for (let burst = 1; burst <= 8; burst++) {
      await app.store.transaction(async (tx) => { for (let i = 0; i < burstSize; i++) await add(tx, accountId, 'test.limited', {}, { concurrencyKey: 'k1' }); });
      x.wake();
      y.wake();
      await waitFor(async () => (await countDone(app)) === burstSize * burst, `burst ${burst} done`);
    }
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBe(2);
    expect(x.stats.claimed + y.stats.claimed).toBe(burstSize * 8);
  });

  it('a claim that takes several rounds (a key saturated in the first) claims each job once', async () => {
    const { app, accountId } = await appWithAccount();
    const runs = new Map<string, number>();
    const count = (c: { job: { id: string } }) => void runs.set(c.job.id, (runs.get(c.job.id) ?? 0) + 1);
    const kinds: Record<string, JobKind> = {
      'test.roomy': { queue: 'test', keyLimits: limitOf(5), handle: count },
      'test.narrow': { queue: 'test', keyLimits: limitOf(1), handle: count },
    };
    // First round (4 free slots, 8 read): the roomy job, then the narrow key's backlog, saturated after one. The
    // second round skips the narrow key and reads the roomy job again, still `ready` until the claim is written.
    const roomy = await add(app.store, accountId, 'test.roomy', {}, { concurrencyKey: 'roomy', priority: 1 });
    const narrow: string[] = [];
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) narrow.push(await add(tx, accountId, 'test.narrow', {}, { concurrencyKey: 'narrow' }));
    });
    const r = await runner(app, kinds, { concurrency: 4 });
    await waitFor(async () => (await countDone(app)) === 11, 'all done');
    expect(runs.get(roomy)).toBe(1);
    for (const id of narrow) expect(runs.get(id), id).toBe(1);
    expect(r.stats.claimed).toBe(11);
  });

  it('a saturated concurrency key does not hide other due work behind its backlog', async () => {
    const { app, accountId } = await appWithAccount();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    const kinds: Record<string, JobKind> = {
      'test.stuck': { queue: 'test', keyLimits: limitOf(1), handle: async () => { await gate; } },
      'test.free': { queue: 'test', handle: (c) => void done.push(c.job.id) },
    };
    await app.store.transaction(async (tx) => {
      for (let i = 0; i < 50; i++) await add(tx, accountId, 'test.stuck', {}, { concurrencyKey: 'slow-endpoint', runAt: Date.now() - 10_000 });
    });
    const free: string[] = [];
    for (let i = 0; i < 3; i++) free.push(await add(app.store, accountId, 'test.free'));
    await runner(app, kinds, { concurrency: 4 });
    cleanup.push(release); // before the runner stops, even if an assertion fails
    await waitFor(async () => (await countDone(app)) === 3, 'the later, unrelated jobs done');
    expect(done.sort()).toEqual([...free].sort());
    expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE status = 'claimed'`)).toBe(1);
  });
});

describe('recurring tasks', () => {
  it('are rows per account with a next run; a due one enqueues a job', async () => {
    const { app } = await appWithAccount();
    let runs = 0;
    const kinds: Record<string, JobKind> = { 'test.every': { queue: 'maintenance', every: 60_000, handle: () => void runs++ } };
    const r = await runner(app, kinds);
    const accounts = await sqlCount(app, 'SELECT count(*) AS n FROM accounts');
    const rows = await waitFor(async () => {
      const list = await sqlRows<any>(app, `SELECT * FROM recurring_tasks WHERE kind = 'test.every' ORDER BY id`);
      return list.length === accounts ? list : null;
    }, 'recurring rows');
    expect(rows[0].next_run_at - rows[0].created_at).toBe(60_000);
    await sqlRows(app, `UPDATE recurring_tasks SET next_run_at = ? WHERE kind = 'test.every'`, Date.now() - 5 * 60_000);
    r.wake();
    await waitFor(() => runs === accounts, 'each account ran once');
    const after = await sqlRows<any>(app, `SELECT * FROM recurring_tasks WHERE kind = 'test.every' ORDER BY id`);
    for (const t of after) {
      expect(t.next_run_at).toBeGreaterThan(Date.now()); // missed runs collapse into one
      expect(t.last_job_id).not.toBeNull();
    }
    const stats = await (await caller(app)).call('jobs.stats', {});
    expect(stats.recurring.map((t) => t.kind)).toContain('test.every');
  });

  it('run once per period with two runners on the store', async () => {
    const { app } = await appWithAccount();
    const runs = new Map<string, number>(); // per account
    const kinds: Record<string, JobKind> = {
      'test.period': { queue: 'maintenance', every: 60_000, handle: (c) => void runs.set(c.job.accountId, (runs.get(c.job.accountId) ?? 0) + 1) },
    };
    const one = await runner(app, kinds, { workerId: 'one' });
    const two = await runner(app, kinds, { workerId: 'two' });
    const accounts = (await sqlRows<{ id: string }>(app, 'SELECT id FROM accounts ORDER BY id')).map((a) => a.id);
    expect(accounts.length).toBeGreaterThan(1);
    // Both runners make sure the rows exist: still one per account.
    await waitFor(async () => (await sqlCount(app, `SELECT count(*) AS n FROM recurring_tasks WHERE kind = 'test.period'`)) === accounts.length, 'recurring rows');
    const total = () => [...runs.values()].reduce((a, b) => a + b, 0);
    for (let period = 1; period <= 3; period++) {
      // The period comes due for both runners at once.
      await sqlRows(app, `UPDATE recurring_tasks SET next_run_at = ? WHERE kind = 'test.period'`, Date.now() - 1);
      one.wake();
      two.wake();
      await waitFor(() => total() === accounts.length * period, `period ${period} ran`);
      // Both runners look again many times (housekeeping every 100 ms): a second run of this period would show here.
      await new Promise((r) => setTimeout(r, 1000));
      for (const a of accounts) expect(runs.get(a), `account ${a}, period ${period}`).toBe(period);
      expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE kind = 'test.period'`)).toBe(accounts.length * period);
    }
    expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE kind = 'test.period' AND status <> 'done'`)).toBe(0);
    // Between them, each period's job ran once.
    expect(one.stats.finished + two.stats.finished).toBe(accounts.length * 3);
  });
});

describe('the app’s worker thread', () => {
  it('createApp({background:true}) runs the dispatcher in a worker and forwards its pushes', async () => {
    const location = await tempLocation();
    const dataDir = tempDir('chronicle-keys-');
    const seed = await openTestApp({ location, dataDir, events: 5 });
    await seed.close();
    const app = await createApp({ location, dataDir, background: true });
    cleanup.push(() => app.close());
    const rx = await receiver();
    cleanup.push(() => rx.close());
    const pushes: string[] = [];
    app.push.subscribe((_a, topic) => void pushes.push(topic));
    const { call } = await caller(app);
    const ep = await call('webhooks.endpoints.create', { url: rx.url, eventTypes: ['card.created'], networkScope: 'loopback' });
    await emitEvent(app);
    await waitFor(async () => (await deliveriesOf(app, ep.id)).find((d) => d.status === 'delivered'), 'delivered by the worker');
    await waitFor(() => pushes.includes('webhooks.delivery.updated'), 'push forwarded from the worker');
    expect(await sqlCount(app, `SELECT count(*) AS n FROM processes WHERE kind = 'runner'`)).toBe(1);
    const alone = (await call('jobs.stats', {})).dispatcher;
    expect(alone).toMatchObject({ here: true, others: 0 });
    const workerRow = await sqlRow<{ id: string; started_at: number }>(app, `SELECT id, started_at FROM processes WHERE kind = 'runner'`);
    expect(alone.processes).toEqual([
      { id: workerRow!.id, host: os.hostname(), pid: process.pid, startedAt: new Date(workerRow!.started_at).toISOString(), heartbeatAt: expect.any(String), here: true },
    ]);

    // Another runner on the same workspace (as `chronicle dispatch` would be): both are listed, the worker marked.
    const other = await runner(app, {});
    await waitFor(async () => (await call('jobs.stats', {})).dispatcher.processes?.length === 2, 'the second runner listed');
    const both = (await call('jobs.stats', {})).dispatcher;
    expect(both).toMatchObject({ here: true, others: 1 });
    expect(both.processes!.map((p) => [p.id, p.here])).toEqual([[workerRow!.id, true], [other.workerId, false]]);
    // A member or viewer learns where the work runs, not the hub's machine names and pids (runners serve every account).
    const { accountId } = (await app.defaultSession())!;
    const owner = await caller(app);
    for (const role of ['member', 'viewer'] as const) {
      const userId = await addMember(app, owner, { email: `${role}@jobs.test`, name: `A ${role}`, role });
      const seen = (await (await callerAs(app, accountId, userId)).call('jobs.stats', {})).dispatcher;
      expect(seen).toEqual({ here: true, others: 1, processes: null });
    }
    await other.stop();
    expect((await call('jobs.stats', {})).dispatcher.processes!.map((p) => p.id)).toEqual([workerRow!.id]);
  });
});
