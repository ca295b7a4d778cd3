// The generic job runner over the `jobs` table (Solid Queue is the model). The same code runs on a SQLite file
// and on a PostgreSQL hub, in one process or in many on many machines.
//
// - Register: the runner keeps a row in `processes` and heartbeats it. A runner whose row went stale (or whose
//   process is gone from this machine) is removed by any other runner, and its claims are taken back.
// - Claim: one short transaction takes a batch of due `ready` rows (respecting per-key concurrency and rate limits
//   across every runner on the store), marks them `claimed` by this runner and runs the kinds' `onClaim` hooks.
// - Run: handlers run outside any transaction (HTTP happens here).
// - Record: completions are written in the next step's transaction (batched), with the handler's `commit`.
// - Wake: a commit that enqueues work wakes idle runners (PostgreSQL NOTIFY; on SQLite the in-process push bus,
//   and the file's data_version for other processes), so an event is sent without waiting for the poll.
// - Recurring tasks: rows in `recurring_tasks` (one per account and kind with `every`) enqueue a job when due,
//   once per period whichever runner gets there first.
// - A job of an unknown kind fails at once with a clear `last_error`; a handler that throws is retried with
//   exponential backoff until `max_attempts`, then `failed` with the error.
import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import * as jobs from '../../db/jobs.ts';
import { describeStorageError } from '../../db/errors.ts';
import { newId } from '../../db/ids.ts';
import { tryLockKeys } from '../../db/locks.ts';
import { checkpoint, takeOverCheckpoints } from '../../db/maintenance.ts';
import * as processes from '../../db/processes.ts';
import { listenForSignals, publishOnCommit, pruneSignals, type SignalListener } from '../../db/signals.ts';
import type { Store, Tx } from '../../db/store.ts';
import type { TopicName } from '../../preload/contract.ts';
import { jobKinds as registeredKinds } from './kinds.ts';
import type { ClaimedJob, JobContext, JobKind, JobResult, KeyLimits } from './types.ts';

export interface RunnerOptions {
  store: Store;
  dataDir: string;
  /** Messages of committed results, for this process's windows (other processes hear them through the store). */
  publish(accountId: string, topic: TopicName, payload: unknown): void;
  kinds?: Record<string, JobKind>;
  /** Queues to work (null = all). */
  queues?: string[] | null;
  /**
   * Jobs with a concurrency key (deliveries) running at once in this runner (default 32; each key gets a fair
   * share of them, and its own limit across runners).
   */
  concurrency?: number;
  /** Jobs without a key (fan-out, notifications, maintenance) running at once, beside the keyed ones (default 4). */
  lightConcurrency?: number;
  /** Idle poll interval (default 100 ms). */
  pollMs?: number;
  /** How often the runner's `processes` row is refreshed (default 1 s). */
  heartbeatMs?: number;
  /** A runner whose row is older than this is gone: its claims are taken back (default 10 s). */
  staleMs?: number;
  workerId?: string;
  config?: Record<string, unknown>;
  now?: () => number;
  log?: (msg: string) => void;
  /** Listen for other processes' commits (NOTIFY / data_version) to wake at once (default true). */
  listen?: boolean;
  /**
   * Record results and claim jobs in two transactions that run side by side (default on PostgreSQL), instead of
   * one transaction that does both (default on SQLite, where a commit is the largest fixed cost and there is one
   * connection). On a hub each is a chain of round trips: a slot that frees waits only for the claim in progress,
   * not for a recording ahead of it, and the dispatcher and the server work at the same time.
   */
  splitSteps?: boolean;
  /**
   * Keyed jobs claimed ahead of a free slot, in all (default on PostgreSQL: three times the keyed slots; none on
   * SQLite, whose claims cost no round trips). They wait in this runner and start the moment a running job of
   * their key finishes, so a freed slot does not wait for a claim's round trips to the hub; they count as claimed
   * for their keys' limits across runners. A key is claimed ahead only while its jobs run quickly and without a
   * rate limit: a slow or rate-limited key's jobs would only wait here, out of other runners' reach.
   */
  claimAhead?: number;
}

interface Completion {
  job: jobs.ClaimRow;
  result?: JobResult;
  error?: unknown;
  messages: [string, TopicName, unknown][];
}

type Claimed = jobs.ClaimRow & { notBefore?: number };

/** How recordBatch writes a batch (see there). */
type RecordMode = 'savepoint' | 'whole' | 'each';

export function unknownKindMessage(kind: string, known: string[]): string {
  return `No handler is registered for job kind “${kind}”, so it cannot run. Known kinds: ${known.sort().join(', ') || '(none)'}. Register it in main/jobs/kinds.ts.`;
}

/** This machine, as written in `processes.hostname`: the host name and the boot (a pid is only unique within one). */
export const machineId = (() => {
  let boot = '';
  try {
    boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    // Not Linux: the host name alone.
  }
  return boot ? `${os.hostname()}#${boot}` : os.hostname();
})();

