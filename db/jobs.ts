// The durable job queue's SQL (table `jobs`, migration 0001 + concurrency_key from 0002, and `recurring_tasks`).
// Raw statements through `prepare`: the claim path is hot and needs exact control of its SQL.
import type { JobStatus } from './schema.ts';
import { prepare, type Sqlite } from './sql.ts';

export interface JobRow {
  id: string; account_id: string; queue: string; kind: string; args: string; status: JobStatus; priority: number;
  run_at: number; attempts: number; max_attempts: number; claimed_by: string | null; claimed_at: number | null;
  heartbeat_at: number | null; last_error: string | null; finished_at: number | null; created_at: number;
  concurrency_key: string | null;
}

/** What the runner needs of a job it claims and runs. */
export type ClaimRow = Pick<JobRow, 'id' | 'account_id' | 'kind' | 'args' | 'attempts' | 'max_attempts' | 'concurrency_key'>;
const claimColumns = 'id, account_id, kind, args, attempts, max_attempts, concurrency_key';

export interface NewJob {
  id: string; accountId: string; queue: string; kind: string; args: Record<string, unknown>; runAt: number;
  priority?: number; maxAttempts?: number; concurrencyKey?: string | null; createdAt: number;
}

export function enqueueJob(s: Sqlite, job: NewJob): void {
  prepare(
    s,
    `INSERT INTO jobs (id, account_id, queue, kind, args, status, priority, run_at, attempts, max_attempts, concurrency_key, created_at)
     VALUES (?, ?, ?, ?, ?, 'ready', ?, ?, 0, ?, ?, ?)`,
  ).run(job.id, job.accountId, job.queue, job.kind, JSON.stringify(job.args), job.priority ?? 0, job.runAt, job.maxAttempts ?? 25, job.concurrencyKey ?? null, job.createdAt);
}

/**
 * Ready jobs due now, best first (priority desc, then run_at, then the order they were written — the index's
 * rowid, which keeps a step's claims on neighbouring pages), from the given queues, skipping concurrency keys
 * that are already at their limit (so a saturated endpoint's backlog does not hide other work).
 */
export function dueJobs(s: Sqlite, queues: string[] | null, now: number, limit: number, excludeKeys: string[] = []): ClaimRow[] {
  const where = [`status = 'ready'`, `run_at <= ?`];
  const params: unknown[] = [now];
  if (queues) {
    where.push(`queue IN (${queues.map(() => '?').join(',')})`);
    params.push(...queues);
  }
  if (excludeKeys.length) {
    where.push(`(concurrency_key IS NULL OR concurrency_key NOT IN (${excludeKeys.map(() => '?').join(',')}))`);
    params.push(...excludeKeys);
  }
  params.push(limit);
  // Only the columns the runner uses (a claim reads a few dozen rows per step; `last_error` can be long).
  return prepare(
    s,
    `SELECT ${claimColumns} FROM jobs INDEXED BY jobs_ready_priority WHERE ${where.join(' AND ')} ORDER BY priority DESC, run_at, rowid LIMIT ?`,
  ).all(...params) as ClaimRow[];
}

/** How many jobs are claimed right now per concurrency key (all workers on the file). */
export function claimedPerKey(s: Sqlite, keys: string[]): Map<string, number> {
  const map = new Map<string, number>();
  if (keys.length === 0) return map;
  const marks = keys.map(() => '?').join(',');
  const rows = prepare(s, `SELECT concurrency_key k, count(*) n FROM jobs INDEXED BY jobs_concurrency WHERE status = 'claimed' AND concurrency_key IS NOT NULL AND concurrency_key IN (${marks}) GROUP BY concurrency_key`).all(...keys) as { k: string; n: number }[];
  for (const r of rows) map.set(r.k, r.n);
  return map;
}

/** Claim one ready job for a worker; false when someone else got it first. */
export function claimJob(s: Sqlite, id: string, worker: string, now: number): boolean {
  return (
    prepare(s, `UPDATE jobs SET status = 'claimed', claimed_by = ?, claimed_at = ?, heartbeat_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'ready'`).run(
      worker, now, now, id,
    ).changes === 1
  );
}

