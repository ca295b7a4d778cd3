// The generic job runner over the `jobs` table (Solid Queue is the model).
//
// - Claim: one short IMMEDIATE transaction takes a batch of due `ready` rows (respecting per-key concurrency),
//   marks them `claimed` by this worker and runs the kinds' `onClaim` hooks.
// - Run: handlers run outside any transaction (HTTP happens here). A heartbeat keeps the claims fresh.
// - Record: completions are written in another short transaction (batched), with the handler's `commit` atomically.
// - Reclaim: claims whose heartbeat is older than `staleMs` are taken back by any runner on the file.
// - Recurring tasks: rows in `recurring_tasks` (one per account and kind with `every`) enqueue a job when due.
// - A job of an unknown kind fails at once with a clear `last_error`; a handler that throws is retried with
//   exponential backoff until `max_attempts`, then `failed` with the error.
import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import * as jobs from '../../db/jobs.ts';
import { countAccounts } from '../../db/workspace.ts';
import { newId } from '../../db/ids.ts';
import type { Sqlite } from '../../db/sql.ts';
import type { TopicName } from '../../preload/contract.ts';
import { jobKinds as registeredKinds } from './kinds.ts';
import type { ClaimedJob, JobContext, JobKind, JobResult } from './types.ts';

export interface RunnerOptions {
  sqlite: Sqlite;
  dataDir: string;
  publish(accountId: string, topic: TopicName, payload: unknown): void;
  kinds?: Record<string, JobKind>;
  /** Queues to work (null = all). */
  queues?: string[] | null;
  /** Jobs running at once in this runner (default 16). */
  concurrency?: number;
  /** Idle poll interval (default 100 ms). */
  pollMs?: number;
  heartbeatMs?: number;
  /** A claim whose heartbeat is older than this is taken back (default 30 s). */
  staleMs?: number;
  workerId?: string;
  config?: Record<string, unknown>;
  now?: () => number;
  log?: (msg: string) => void;
}

interface Completion {
  job: jobs.ClaimRow;
  result?: JobResult;
  error?: unknown;
  messages: [string, TopicName, unknown][];
}

export function unknownKindMessage(kind: string, known: string[]): string {
  return `No handler is registered for job kind “${kind}”, so it cannot run. Known kinds: ${known.sort().join(', ') || '(none)'}. Register it in main/jobs/kinds.ts.`;
}

export class JobRunner {
  readonly workerId: string;
  private readonly kinds: Record<string, JobKind>;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private completions: Completion[] = [];
  private timer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private running = false;
  private readonly abort = new AbortController();
  private lastHousekeeping = 0;
  private lastEnsure = 0;
  private lastAccounts = -1;
  private checkpoints = false;
  private lastCheckpoint = 0;
  readonly resources = new Map<string, unknown>();
  /** Counters for tests and the bench. */
  readonly stats = { claimed: 0, finished: 0, failed: 0, reclaimed: 0, flushes: 0, steps: 0, stepMs: 0 };
  private idleWaiters: (() => void)[] = [];
  // The step's transaction and the per-result savepoint, built once: better-sqlite3 builds several wrapper
  // functions per `transaction()` call, which showed up in profiles when done per step and per result.
  private readonly stepTx: (batch: Completion[], now: number) => { published: Completion['messages']; claimed: jobs.ClaimRow[] };
  private readonly recordTx: (c: Completion, now: number, cache: Map<string, unknown>) => void;