/** The host name in a `machineId` (what a person recognises; the boot part only tells two boots' pids apart). */
export const hostOf = (machine: string): string => machine.split('#')[0];

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class JobRunner {
  readonly workerId: string;
  private readonly store: Store;
  private readonly kinds: Record<string, JobKind>;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;
  /**
   * Running jobs: each one's handler, its concurrency key and when it started (a key with a job running for over a
   * second is not claimed ahead).
   */
  private readonly inFlight = new Map<string, { done: Promise<void>; key: string | null; at: number }>();
  /** Running jobs with a concurrency key, in all and per key (the keyed lane; the rest is the light lane). */
  private keyedInFlight = 0;
  private readonly keyedByKey = new Map<string, number>();
  /** Keyed jobs claimed ahead of a free slot (RunnerOptions.claimAhead), per key in claim order. */
  private readonly waiting = new Map<string, Claimed[]>();
  private waitingCount = 0;
  private readonly claimAhead: number;
  private readonly lightConcurrency: number;
  /** The key after which the next claim starts visiting keys (round-robin over endpoints). */
  private keyCursor: string | null = null;
  /** Record and claim in separate transactions that run side by side (see RunnerOptions.splitSteps). */
  private readonly splitSteps: boolean;
  /** A claim step (on SQLite: the step) is running / is wanted again when it ends; the same for recording. */
  private claiming = false;
  private claimAgain = false;
  private recording = false;
  /** The last claim left due jobs of a key because of the key's limit across runners. */
  private heldByLimit = false;
  private completions: Completion[] = [];
  private timer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private running = false;
  private readonly abort = new AbortController();
  private lastHousekeeping = 0;
  private lastEnsure = 0;
  private lastPrune = 0;
  private checkpoints = false;
  private lastCheckpoint = 0;
  private listener: SignalListener | null = null;
  readonly resources = new Map<string, unknown>();
  /** Counters for tests and the bench. */
  readonly stats = { claimed: 0, finished: 0, failed: 0, reclaimed: 0, flushes: 0, steps: 0, stepMs: 0 };
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: RunnerOptions) {
    this.store = opts.store;
    this.kinds = opts.kinds ?? registeredKinds;
    this.concurrency = opts.concurrency ?? 32;
    this.lightConcurrency = opts.lightConcurrency ?? 4;
    this.splitSteps = opts.splitSteps ?? opts.store.dialect === 'postgres';
    this.claimAhead = Math.max(0, opts.claimAhead ?? (opts.store.dialect === 'postgres' ? this.concurrency * 3 : 0));
    this.pollMs = opts.pollMs ?? 100;
    this.heartbeatMs = opts.heartbeatMs ?? 1_000;
    this.staleMs = opts.staleMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.workerId = opts.workerId ?? `worker-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    // Every running job listens on the stop signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Jobs running now (the bench watches how full the slots stay). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Register in `processes`, take back what gone runners held, and start working. */
  async start(): Promise<void> {
    if (this.running) return;
    this.checkpoints = await takeOverCheckpoints(this.store);
    await this.register();
    this.running = true;
    // A runner that starts after a crash frees what the dead one held at once, instead of after the stale window.
    await this.reclaim(this.now());
    this.heartbeatTimer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeatTimer.unref?.();
    if (this.opts.listen !== false) {
      try {
        this.listener = await listenForSignals(this.store, { onJobs: () => this.wake(), log: this.opts.log });
      } catch (err) {
        this.opts.log?.(`[jobs] not listening for wake-ups (${(err as Error).message}); polling every ${this.pollMs} ms`);
      }
    }
    this.schedule(0);
  }

  private register(): Promise<void> {
    return processes.registerProcess(this.store, { id: this.workerId, kind: 'runner', hostname: machineId, pid: process.pid, started_at: this.now() }, this.now());
  }

  /** Look for work now (new work was committed). */
  wake(): void {
    if (this.running) this.schedule(0);
  }

  /** Stop claiming, abort running handlers, record what finished and give back the rest. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.listener?.stop();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()].map((job) => job.done));
    while (this.claiming || this.recording) await new Promise((r) => setTimeout(r, 5));
    await this.giveBackWaiting();
    await this.flush();
    try {
      await jobs.releaseWorker(this.store, this.workerId, this.now());
      await processes.deregisterProcess(this.store, this.workerId);
    } catch {
      // The store may already be closed by a crash path; the claims are taken back by the next runner.
    }
    for (const r of this.resources.values()) {
      const c = (r as { close?: () => unknown })?.close;
      if (typeof c === 'function') await c.call(r);
    }
    this.resources.clear();
    this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** Resolves when nothing is due and nothing is running (tests). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule(0);
    });
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async beat(): Promise<void> {
    try {
      if (!(await processes.heartbeatProcess(this.store, this.workerId, this.now()))) {
        // Another runner found this one stale (a long pause) and took its claims back: results of jobs still
        // running will be recorded as not owned. Register again and go on.
        this.opts.log?.(`[jobs] ${this.workerId} was considered gone by another runner; registering again`);
        await this.register();
      }
    } catch (err) {
      this.opts.log?.(`[jobs] heartbeat failed: ${(err as Error).message}`);
    }
  }

  /**
   * One step of the loop, in ONE short transaction: record the results of finished jobs and claim new ones for
   * the free slots (a single commit per step however many jobs it covers: the commit is the largest fixed cost).
   */
  private async tick(): Promise<void> {
    this.timer = null;
    if (!this.running) return;
    if (this.splitSteps && this.completions.length) void this.recordStep();
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    try {
      await this.step();
    } finally {
      this.claiming = false;
      if (this.claimAgain && this.running) {
        this.claimAgain = false;
        this.schedule(0);
      }
    }
  }

  /** splitSteps: record the results that finished, in a transaction of their own (one at a time). */
  private async recordStep(): Promise<void> {
    if (this.recording) return; // it records what finished meanwhile when it ends
    this.recording = true;
    try {
      while (this.running && this.completions.length) {
        if (!(await this.flush())) await new Promise((r) => setTimeout(r, 200)); // kept; tried again shortly
      }
    } finally {
      this.recording = false;
    }
    // A claim that a key's limit held back (its finished jobs still counted as claimed until now) looks again;
    // with nothing left running, a step tells idle waiters, or polls.
    if (this.running && (this.heldByLimit || this.inFlight.size === 0)) {
      this.heldByLimit = false;
      this.schedule(0);
    }
  }

  private async step(): Promise<void> {
    // Only waiters that were waiting when this step began may be told "idle" by it: one registered meanwhile
    // (after a commit it expects to be worked) needs a step that starts after its registration.
    const waiters = [...this.idleWaiters];
    let claimed: Claimed[] = [];
    let published: Completion['messages'] = [];
    const batch = this.splitSteps ? [] : this.completions.splice(0);
    const cut = { value: false };
    try {
      await this.housekeeping();
      const slots = this.freeSlots();
      if (this.splitSteps && slots.keyed <= 0 && slots.light <= 0) return; // nothing to claim for
      const now = this.now();
      const t0 = performance.now();
      const tally = { finished: 0, failed: 0 }; // counted once the step commits
      ({ published, claimed } = await this.store.transaction(async (tx) => {
        const published = await this.recordBatch(tx, batch, now, 'savepoint', tally);
        const claimed = await this.claimInTx(tx, now, this.freeSlots(), cut);
        await publishOnCommit(tx, published.map(([accountId, topic, payload]) => ({ accountId, topic, payload })));
        return { published, claimed };
      }));
      this.stats.steps++;
      this.stats.stepMs += performance.now() - t0;
      this.stats.finished += tally.finished;
      this.stats.failed += tally.failed;
      if (batch.length) this.stats.flushes++;
    } catch (err) {
      // A busy store beyond its timeout, a lost connection: nothing was committed; try again shortly.
      this.opts.log?.(`[jobs] step failed: ${(err as Error).message}`);
      this.completions.unshift(...batch);
      return this.schedule(200);
    }
    for (const [accountId, topic, payload] of published) this.opts.publish(accountId, topic, payload);
    for (const row of claimed) {
      if (!row.concurrency_key) this.runJob(row);
      else {
        const list = this.waiting.get(row.concurrency_key);
        if (list) list.push(row);
        else this.waiting.set(row.concurrency_key, [row]);
        this.waitingCount++;
      }
    }
    this.startWaiting();
    this.stats.claimed += claimed.length;
    const slots = this.freeSlots();
    const free = slots.keyed + slots.light;
    // Claim again at once only when this claim stopped short of what may be ready (keys it did not visit, rows
    // of an unknown kind failed in place of jobs). A claim that stopped at the keys' limits would find nothing
    // more: a finishing job starts the next step, so an empty transaction per step is not spent on it.
    if (cut.value && free > 0) return this.schedule(0);
    if (slots.keyed <= 0 && slots.light <= 0) return; // a finishing job starts the next step
    if (this.inFlight.size === 0 && this.waitingCount === 0 && this.completions.length === 0 && claimed.length === 0 && !this.recording) {
      this.idleWaiters = this.idleWaiters.filter((w) => !waiters.includes(w));
      waiters.forEach((w) => w());
    }
    let wait = this.pollMs;
    // With jobs running, a finishing one starts the next step (or the poll does): no query for the next due time,
    // which on a hub cost a round trip between every two steps. A job due within the poll may then wait for it.
    if (this.inFlight.size > 0) return this.schedule(this.completions.length ? 0 : wait);
    try {
      // A job due later sets the wait. Jobs due now that this claim left are held by their keys' limits (or by
      // another runner claiming them): a finishing job wakes this runner, otherwise the poll looks again.
      const next = await jobs.nextRunAt(this.store, this.opts.queues ?? null);
      const untilNext = next === null ? Infinity : next - this.now();
      if (untilNext > 0) wait = Math.min(wait, untilNext);
    } catch {
      // Poll again at the usual interval.
    }
    if (this.completions.length) wait = 0;
    this.schedule(wait);
  }

  /** Gone runners, orphaned claims, recurring tasks: at most once per heartbeat interval. */
  private async housekeeping(): Promise<void> {
    const now = this.now();
    if (this.checkpoints && now - this.lastCheckpoint >= 1000) {
      this.lastCheckpoint = now;
      try {
        await checkpoint(this.store);
      } catch {
        // A checkpoint is an optimisation; the next one catches up.
      }
    }
    if (now - this.lastHousekeeping < Math.min(this.heartbeatMs, 1000)) return;
    this.lastHousekeeping = now;
    await this.reclaim(now);
    await this.recurring(now);
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      await pruneSignals(this.store, now - 60_000);
    }
  }

  /** Remove runners that are gone and take back the claims nobody holds any more. */
  private async reclaim(now: number): Promise<void> {
    for (const p of await processes.staleProcesses(this.store, 0, now)) {
      if (p.id === this.workerId) continue;
      const deadHere = p.hostname === machineId && p.pid !== process.pid && processIsGone(p.pid);
      if (deadHere) await processes.deregisterProcess(this.store, p.id);
      else if (await processes.removeStaleProcess(this.store, p.id, this.staleMs, now)) {
        this.opts.log?.(`[jobs] runner ${p.id} on ${p.hostname} stopped heartbeating; its claims are taken back`);
      }
    }
    const orphans = await jobs.orphanedClaims(this.store);
    if (orphans.length === 0) return;
    await this.store.transaction(async (tx) => {
      const released: jobs.ClaimRow[] = [];
      for (const row of orphans) {
        if (!(await jobs.releaseOrphan(tx, row.id, row.claimed_by, now))) continue;
        this.stats.reclaimed++;
        released.push(row);
      }
      await this.tellKinds(tx, 'onReclaim', released, now);
    });
  }

  private async recurring(now: number): Promise<void> {
    const recurringKinds = Object.entries(this.kinds).filter(([, k]) => k.every && (!this.opts.queues || this.opts.queues.includes(k.queue)));
    if (recurringKinds.length === 0) return;
    // Rows per account: checked every few seconds (a new account gets its tasks soon), written only when missing.
    if (now - this.lastEnsure > 5_000) {
      this.lastEnsure = now;
      const missing = await jobs.accountsMissingRecurring(this.store, recurringKinds.map(([kind]) => kind));
      if (missing.length) {
        await this.store.transaction(async (tx) => {
          for (const accountId of missing) {
            for (const [kind, k] of recurringKinds) {
              await jobs.ensureRecurring(tx, { id: newId(now), accountId, kind, queue: k.queue, args: {}, everyMs: k.every!, now });
            }
          }
        });
      }
    }
    const due = await jobs.dueRecurring(this.store, now);
    if (due.length === 0) return;
    await this.store.transaction(async (tx) => {
      for (const t of due) {
        if (!this.kinds[t.kind]?.every) continue;
        const jobId = newId(now);
        const periods = Math.max(1, Math.ceil((now - t.next_run_at + 1) / t.every_ms));
        // Conditional on the period it saw: of several runners, one advances the task and enqueues its job.
        if (!(await jobs.advanceRecurring(tx, t.id, t.next_run_at, t.next_run_at + periods * t.every_ms, jobId, now))) continue;
        await jobs.enqueueJob(tx, { id: jobId, accountId: t.account_id, queue: t.queue, kind: t.kind, args: JSON.parse(t.args), runAt: now, createdAt: now, maxAttempts: 3 });
      }
    });
  }

  /** Room to claim in each lane (the keyed lane: its slots and the jobs it may claim ahead, less what it holds). */
  private freeSlots(): { keyed: number; light: number } {
    return {
      keyed: this.concurrency + this.claimAhead - this.keyedInFlight - this.waitingCount,
      light: this.lightConcurrency - (this.inFlight.size - this.keyedInFlight),
    };
  }

  /** Jobs of `key` this runner holds: running, and claimed ahead. */
  private heldOfKey(key: string): number {
    return (this.keyedByKey.get(key) ?? 0) + (this.waiting.get(key)?.length ?? 0);
  }

  /** The most jobs of a key claimed at once here: its running share, and its part of the jobs claimed ahead. */
  private claimShareOf(share: number): number {
    return share + Math.ceil((share * this.claimAhead) / this.concurrency);
  }

  /** Keys with a job running for over a second: slow receivers, claimed for their running share only. */
  private slowKeys(): Set<string> {
    const slow = new Set<string>();
    const since = performance.now() - 1000;
    for (const { key, at } of this.inFlight.values()) if (key && at < since) slow.add(key);
    return slow;
  }

  /**
   * Start jobs claimed ahead while slots are free: one per key in turn (claim order within a key), each key within
   * its running share.
   */
  private startWaiting(): void {
    if (!this.running) return; // stop() gives them back
    let started = true;
    while (started && this.waitingCount > 0 && this.keyedInFlight < this.concurrency) {
      started = false;
      const share = this.shareOfKey(this.activeKeyCount());
      for (const [key, list] of this.waiting) {
        if (this.keyedInFlight >= this.concurrency) break;
        if ((this.keyedByKey.get(key) ?? 0) >= share) continue;
        const row = list.shift()!;
        if (list.length === 0) this.waiting.delete(key);
        this.waitingCount--;
        this.runJob(row);
        started = true;
      }
    }
  }

  /**
   * Keys with a job running or claimed ahead here, and of the distinct keys `also` (counted without building a set:
   * this runs once per finished job).
   */
  private activeKeyCount(also: readonly string[] = []): number {
    let n = this.keyedByKey.size;
    for (const key of this.waiting.keys()) if (!this.keyedByKey.has(key)) n++;
    for (const key of also) if (!this.keyedByKey.has(key) && !this.waiting.has(key)) n++;
    return n;
  }

  /** Stopping: the jobs claimed ahead never ran; make them ready again (the kinds undo what their claim did). */
  private async giveBackWaiting(): Promise<void> {
    if (this.waitingCount === 0) return;
    const rows = [...this.waiting.values()].flat();
    this.waiting.clear();
    this.waitingCount = 0;
    const now = this.now();
    try {
      await this.store.transaction(async (tx) => {
        const given = await jobs.giveBackClaims(tx, rows.map((r) => r.id), this.workerId, now);
        await this.tellKinds(tx, 'onReclaim', rows.filter((r) => given.has(r.id)), now);
      });
    } catch (err) {
      // Left claimed by this runner: the next runner's sweep takes them back once this one is gone.
      this.opts.log?.(`[jobs] giving back jobs claimed ahead failed: ${(err as Error).message}`);
    }
  }

  /**
   * The most jobs of one concurrency key this runner runs at once: its fair share of the keyed slots. A quarter of
   * the slots is kept for keys that are not running yet (no key can fill the budget, so an endpoint that shows up
   * while a slow one holds its whole limit still finds free slots), and the rest is shared by the keys with work.
   */
  private shareOfKey(activeKeys: number): number {
    const shared = this.concurrency - Math.floor(this.concurrency / 4);
    return Math.max(1, Math.floor(shared / Math.max(1, activeKeys)));
  }

  /**
   * Claim due jobs for the free slots (inside the step's transaction), in two lanes. Jobs without a concurrency
   * key (fan-out, notifications, maintenance) have slots of their own, so they never wait behind deliveries. Jobs
   * with a key (deliveries to an endpoint) share the keyed slots: each key within its own limit across every
   * runner (db counts under the key's lock) and within its fair share of this runner's slots.
   */
  private async claimInTx(tx: Tx, now: number, free: { keyed: number; light: number }, cut: { value: boolean }): Promise<Claimed[]> {
    const picked: Claimed[] = [];
    const visit = free.keyed > 0 ? Math.max(16, free.keyed * 2) : 0;
    const { unkeyed, keys } = await jobs.claimCandidates(tx, { queues: this.opts.queues ?? null, now, light: free.light, after: this.keyCursor, visit });
    if (free.light > 0) {
      for (const row of unkeyed) {
        if (!this.kinds[row.kind]) {
          await jobs.failReadyJob(tx, row.id, unknownKindMessage(row.kind, Object.keys(this.kinds)), now);
          this.stats.failed++;
          cut.value = true;
        } else picked.push(row);
      }
    }
    if (free.keyed > 0) picked.push(...(await this.pickKeyed(tx, now, free.keyed, cut, keys, visit)));
    if (picked.length === 0) return [];
    const got = await jobs.claimJobs(tx, picked.map((r) => r.id), this.workerId, now);
    const claimedRows = picked.filter((r) => got.has(r.id));
    for (const row of claimedRows) row.attempts += 1;
    await this.tellKinds(tx, 'onClaim', claimedRows, now);
    return claimedRows;
  }

  /** Call each kind's claim hook once, with its jobs among `rows` (claimed, or taken back, in this transaction). */
  private async tellKinds(tx: Tx, hook: 'onClaim' | 'onReclaim', rows: jobs.ClaimRow[], now: number): Promise<void> {
    const byKind = new Map<string, ClaimedJob[]>();
    for (const row of rows) {
      const list = byKind.get(row.kind);
      if (list) list.push(toClaimed(row));
      else byKind.set(row.kind, [toClaimed(row)]);
    }
    for (const [kind, list] of byKind) await this.kinds[kind]?.[hook]?.(tx, list, now, this.resources);
  }

  /**
   * Jobs with a concurrency key for `free` slots. The keys with ready jobs (`firstKeys`, read with the unkeyed lane)
   * are visited round-robin from where the last claim stopped (with more endpoints than slots, each gets its
   * turn), and each key gives only what it may
   * run: within its own limit across every runner (its claimed jobs counted under the key's lock) and within its
   * fair share of this runner's slots. Only those rows are read, however long a slow endpoint's backlog is.
   */
  private async pickKeyed(tx: Tx, now: number, free: number, cut: { value: boolean }, firstKeys: string[], visit: number): Promise<Claimed[]> {
    let keys = firstKeys; // the keys after the cursor (claimCandidates)
    if (keys.length < visit && this.keyCursor !== null) {
      const seen = new Set(keys);
      keys = [...keys, ...(await jobs.keysWithReadyJobs(tx, null, visit - keys.length)).filter((k) => !seen.has(k))];
    }
    this.keyCursor = null;
    if (keys.length === 0) return [];
    if (keys.length >= visit) cut.value = true; // more keys may have work than this claim visits
    const runShare = this.shareOfKey(this.activeKeyCount(keys));
    const slow = this.claimAhead > 0 ? this.slowKeys() : new Set<string>();
    const shareOf = (k: string) => (slow.has(k) ? runShare : this.claimShareOf(runShare));
    // Keys with room here, locked for count-then-claim (a key another runner is claiming now waits for next time).
    const withRoom = keys.filter((k) => this.heldOfKey(k) < shareOf(k));
    const open = new Set(await tryLockKeys(tx, withRoom.map((k) => `jobs:key:${k}`)));
    // Each key's room in this claim, in visiting order, until the free slots are handed out.
    const rooms: [string, number][] = [];
    let handed = 0;
    for (const key of withRoom) {
      if (!open.has(`jobs:key:${key}`)) continue;
      if (handed >= free) {
        this.keyCursor = rooms[rooms.length - 1][0]; // the next claim starts after the last key served
        break;
      }
      const room = Math.min(shareOf(key) - this.heldOfKey(key), free - handed);
      rooms.push([key, room]);
      handed += room;
    }
    if (rooms.length === 0) return [];
    const { rows, claimedNow } = await jobs.dueJobsOfKeys(tx, rooms, this.opts.queues ?? null, now);
    const rowsOf = new Map<string, jobs.ClaimRow[]>();
    for (const row of rows) {
      const list = rowsOf.get(row.concurrency_key!);
      if (list) list.push(row);
      else rowsOf.set(row.concurrency_key!, [row]);
    }
    // The limits of every key, one call per kind (a key's kind is that of its first job).
    const limits = new Map<string, KeyLimits>();
    const keysOfKind = new Map<string, string[]>();
    for (const [key, list] of rowsOf) keysOfKind.set(list[0].kind, [...(keysOfKind.get(list[0].kind) ?? []), key]);
    for (const [kindName, ks] of keysOfKind) {
      const got = await this.kinds[kindName]?.keyLimits?.(tx, ks, this.resources);
      for (const k of ks) limits.set(k, got?.get(k) ?? {});
    }
    const picked: Claimed[] = [];
    for (const [key] of rooms) {
      const list = rowsOf.get(key);
      if (!list) continue;
      const { concurrency = Infinity, ratePerSecond = null } = limits.get(key) ?? {};
      // Beyond what starts now (the key's running share), jobs are claimed ahead only within half the key's limit
      // across runners, so they never take the room other runners' free slots would run; and none for a
      // rate-limited key, whose jobs wait for their send slots anyway.
      const claimed = claimedNow.get(key) ?? 0;
      const startable = Math.max(0, runShare - this.heldOfKey(key));
      const ahead = ratePerSecond ? 0 : Math.max(0, Math.floor(concurrency / 2) - claimed - startable);
      const take = list.slice(0, Math.max(0, Math.min(startable + ahead, concurrency - claimed)));
      if (take.length < list.length) this.heldByLimit = true;
      for (const row of take) {
        if (!this.kinds[row.kind]) {
          await jobs.failReadyJob(tx, row.id, unknownKindMessage(row.kind, Object.keys(this.kinds)), now);
          this.stats.failed++;
          cut.value = true;
          continue;
        }
        if (ratePerSecond) {
          // A send slot shared by every runner; a slot further than a second away stays for a later claim.
          const slot = await jobs.takeThrottleSlot(tx, `jobs:rate:${key}`, 1000 / ratePerSecond, now, 1000);
          if (slot === null) break;
          picked.push({ ...row, notBefore: slot });
        } else picked.push(row);
      }
    }
    // Keys that took less than their room leave slots that keys after the cursor may want: look again at once.
    if (this.keyCursor !== null && picked.length < handed) cut.value = true;
    return picked;
  }

  private runJob(row: Claimed): void {
    const messages: Completion['messages'] = [];
    const key = row.concurrency_key;
    if (key) {
      this.keyedInFlight++;
      this.keyedByKey.set(key, (this.keyedByKey.get(key) ?? 0) + 1);
    }
    const ctx: JobContext = {
      store: this.store,
      publish: (accountId, topic, payload) => void messages.push([accountId, topic, payload]),
      publishNow: (accountId, topic, payload) => this.publishNow(accountId, topic, payload),
      dataDir: this.opts.dataDir,
      job: { id: row.id, accountId: row.account_id, kind: row.kind, attempts: row.attempts, notBefore: row.notBefore },
      signal: this.abort.signal,
      resources: this.resources,
      config: this.opts.config ?? {},
      now: this.now,
    };
    const p = (async () => {
      try {
        const args = JSON.parse(row.args) as Record<string, unknown>;
        const result = await this.kinds[row.kind].handle(ctx, args);
        this.completions.push({ job: row, result, messages });
      } catch (error) {
        this.completions.push({ job: row, error, messages });
      }
      this.inFlight.delete(row.id);
      if (key) {
        this.keyedInFlight--;
        const n = (this.keyedByKey.get(key) ?? 1) - 1;
        if (n > 0) this.keyedByKey.set(key, n);
        else this.keyedByKey.delete(key);
      }
      this.startWaiting();
      this.scheduleFlush();
    })();
    this.inFlight.set(row.id, { done: p, key, at: performance.now() });
  }

  /** Progress about writes a handler committed itself: this process's windows now, other processes' too. */
  private publishNow(accountId: string, topic: TopicName, payload: unknown): void {
    this.opts.publish(accountId, topic, payload);
    this.store.transaction((tx) => publishOnCommit(tx, [{ accountId, topic, payload }])).catch(() => {});
  }

  /** A job finished: take the next step as soon as the event loop is free (completions coalesce). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.running) {
        if (this.timer) clearTimeout(this.timer);
        void this.tick();
      } else void this.flush();
    });
  }

  /**
   * Record finished jobs without claiming (splitSteps, and while stopping). False when the transaction failed:
   * the results are kept for the next try (a runner that stops leaves their claims to be taken back).
   */
  private async flush(): Promise<boolean> {
    if (this.completions.length === 0) return true;
    const batch = this.completions.splice(0);
    let published: Completion['messages'] = [];
    const attempt = async (mode: RecordMode) => {
      const tally = { finished: 0, failed: 0 }; // counted once its transaction commits
      await this.store.transaction(async (tx) => {
        published = await this.recordBatch(tx, batch, this.now(), mode, tally);
        await publishOnCommit(tx, published.map(([accountId, topic, payload]) => ({ accountId, topic, payload })));
      });
      this.stats.finished += tally.finished;
      this.stats.failed += tally.failed;
    };
    try {
      // The batch alone in its transaction needs no savepoint (two round trips on a hub): if it fails, the whole
      // transaction rolls back and each result is recorded in its own savepoint of a new one.
      await attempt('whole').catch((err) => {
        throwIfConflict(err);
        return attempt('each');
      });
    } catch (err) {
      this.opts.log?.(`[jobs] recording results failed: ${(err as Error).message}`);
      this.completions.unshift(...batch);
      return false;
    }
    this.stats.flushes++;
    for (const [accountId, topic, payload] of published) this.opts.publish(accountId, topic, payload);
    return true;
  }

  /**
   * Record a batch of completions. All of them in one savepoint first; if that fails, each in its own savepoint
   * so that one bad result does not undo the others (`whole`: the batch is all its transaction holds, so it is
   * written without a savepoint and a failure fails the transaction; `each`: straight to one savepoint each).
   * Ordered by concurrency key, so runners recording results of the same endpoints lock their rows in the same
   * order (no deadlock between two hub dispatchers). Finished and failed jobs are counted in `tally`.
   */
  private async recordBatch(tx: Tx, batch: Completion[], now: number, mode: RecordMode, tally: { finished: number; failed: number }): Promise<Completion['messages']> {
    if (batch.length === 0) return [];
    batch.sort((a, b) => (a.job.concurrency_key ?? '').localeCompare(b.job.concurrency_key ?? ''));
    const cache = new Map<string, unknown>(); // handlers' per-transaction cache (JobResult.commit's `batch`)
    if (mode !== 'each') {
      const counted = { finished: 0, failed: 0 };
      try {
        if (mode === 'whole') await this.recordSome(tx, batch, now, cache, counted);
        else await tx.savepoint((sp) => this.recordSome(sp, batch, now, cache, counted));
        tally.finished += counted.finished;
        tally.failed += counted.failed;
        return batch.flatMap((c) => c.messages);
      } catch (err) {
        if (mode === 'whole') throw err; // the transaction is spoilt: the caller records again, `each`
        throwIfConflict(err);
        cache.clear(); // the savepoint rolled back writes the cache may reflect
      }
    }
    const published: Completion['messages'] = [];
    for (const c of batch) {
      const one = { finished: 0, failed: 0 };
      try {
        await tx.savepoint((sp) => this.recordSome(sp, [c], now, cache, one));
        tally.finished += one.finished;
        tally.failed += one.failed;
        published.push(...c.messages);
      } catch (err) {
        throwIfConflict(err);
        cache.clear();
        this.opts.log?.(`[jobs] recording ${c.job.kind} ${c.job.id} failed: ${(err as Error).message}`);
        if (await jobs.finishJob(tx, c.job.id, this.workerId, 'failed', `Recording the result failed: ${(err as Error).message}`, now)) tally.failed++;
      }
    }
    return published;
  }

  /**
   * Record completions in one savepoint: the jobs that finish are marked done by one statement, then each result's
   * `commit` runs, then the writes the commits collected (CommitInfo.collect) go, one statement per kind of write.
   */
  private async recordSome(tx: Tx, batch: Completion[], now: number, cache: Map<string, unknown>, counted: { finished: number; failed: number }): Promise<void> {
    const finishing = batch.filter((c) => c.error === undefined && (c.result || {}).retryAt === undefined);
    const owned = await jobs.finishJobs(tx, finishing.map((c) => ({ id: c.job.id, note: (c.result || {}).note ?? null })), this.workerId, now);
    const keysOfKind = new Map<string, Set<string>>();
    for (const c of batch) {
      if (c.job.concurrency_key) keysOfKind.set(c.job.kind, (keysOfKind.get(c.job.kind) ?? new Set()).add(c.job.concurrency_key));
    }
    for (const [kind, keys] of keysOfKind) await this.kinds[kind]?.beforeRecording?.(tx, [...keys].sort(), cache);
    const collected = new CollectedWrites();
    for (const c of batch) await this.record(tx, c, now, cache, counted, owned, collected);
    await collected.write(tx);
  }

  private async record(tx: Tx, c: Completion, now: number, cache: Map<string, unknown>, counted: { finished: number; failed: number }, finished: Set<string>, collected: CollectedWrites): Promise<void> {
    const { job } = c;
    if (c.error !== undefined) {
      const message = errorText(c.error);
      if (job.attempts >= job.max_attempts) {
        if (await jobs.finishJob(tx, job.id, this.workerId, 'failed', message, now)) counted.failed++;
      } else {
        const backoff = Math.min(3_600_000, 1000 * 2 ** Math.min(job.attempts, 20)) * (0.8 + Math.random() * 0.4);
        await jobs.rescheduleJob(tx, job.id, this.workerId, now + Math.round(backoff), message);
      }
      return;
    }
    const r = c.result || {};
    // The job's state first, conditional on this runner still holding the claim: whether it changed a row tells
    // the handler's commit if the claim is still ours (both in this savepoint, so atomic together).
    let ownsClaim: boolean;
    if (r.retryAt !== undefined) ownsClaim = await jobs.rescheduleJob(tx, job.id, this.workerId, r.retryAt, r.note ?? null, r.refund ?? false);
    else {
      ownsClaim = finished.has(job.id); // marked done by recordSome
      if (ownsClaim) counted.finished++;
    }
    await r.commit?.(tx, { ownsClaim, batch: cache, collect: (name, item, write) => collected.add(name, item, write) });
  }
}

/** The writes results collected in one savepoint (CommitInfo.collect), by name, in the order names first came. */
class CollectedWrites {
  private readonly groups = new Map<string, { items: unknown[]; write: (tx: Tx, items: unknown[]) => Promise<unknown> }>();

  add<T>(name: string, item: T, write: (tx: Tx, items: T[]) => Promise<unknown>): void {
    const g = this.groups.get(name);
    if (g) g.items.push(item);
    else this.groups.set(name, { items: [item], write: write as (tx: Tx, items: unknown[]) => Promise<unknown> });
  }

  async write(tx: Tx): Promise<void> {
    for (const g of this.groups.values()) await g.write(tx, g.items);
    this.groups.clear();
  }
}

/**
 * A deadlock or lock conflict with another runner (PostgreSQL) says nothing about a result: the whole step is
 * rolled back and its batch recorded again in the next one (step() keeps it), instead of failing the job, which
 * left a delivery `delivering` under a failed job until the sweep.
 */
function throwIfConflict(err: unknown): void {
  if (describeStorageError(err)?.code === 'storage_busy') throw err;
}

function toClaimed(row: jobs.ClaimRow): ClaimedJob {
  return { id: row.id, accountId: row.account_id, kind: row.kind, args: JSON.parse(row.args), attempts: row.attempts };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : err.name + ': '}${err.message}`.slice(0, 2000);
  return String(err).slice(0, 2000);
}