export function heartbeat(s: Sqlite, worker: string, now: number): number {
  return prepare(s, `UPDATE jobs SET heartbeat_at = ? WHERE status = 'claimed' AND claimed_by = ?`).run(now, worker).changes;
}

/** Claims whose worker stopped heartbeating before `staleBefore`: taken back (made ready again). */
export function staleClaims(s: Sqlite, staleBefore: number): JobRow[] {
  return prepare(s, `SELECT * FROM jobs WHERE status = 'claimed' AND heartbeat_at < ?`).all(staleBefore) as JobRow[];
}

export function releaseStale(s: Sqlite, id: string, staleBefore: number, now: number): boolean {
  return (
    prepare(
      s,
      `UPDATE jobs SET status = 'ready', run_at = ?, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         last_error = 'The worker running this job stopped (crash or kill); it was taken back.'
       WHERE id = ? AND status = 'claimed' AND heartbeat_at < ?`,
    ).run(now, id, staleBefore).changes === 1
  );
}

/** Release all claims of a worker that is shutting down cleanly. */
export function releaseWorker(s: Sqlite, worker: string, now: number): number {
  return prepare(s, `UPDATE jobs SET status = 'ready', run_at = ?, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL, attempts = max(attempts - 1, 0) WHERE status = 'claimed' AND claimed_by = ?`).run(now, worker).changes;
}

/** Finish a claimed job (only if this worker still holds the claim). */
export function finishJob(s: Sqlite, id: string, worker: string, status: 'done' | 'failed' | 'cancelled', error: string | null, now: number): boolean {
  return (
    prepare(s, `UPDATE jobs SET status = ?, last_error = ?, finished_at = ?, claimed_by = NULL, heartbeat_at = NULL WHERE id = ? AND status = 'claimed' AND claimed_by = ?`).run(
      status, error, now, id, worker,
    ).changes === 1
  );
}

/** Put a claimed job back to wait until `runAt`. `refund` gives back the claim's attempt (a wait, not a try). */
export function rescheduleJob(s: Sqlite, id: string, worker: string, runAt: number, error: string | null, refund = false): boolean {
  return (
    prepare(
      s,
      `UPDATE jobs SET status = 'ready', run_at = ?, last_error = ?, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         attempts = attempts - ? WHERE id = ? AND status = 'claimed' AND claimed_by = ?`,
    ).run(runAt, error, refund ? 1 : 0, id, worker).changes === 1
  );
}

/** Make a job (any state but claimed) ready to run at `runAt`. Returns false if it is running right now. */
export function requeueJob(s: Sqlite, id: string, runAt: number, priority?: number): boolean {
  return (
    prepare(
      s,
      `UPDATE jobs SET status = 'ready', run_at = ?, priority = coalesce(?, priority), finished_at = NULL, claimed_by = NULL WHERE id = ? AND status <> 'claimed'`,
    ).run(runAt, priority ?? null, id).changes === 1
  );
}

/** A ready job whose kind no handler knows: failed at once, with the reason, never silently dropped. */
export function failReadyJob(s: Sqlite, id: string, error: string, now: number): boolean {
  return prepare(s, `UPDATE jobs SET status = 'failed', attempts = attempts + 1, last_error = ?, finished_at = ? WHERE id = ? AND status = 'ready'`).run(error, now, id).changes > 0;
}

export function cancelJob(s: Sqlite, id: string, now: number): boolean {
  return prepare(s, `UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'ready'`).run(now, id).changes === 1;
}

export function findJob(s: Sqlite, id: string): JobRow | undefined {
  return prepare(s, `SELECT * FROM jobs WHERE id = ?`).get(id) as JobRow | undefined;
}

/** Earliest run_at among ready jobs (for the runner's sleep). */
export function nextRunAt(s: Sqlite, queues: string[] | null): number | null {
  const row = queues
    ? (prepare(s, `SELECT min(run_at) t FROM jobs WHERE status = 'ready' AND queue IN (${queues.map(() => '?').join(',')})`).get(...queues) as { t: number | null })
    : (prepare(s, `SELECT min(run_at) t FROM jobs INDEXED BY jobs_ready_run_at WHERE status = 'ready'`).get() as { t: number | null });
  return row.t;
}

// ---- Read side for the jobs page (account-scoped) ----