  constructor(private readonly opts: RunnerOptions) {
    this.kinds = opts.kinds ?? registeredKinds;
    this.concurrency = opts.concurrency ?? 16;
    this.pollMs = opts.pollMs ?? 100;
    this.heartbeatMs = opts.heartbeatMs ?? 2_000;
    this.staleMs = opts.staleMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.workerId = opts.workerId ?? `worker-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    this.stepTx = opts.sqlite.transaction((batch: Completion[], now: number) => ({ published: this.recordBatch(batch, now), claimed: this.claimInTx(now) })).immediate;
    this.recordTx = opts.sqlite.transaction((c: Completion, now: number, cache: Map<string, unknown>) => this.record(c, now, cache));
    // Every running job listens on the stop signal.
    setMaxListeners(0, this.abort.signal);
    // The runner's own connection commits with synchronous=NORMAL (WAL): a commit survives a crash or kill -9 of
    // the process, and only a power cut can lose the last few. Everything this connection writes is the
    // bookkeeping of at-least-once work (claims, attempts, delivery states, fan-out together with its job), so a
    // lost commit means the job runs again: the same delivery re-sent with the same webhook-id, never a loss.
    // Domain commands keep synchronous=FULL on their connection (db/open.ts).
    if (opts.sqlite.pragma('journal_mode', { simple: true }) === 'wal') {
      opts.sqlite.pragma('synchronous = NORMAL');
      // Checkpoint on the housekeeping timer rather than inside a step's commit (keeps each step short).
      opts.sqlite.pragma('wal_autocheckpoint = 0');
      this.checkpoints = true;
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.heartbeatTimer = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeatTimer.unref?.();
    this.schedule(0);
  }

  /** Poll now (new work was committed). */
  wake(): void {
    if (this.running) this.schedule(0);
  }

  /** Stop claiming, abort running handlers, record what finished and give back the rest. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
    this.flush();
    try {
      jobs.releaseWorker(this.opts.sqlite, this.workerId, this.now());
    } catch {
      // The database may already be closed by a crash path; stale claims are taken back by the next runner.
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
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private beat(): void {
    if (this.inFlight.size === 0) return;
    try {
      jobs.heartbeat(this.opts.sqlite, this.workerId, this.now());
    } catch (err) {
      this.opts.log?.(`[jobs] heartbeat failed: ${(err as Error).message}`);
    }
  }

  /**
   * One step of the loop, in ONE short IMMEDIATE transaction: record the results of finished jobs and claim new
   * ones for the free slots (a single commit per step however many jobs it covers: the commit is the largest
   * fixed cost of a step).
   */
  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    const s = this.opts.sqlite;
    let claimed: jobs.ClaimRow[] = [];
    let published: Completion['messages'] = [];
    const batch = this.completions.splice(0);
    try {
      this.housekeeping();
      const now = this.now();
      const t0 = performance.now();
      ({ published, claimed } = this.stepTx(batch, now));
      this.stats.steps++;
      this.stats.stepMs += performance.now() - t0;
      if (batch.length) this.stats.flushes++;
    } catch (err) {
      // SQLITE_BUSY beyond the busy timeout, or the file went away: nothing was committed; try again shortly.
      this.opts.log?.(`[jobs] step failed: ${(err as Error).message}`);
      this.completions.unshift(...batch);
      return this.schedule(200);
    }
    for (const [accountId, topic, payload] of published) this.opts.publish(accountId, topic, payload);
    for (const row of claimed) this.runJob(row);
    this.stats.claimed += claimed.length;
    const free = this.concurrency - this.inFlight.size;
    if (claimed.length > 0 && free > 0) return this.schedule(0);
    if (free <= 0) return; // a finishing job starts the next step
    if (this.inFlight.size === 0 && this.completions.length === 0 && claimed.length === 0) {
      this.idleWaiters.splice(0).forEach((w) => w());
    }
    let wait = this.pollMs;
    const next = jobs.nextRunAt(s, this.opts.queues ?? null);
    if (next !== null) wait = Math.max(0, Math.min(wait, next - this.now()));
    this.schedule(wait);
  }

  /** Stale claims, recurring tasks: at most once per heartbeat interval. */
  private housekeeping(): void {
    const now = this.now();
    if (this.checkpoints && now - this.lastCheckpoint >= 1000) {
      this.lastCheckpoint = now;
      try {
        this.opts.sqlite.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // A checkpoint is an optimisation; the next one catches up.
      }
    }
    if (now - this.lastHousekeeping < Math.min(this.heartbeatMs, 1000)) return;
    this.lastHousekeeping = now;
    const s = this.opts.sqlite;
    const staleBefore = now - this.staleMs;
    const stale = jobs.staleClaims(s, staleBefore);
    if (stale.length) {
      s.transaction(() => {
        const byKind = new Map<string, ClaimedJob[]>();
        for (const row of stale) {
          if (!jobs.releaseStale(s, row.id, staleBefore, now)) continue;
          this.stats.reclaimed++;
          const list = byKind.get(row.kind) ?? [];
          list.push(toClaimed(row));
          byKind.set(row.kind, list);
        }
        for (const [kind, list] of byKind) this.kinds[kind]?.onReclaim?.(s, list, now);
      }).immediate();
    }
    this.recurring(now);
  }

  private recurring(now: number): void {
    const s = this.opts.sqlite;
    const recurringKinds = Object.entries(this.kinds).filter(([, k]) => k.every && (!this.opts.queues || this.opts.queues.includes(k.queue)));
    if (recurringKinds.length === 0) return;
    // Rows per account: (re)checked every minute, and at once when an account appears (first run, demo seed).
    const accounts = countAccounts(s);
    if (now - this.lastEnsure > 60_000 || accounts !== this.lastAccounts) {
      this.lastEnsure = now;
      this.lastAccounts = accounts;
      s.transaction(() => {
        for (const accountId of jobs.accountIds(s)) {
          for (const [kind, k] of recurringKinds) {
            jobs.ensureRecurring(s, { id: newId(now), accountId, kind, queue: k.queue, args: {}, everyMs: k.every!, now });
          }
        }
      }).immediate();
    }
    const due = jobs.dueRecurring(s, now);
    if (due.length === 0) return;
    s.transaction(() => {
      for (const t of due) {
        if (!this.kinds[t.kind]?.every) continue;
        const jobId = newId(now);
        const periods = Math.max(1, Math.ceil((now - t.next_run_at + 1) / t.every_ms));
        if (!jobs.advanceRecurring(s, t.id, t.next_run_at, t.next_run_at + periods * t.every_ms, jobId, now)) continue;
        jobs.enqueueJob(s, { id: jobId, accountId: t.account_id, queue: t.queue, kind: t.kind, args: JSON.parse(t.args), runAt: now, createdAt: now, maxAttempts: 3 });
      }
    }).immediate();
  }

  /** Claim due jobs for the free slots (inside the step's transaction). */
  private claimInTx(now: number): jobs.ClaimRow[] {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return [];
    const s = this.opts.sqlite;
    const claimedRows: jobs.ClaimRow[] = [];
    const counts = new Map<string, number>();
    const limits = new Map<string, number>();
    const saturated = new Set<string>();
    // A few rounds at most: each round skips the keys found at their limit in the previous one.
    for (let round = 0; round < 4 && claimedRows.length < free; round++) {
      const want = free - claimedRows.length + 4;
      const candidates = jobs.dueJobs(s, this.opts.queues ?? null, now, want, [...saturated]);
      if (candidates.length === 0) break;
      const newKeys = [...new Set(candidates.map((c) => c.concurrency_key).filter((k): k is string => k !== null && !counts.has(k)))];
      const fresh = jobs.claimedPerKey(s, newKeys);
      for (const k of newKeys) counts.set(k, fresh.get(k) ?? 0);
      for (const row of candidates) {
        if (claimedRows.length >= free) break;
        const kind = this.kinds[row.kind];
        if (!kind) {
          jobs.failReadyJob(s, row.id, unknownKindMessage(row.kind, Object.keys(this.kinds)), now);
          this.stats.failed++;
          continue;
        }
        const key = row.concurrency_key;
        if (key) {
          if (saturated.has(key)) continue;
          let limit = limits.get(key);
          if (limit === undefined) {
            limit = kind.concurrencyLimit?.(s, key) ?? Infinity;
            limits.set(key, limit);
          }
          const n = counts.get(key) ?? 0;
          if (n >= limit) {
            saturated.add(key);
            continue;
          }
          counts.set(key, n + 1);
        }
        if (!jobs.claimJob(s, row.id, this.workerId, now)) continue;
        row.attempts += 1;
        claimedRows.push(row);
      }
      if (candidates.length < want) break; // nothing more is due
    }
    const byKind = new Map<string, ClaimedJob[]>();
    for (const row of claimedRows) {
      const list = byKind.get(row.kind) ?? [];
      list.push(toClaimed(row));
      byKind.set(row.kind, list);
    }
    for (const [kind, list] of byKind) this.kinds[kind].onClaim?.(s, list, now);
    return claimedRows;
  }

  private runJob(row: jobs.ClaimRow): void {
    const messages: Completion['messages'] = [];
    const ctx: JobContext = {
      sqlite: this.opts.sqlite,
      publish: (accountId, topic, payload) => void messages.push([accountId, topic, payload]),
      publishNow: (accountId, topic, payload) => this.opts.publish(accountId, topic, payload),
      dataDir: this.opts.dataDir,
      job: { id: row.id, accountId: row.account_id, kind: row.kind, attempts: row.attempts },
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
      this.scheduleFlush();
    })();
    this.inFlight.set(row.id, p);
  }

  /** A job finished: take the next step as soon as the event loop is free (completions coalesce). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.running) {
        if (this.timer) clearTimeout(this.timer);
        this.tick();
      } else this.flush();
    });
  }

  /** Record finished jobs without claiming (used while stopping). */
  private flush(): void {
    if (this.completions.length === 0) return;
    const batch = this.completions.splice(0);
    let published: Completion['messages'] = [];
    try {
      this.opts.sqlite.transaction(() => {
        published = this.recordBatch(batch, this.now());
      }).immediate();
    } catch (err) {
      this.opts.log?.(`[jobs] recording results failed: ${(err as Error).message}`);
      return;
    }
    for (const [accountId, topic, payload] of published) this.opts.publish(accountId, topic, payload);
  }

  /** Each completion in its own savepoint, so one bad result does not undo the others. */
  private recordBatch(batch: Completion[], now: number): Completion['messages'] {
    const s = this.opts.sqlite;
    const published: Completion['messages'] = [];
    const cache = new Map<string, unknown>(); // handlers' per-transaction cache (JobResult.commit's `batch`)
    for (const c of batch) {
      try {
        this.recordTx(c, now, cache); // a savepoint: one bad result does not undo the others
        published.push(...c.messages);
      } catch (err) {
        cache.clear(); // the savepoint rolled back writes the cache may reflect
        this.opts.log?.(`[jobs] recording ${c.job.kind} ${c.job.id} failed: ${(err as Error).message}`);
        jobs.finishJob(s, c.job.id, this.workerId, 'failed', `Recording the result failed: ${(err as Error).message}`, now);
      }
    }
    return published;
  }

  private record(c: Completion, now: number, cache: Map<string, unknown>): void {
    const s = this.opts.sqlite;
    const { job } = c;
    if (c.error !== undefined) {
      const message = errorText(c.error);
      if (job.attempts >= job.max_attempts) {
        if (jobs.finishJob(s, job.id, this.workerId, 'failed', message, now)) this.stats.failed++;
      } else {
        const backoff = Math.min(3_600_000, 1000 * 2 ** Math.min(job.attempts, 20)) * (0.8 + Math.random() * 0.4);
        jobs.rescheduleJob(s, job.id, this.workerId, now + Math.round(backoff), message);
      }
      return;
    }
    const r = c.result || {};
    // The job's state first, conditional on this worker still holding the claim: whether it changed a row tells
    // the handler's commit if the claim is still ours (both in this savepoint, so atomic together).
    let ownsClaim: boolean;
    if (r.retryAt !== undefined) ownsClaim = jobs.rescheduleJob(s, job.id, this.workerId, r.retryAt, r.note ?? null, r.refund ?? false);
    else {
      ownsClaim = jobs.finishJob(s, job.id, this.workerId, 'done', r.note ?? null, now);
      if (ownsClaim) this.stats.finished++;
    }
    r.commit?.(s, { ownsClaim, batch: cache });
  }
}

function toClaimed(row: jobs.ClaimRow): ClaimedJob {
  return { id: row.id, accountId: row.account_id, kind: row.kind, args: JSON.parse(row.args), attempts: row.attempts };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : err.name + ': '}${err.message}`.slice(0, 2000);
  return String(err).slice(0, 2000);
}