export interface QueueStats { queue: string; ready: number; scheduled: number; claimed: number; done: number; failed: number; cancelled: number }

export function queueStats(s: Sqlite, accountId: string, now: number): QueueStats[] {
  return prepare(
    s,
    `SELECT queue,
       sum(status = 'ready' AND run_at <= ?) ready,
       sum(status = 'ready' AND run_at > ?) scheduled,
       sum(status = 'claimed') claimed,
       sum(status = 'done') done,
       sum(status = 'failed') failed,
       sum(status = 'cancelled') cancelled
     FROM jobs WHERE account_id = ? GROUP BY queue ORDER BY queue`,
  ).all(now, now, accountId) as QueueStats[];
}

export type JobListFilter = 'ready' | 'scheduled' | 'claimed' | 'done' | 'failed' | 'cancelled';

export function listJobs(
  s: Sqlite,
  accountId: string,
  opts: { status?: JobListFilter; queue?: string; kind?: string; before?: { at: number; id: string }; limit: number; now: number },
): JobRow[] {
  const where = ['account_id = ?'];
  const params: unknown[] = [accountId];
  if (opts.status === 'ready') { where.push(`status = 'ready' AND run_at <= ?`); params.push(opts.now); }
  else if (opts.status === 'scheduled') { where.push(`status = 'ready' AND run_at > ?`); params.push(opts.now); }
  else if (opts.status) { where.push('status = ?'); params.push(opts.status); }
  if (opts.queue) { where.push('queue = ?'); params.push(opts.queue); }
  if (opts.kind) { where.push('kind = ?'); params.push(opts.kind); }
  if (opts.before) { where.push('(created_at < ? OR (created_at = ? AND id < ?))'); params.push(opts.before.at, opts.before.at, opts.before.id); }
  params.push(opts.limit);
  return prepare(s, `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`).all(...params) as JobRow[];
}

// ---- Recurring tasks ----

export interface RecurringRow {
  id: string; account_id: string; kind: string; queue: string; args: string; every_ms: number; next_run_at: number;
  last_run_at: number | null; last_job_id: string | null; created_at: number;
}

export function accountIds(s: Sqlite): string[] {
  return (prepare(s, `SELECT id FROM accounts ORDER BY id`).all() as { id: string }[]).map((r) => r.id);
}

/** Make sure an account has a row for a recurring kind (first run one interval from now). */
export function ensureRecurring(s: Sqlite, row: { id: string; accountId: string; kind: string; queue: string; args: Record<string, unknown>; everyMs: number; now: number }): void {
  prepare(
    s,
    `INSERT INTO recurring_tasks (id, account_id, kind, queue, args, every_ms, next_run_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_id, kind) DO UPDATE SET every_ms = excluded.every_ms, queue = excluded.queue,
       next_run_at = min(recurring_tasks.next_run_at, excluded.next_run_at)`,
  ).run(row.id, row.accountId, row.kind, row.queue, JSON.stringify(row.args), row.everyMs, row.now + row.everyMs, row.now);
}

export function dueRecurring(s: Sqlite, now: number): RecurringRow[] {
  return prepare(s, `SELECT * FROM recurring_tasks WHERE next_run_at <= ? ORDER BY next_run_at LIMIT 100`).all(now) as RecurringRow[];
}

/** Advance a task past `now` (a task missed while offline runs once, not once per missed interval). */
export function advanceRecurring(s: Sqlite, id: string, expectedNext: number, nextRunAt: number, jobId: string, now: number): boolean {
  return (
    prepare(s, `UPDATE recurring_tasks SET next_run_at = ?, last_run_at = ?, last_job_id = ? WHERE id = ? AND next_run_at = ?`).run(
      nextRunAt, now, jobId, id, expectedNext,
    ).changes === 1
  );
}

export function listRecurring(s: Sqlite, accountId: string) {
  return prepare(
    s,
    `SELECT r.*, j.status last_status, j.last_error last_error FROM recurring_tasks r LEFT JOIN jobs j ON j.id = r.last_job_id
     WHERE r.account_id = ? ORDER BY r.kind`,
  ).all(accountId) as (RecurringRow & { last_status: string | null; last_error: string | null })[];
}
