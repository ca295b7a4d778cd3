// The durable job queue's SQL (table `jobs`, migration 0001 + concurrency_key from 0002, `recurring_tasks`, and
// `processes`/`job_throttles` from 0005). Raw statements: the claim path is hot and needs exact control of its SQL.
// The claim is the one place where the dialects differ in kind: SQLite's single writer makes a plain read of the
// due rows safe inside the IMMEDIATE transaction; on PostgreSQL many runners claim at once, so the read locks the
// rows it returns and skips rows another runner has locked (FOR UPDATE SKIP LOCKED).
import type { JobStatus } from './schema.ts';
import { wakeRunnersOnCommit } from './signals.ts';
import { marks, rawAll, rawFirst, rawRun, type Db, type Tx } from './sql.ts';

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

const insertJobSql = `INSERT INTO jobs (id, account_id, queue, kind, args, status, priority, run_at, attempts, max_attempts, concurrency_key, created_at)
     VALUES (?, ?, ?, ?, ?, 'ready', ?, ?, 0, ?, ?, ?)`;

export async function enqueueJob(db: Db, job: NewJob): Promise<void> {
  await rawRun(db, insertJobSql, [
    job.id, job.accountId, job.queue, job.kind, JSON.stringify(job.args), job.priority ?? 0, job.runAt, job.maxAttempts ?? 25,
    job.concurrencyKey ?? null, job.createdAt,
  ]);
  await wakeRunnersOnCommit(db);
}

/**
 * Ready jobs without a concurrency key (fan-out, notifications, maintenance) due now, best first (priority desc,
 * then run_at, then write order), from the given queues: their own lane, which a backlog of deliveries never holds
 * up (partial index jobs_ready_unkeyed, migration 0008). Ties in the order written (SQLite's rowid, PostgreSQL's
 * `seq`), which keeps a step's claims on neighbouring pages.
 * PostgreSQL: the rows are locked for this transaction; rows locked by another runner are skipped.
 */
export async function dueUnkeyedJobs(tx: Tx, queues: string[] | null, now: number, limit: number): Promise<ClaimRow[]> {
  const { where, params } = dueWhere(queues, now, 'concurrency_key IS NULL');
  params.push(limit);
  return rawAll<ClaimRow>(tx, tx.dialect === 'postgres' ? lockDueRows(where) : readDueRows('jobs_ready_unkeyed', where), params);
}

/** PostgreSQL's best-first order: priority, then due time, then the order written (`seq`; SQLite's is rowid). */
const bestFirst = (t = '') => `${t}priority DESC, ${t}run_at, ${t}seq`;

/** PostgreSQL: the due rows `where` picks, best first, up to a limit, locked for this transaction; rows another runner holds are skipped. */
const lockDueRows = (where: string[], extra = '') =>
  `SELECT ${claimColumns}${extra} FROM jobs WHERE ${where.join(' AND ')} ORDER BY ${bestFirst()} LIMIT ? FOR UPDATE SKIP LOCKED`;

/** SQLite: the same from one lane's partial index, only the columns the runner uses (`last_error` can be long). */
const readDueRows = (index: string, where: string[]) =>
  `SELECT ${claimColumns} FROM jobs INDEXED BY ${index} WHERE ${where.join(' AND ')} ORDER BY priority DESC, run_at, rowid LIMIT ?`;

/**
 * What a claim starts from: the due jobs without a concurrency key (dueUnkeyedJobs, at most `light`) and the keys
 * with ready jobs after `after` (keysWithReadyJobs, at most `visit`). PostgreSQL: one statement for both.
 */
export async function claimCandidates(
  tx: Tx,
  o: { queues: string[] | null; now: number; light: number; after: string | null; visit: number },
): Promise<{ unkeyed: ClaimRow[]; keys: string[] }> {
  if (tx.dialect === 'sqlite' || o.light <= 0 || o.visit <= 0) {
    return {
      unkeyed: o.light > 0 ? await dueUnkeyedJobs(tx, o.queues, o.now, o.light) : [],
      keys: o.visit > 0 ? await keysWithReadyJobs(tx, o.after, o.visit) : [],
    };
  }
  const { where, params } = dueWhere(o.queues, o.now, 'concurrency_key IS NULL');
  params.push(o.light, o.after ?? '', o.visit);
  const next = nextKeyAfter;
  const rows = await rawAll<ClaimRow & { part: number }>(
    tx,
    `WITH RECURSIVE u AS (${lockDueRows(where, ', priority, run_at, seq')}), k(key, n) AS (
       SELECT (${next}?), 1
       UNION ALL
       SELECT (${next}k.key), n + 1 FROM k WHERE k.key IS NOT NULL AND n < ?
     )
     SELECT 0 AS part, ${claimColumns}, priority, run_at, seq FROM u
     UNION ALL
     SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, key, NULL, NULL, n FROM k WHERE key IS NOT NULL
     ORDER BY part, ${bestFirst()}`,
    params,
  );
  const unkeyed: ClaimRow[] = [];
  const keys: string[] = [];
  for (const { part, ...row } of rows) {
    if (part === 0) {
      const { id, account_id, kind, args, attempts, max_attempts, concurrency_key } = row;
      unkeyed.push({ id, account_id, kind, args, attempts, max_attempts, concurrency_key });
    } else keys.push(row.concurrency_key!);
  }
  return { unkeyed, keys };
}

/** One step of the loose scan over jobs_ready_keyed: the next key with ready jobs after what follows it. */
const nextKeyAfter = `SELECT min(concurrency_key) FROM jobs WHERE status = 'ready' AND concurrency_key IS NOT NULL AND concurrency_key > `;

/**
 * Concurrency keys that have ready jobs (due or not), in key order after `after` (null: from the first), at most
 * `limit`: a loose scan of jobs_ready_keyed, one index seek per key, however many jobs each key has waiting.
 */
export async function keysWithReadyJobs(db: Db, after: string | null, limit: number): Promise<string[]> {
  const next = nextKeyAfter;
  const rows = await rawAll<{ k: string }>(
    db,
    `WITH RECURSIVE k(key, n) AS (
       SELECT (${next}?), 1
       UNION ALL
       SELECT (${next}k.key), n + 1 FROM k WHERE k.key IS NOT NULL AND n < ?
     ) SELECT key AS k FROM k WHERE key IS NOT NULL`,
    [after ?? '', limit],
  );
  return rows.map((r) => r.k);
}

/**
 * Ready jobs of one concurrency key due now, best first, from the given queues: only the rows the claim may take
 * (jobs_ready_keyed is ordered by key, then priority and run_at). PostgreSQL: locked for this transaction, rows
 * locked by another runner skipped.
 */
export async function dueJobsOfKey(tx: Tx, key: string, queues: string[] | null, now: number, limit: number): Promise<ClaimRow[]> {
  const { where, params } = dueWhere(queues, now, 'concurrency_key = ?');
  params.push(key, limit);
  return rawAll<ClaimRow>(tx, tx.dialect === 'postgres' ? lockDueRows(where) : readDueRows('jobs_ready_keyed', where), params);
}

/**
 * dueJobsOfKey for several keys, each with its own limit, in the order given, and how many jobs of each key are
 * claimed right now by every runner (claimedPerKey; read after the keys' locks were taken, in an earlier
 * statement). PostgreSQL: one statement (a lateral read per key, rows locked, rows another runner holds skipped,
 * the count beside them). SQLite: one indexed read per key and one count.
 */
export async function dueJobsOfKeys(
  tx: Tx,
  rooms: [key: string, limit: number][],
  queues: string[] | null,
  now: number,
): Promise<{ rows: ClaimRow[]; claimedNow: Map<string, number> }> {
  if (rooms.length === 0) return { rows: [], claimedNow: new Map() };
  if (tx.dialect === 'sqlite') {
    const claimedNow = await claimedPerKey(tx, rooms.map(([k]) => k));
    const rows: ClaimRow[] = [];
    for (const [key, limit] of rooms) rows.push(...(await dueJobsOfKey(tx, key, queues, now, limit)));
    return { rows, claimedNow };
  }
  const params: unknown[] = [rooms.map(([k]) => k), rooms.map(([, n]) => n), now];
  let queueFilter = '';
  if (queues) {
    queueFilter = ' AND j.queue = ANY(?::text[])';
    params.push(queues);
  }
  const found = await rawAll<ClaimRow & { claimed_now: number }>(
    tx,
    `SELECT ${claimColumns}, (SELECT count(*)::int FROM jobs c WHERE c.status = 'claimed' AND c.concurrency_key = k.key) AS claimed_now
     FROM unnest(?::text[], ?::int[]) WITH ORDINALITY AS k(key, n, i)
     CROSS JOIN LATERAL (
       SELECT ${claimColumns}, j.priority, j.run_at, j.seq FROM jobs j WHERE j.status = 'ready' AND j.run_at <= ? AND j.concurrency_key = k.key${queueFilter}
       ORDER BY ${bestFirst('j.')} LIMIT k.n FOR UPDATE SKIP LOCKED
     ) c ORDER BY k.i, ${bestFirst('c.')}`,
    params,
  );
  const claimedNow = new Map<string, number>();
  const rows = found.map(({ claimed_now, ...row }) => {
    claimedNow.set(row.concurrency_key!, claimed_now);
    return row;
  });
  return { rows, claimedNow };
}

/** Ready jobs due at `now` in the given queues, and what else `lane` says of them (its parameters follow). */
function dueWhere(queues: string[] | null, now: number, lane: string): { where: string[]; params: unknown[] } {
  const where = [`status = 'ready'`, `run_at <= ?`];
  const params: unknown[] = [now];
  if (queues) {
    where.push(`queue IN (${marks(queues.length)})`);
    params.push(...queues);
  }
  where.push(lane);
  return { where, params };
}

/** How many jobs are claimed right now per concurrency key (all runners on the store). */
export async function claimedPerKey(db: Db, keys: string[]): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  if (keys.length === 0) return map;
  const hint = db.dialect === 'sqlite' ? 'INDEXED BY jobs_concurrency ' : '';
  const rows = await rawAll<{ k: string; n: number }>(
    db,
    `SELECT concurrency_key AS k, count(*) AS n FROM jobs ${hint}WHERE status = 'claimed' AND concurrency_key IS NOT NULL AND concurrency_key IN (${marks(keys.length)}) GROUP BY concurrency_key`,
    keys,
  );
  for (const r of rows) map.set(r.k, r.n);
  return map;
}

/** Claim ready jobs for a runner; resolves to the ids it got (a row someone else took meanwhile is left out). */
export async function claimJobs(tx: Tx, ids: string[], worker: string, now: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await rawAll<{ id: string }>(
    tx,
    `UPDATE jobs SET status = 'claimed', claimed_by = ?, claimed_at = ?, heartbeat_at = ?, attempts = attempts + 1
     WHERE id IN (${marks(ids.length)}) AND status = 'ready' RETURNING id`,
    [worker, now, now, ...ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Claims held by runners that are not registered any more (crashed, killed, or found stale). */
export function orphanedClaims(db: Db, limit = 500): Promise<JobRow[]> {
  return rawAll<JobRow>(
    db,
    `SELECT * FROM jobs ${db.dialect === 'sqlite' ? 'INDEXED BY jobs_claimed_by ' : ''}WHERE status = 'claimed' AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT id FROM processes)) LIMIT ?`,
    [limit],
  );
}

/** Take one orphaned claim back (made ready again), unless its runner meanwhile finished it. */
export async function releaseOrphan(tx: Tx, id: string, claimedBy: string | null, now: number): Promise<boolean> {
  return (
    (await rawRun(
      tx,
      `UPDATE jobs SET status = 'ready', run_at = ?, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         last_error = 'The worker running this job stopped (crash or kill); it was taken back.'
       WHERE id = ? AND status = 'claimed' AND coalesce(claimed_by, '') = ?`,
      [now, id, claimedBy ?? ''],
    )) === 1
  );
}

// A claim given back unrun: ready now, unclaimed, and its attempt refunded (the claim counted one).
const giveBackSet = `UPDATE jobs SET status = 'ready', run_at = ?, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
       attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END`;

/**
 * Give back claims of `worker` that never ran (jobs claimed ahead of a free slot when the runner stops): ready
 * again at once, the claim's attempt given back. Resolves to the ids it changed.
 */
export async function giveBackClaims(tx: Tx, ids: string[], worker: string, now: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await rawAll<{ id: string }>(
    tx,
    `${giveBackSet} WHERE id IN (${marks(ids.length)}) AND status = 'claimed' AND claimed_by = ? RETURNING id`,
    [now, ...ids, worker],
  );
  return new Set(rows.map((r) => r.id));
}

/** Release all claims of a runner that is shutting down cleanly (the claim's attempt is given back). */
export function releaseWorker(db: Db, worker: string, now: number): Promise<number> {
  return rawRun(db, `${giveBackSet} WHERE status = 'claimed' AND claimed_by = ?`, [now, worker]);
}

/** Finish a claimed job (only if this runner still holds the claim). */
export async function finishJob(tx: Db, id: string, worker: string, status: 'done' | 'failed' | 'cancelled', error: string | null, now: number): Promise<boolean> {
  return (
    (await rawRun(
      tx,
      `UPDATE jobs SET status = ?, last_error = ?, finished_at = ?, claimed_by = NULL, heartbeat_at = NULL WHERE id = ? AND status = 'claimed' AND claimed_by = ?`,
      [status, error, now, id, worker],
    )) === 1
  );
}

/**
 * Mark claimed jobs done, each with its note (null for most), conditional on `worker` still holding the claim: one
 * statement per distinct note. Resolves to the ids it changed (the claims that were still this worker's).
 */
export async function finishJobs(tx: Db, done: { id: string; note: string | null }[], worker: string, now: number): Promise<Set<string>> {
  const owned = new Set<string>();
  const byNote = new Map<string | null, string[]>();
  for (const d of done) {
    const ids = byNote.get(d.note);
    if (ids) ids.push(d.id);
    else byNote.set(d.note, [d.id]);
  }
  for (const [note, ids] of byNote) {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await rawAll<{ id: string }>(
        tx,
        `UPDATE jobs SET status = 'done', last_error = ?, finished_at = ?, claimed_by = NULL, heartbeat_at = NULL
         WHERE id IN (${marks(chunk.length)}) AND status = 'claimed' AND claimed_by = ? RETURNING id`,
        [note, now, ...chunk, worker],
      );
      for (const r of rows) owned.add(r.id);
    }
  }
  return owned;
}

/** Put a claimed job back to wait until `runAt`. `refund` gives back the claim's attempt (a wait, not a try). */
export async function rescheduleJob(tx: Db, id: string, worker: string, runAt: number, error: string | null, refund = false): Promise<boolean> {
  return (
    (await rawRun(
      tx,
      `UPDATE jobs SET status = 'ready', run_at = ?, last_error = ?, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         attempts = attempts - ? WHERE id = ? AND status = 'claimed' AND claimed_by = ?`,
      [runAt, error, refund ? 1 : 0, id, worker],
    )) === 1
  );
}

/** Make a job (any state but claimed) ready to run at `runAt`. False if it is running right now. */
export async function requeueJob(db: Db, id: string, runAt: number, opts: { priority?: number; args?: Record<string, unknown>; clearError?: boolean } = {}): Promise<boolean> {
  return (
    (await rawRun(
      db,
      `UPDATE jobs SET status = 'ready', run_at = ?, priority = coalesce(?, priority), args = coalesce(?, args),
         last_error = CASE WHEN ? THEN NULL ELSE last_error END, finished_at = NULL, claimed_by = NULL
       WHERE id = ? AND status <> 'claimed'`,
      [runAt, opts.priority ?? null, opts.args ? JSON.stringify(opts.args) : null, opts.clearError ?? false, id],
    )) === 1 && (await wakeRunnersOnCommit(db), true)
  );
}

/** Make waiting (`ready`) jobs due at `now` (resume of a paused endpoint); running and finished jobs are left alone. */
export async function runJobsNow(tx: Tx, ids: readonly string[], now: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    n += await rawRun(tx, `UPDATE jobs SET run_at = ? WHERE id IN (${marks(part.length)}) AND status = 'ready' AND run_at > ?`, [now, ...part, now]);
  }
  if (n > 0) await wakeRunnersOnCommit(tx);
  return n;
}

/** Change a job's arguments and priority (the deliver job of a manual retry goes back to a scheduled one). */
export async function setJobArgs(tx: Db, id: string, args: Record<string, unknown>, priority: number): Promise<void> {
  await rawRun(tx, `UPDATE jobs SET args = ?, priority = ? WHERE id = ?`, [JSON.stringify(args), priority, id]);
}

/** A ready job whose kind no handler knows: failed at once, with the reason, never silently dropped. */
export async function failReadyJob(tx: Db, id: string, error: string, now: number): Promise<boolean> {
  return (await rawRun(tx, `UPDATE jobs SET status = 'failed', attempts = attempts + 1, last_error = ?, finished_at = ? WHERE id = ? AND status = 'ready'`, [error, now, id])) > 0;
}

export async function cancelJob(db: Db, id: string, now: number): Promise<boolean> {
  return (await rawRun(db, `UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'ready'`, [now, id])) === 1;
}

export function findJob(db: Db, id: string): Promise<JobRow | undefined> {
  return rawFirst<JobRow>(db, `SELECT * FROM jobs WHERE id = ?`, [id]);
}

/** Earliest run_at among ready jobs (for the runner's sleep). */
export async function nextRunAt(db: Db, queues: string[] | null): Promise<number | null> {
  const row = queues
    ? await rawFirst<{ t: number | null }>(db, `SELECT min(run_at) AS t FROM jobs WHERE status = 'ready' AND queue IN (${marks(queues.length)})`, queues)
    : await rawFirst<{ t: number | null }>(
        db,
        db.dialect === 'sqlite'
          ? `SELECT min(run_at) AS t FROM jobs INDEXED BY jobs_ready_run_at WHERE status = 'ready'`
          : `SELECT min(run_at) AS t FROM jobs WHERE status = 'ready'`,
      );
  return row?.t ?? null;
}

// ---- Throttles (rate limits across every runner)

/**
 * Take the next send slot of a rate-limited key: `max(now, next free slot)`, and move the key's next free slot
 * `intervalMs` later. Null (nothing taken) when the slot would be more than `horizonMs` away: the job stays
 * ready for a later claim instead of holding a runner's slot while it waits. In the claim transaction, after the
 * key's lock (tryLockKey), so runners never hand out the same slot twice.
 */
export async function takeThrottleSlot(tx: Tx, key: string, intervalMs: number, now: number, horizonMs: number): Promise<number | null> {
  const row = await rawFirst<{ next_at: number }>(tx, `SELECT next_at FROM job_throttles WHERE key = ?`, [key]);
  const slot = Math.max(now, row?.next_at ?? 0);
  if (slot - now > horizonMs) return null;
  await rawRun(
    tx,
    `INSERT INTO job_throttles (key, next_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at`,
    [key, Math.round(slot + intervalMs)],
  );
  return slot;
}

// ---- Read side for the jobs page (account-scoped)

export interface QueueStats { queue: string; ready: number; scheduled: number; claimed: number; done: number; failed: number; cancelled: number }

// A job can finish `done` and still have failed at its work: older deliver jobs ended `done` with the error text
// when their delivery ended failed (they are marked `failed` now, see markDoneJobFailed). Both read
// as failed here: the job ids of the account's failed deliveries (a small set, read once per statement).
const failedWork = `id IN (SELECT job_id FROM webhook_deliveries WHERE account_id = ? AND status = 'failed' AND job_id IS NOT NULL)`;

export function queueStats(db: Db, accountId: string, now: number): Promise<QueueStats[]> {
  return rawAll<QueueStats>(
    db,
    `SELECT queue,
       count(*) FILTER (WHERE status = 'ready' AND run_at <= ?) AS ready,
       count(*) FILTER (WHERE status = 'ready' AND run_at > ?) AS scheduled,
       count(*) FILTER (WHERE status = 'claimed') AS claimed,
       count(*) FILTER (WHERE status = 'done' AND NOT (${failedWork})) AS done,
       count(*) FILTER (WHERE status = 'failed' OR (status = 'done' AND ${failedWork})) AS failed,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled
     FROM jobs WHERE account_id = ? GROUP BY queue ORDER BY queue`,
    [now, now, accountId, accountId, accountId],
  );
}

export type JobListFilter = 'ready' | 'scheduled' | 'claimed' | 'done' | 'failed' | 'cancelled';

/** A row of the jobs page: `failed_work` is true for a `done` job whose work failed (see failedWork). */
export type JobListRow = JobRow & { failed_work: boolean };

export async function listJobs(
  db: Db,
  accountId: string,
  opts: { status?: JobListFilter; queue?: string; kind?: string; before?: { at: number; id: string }; limit: number; now: number },
): Promise<JobListRow[]> {
  const where = ['account_id = ?'];
  const params: unknown[] = [accountId, accountId];
  if (opts.status === 'ready') { where.push(`status = 'ready' AND run_at <= ?`); params.push(opts.now); }
  else if (opts.status === 'scheduled') { where.push(`status = 'ready' AND run_at > ?`); params.push(opts.now); }
  else if (opts.status === 'failed') { where.push(`(status = 'failed' OR (status = 'done' AND ${failedWork}))`); params.push(accountId); }
  else if (opts.status === 'done') { where.push(`status = 'done' AND NOT (${failedWork})`); params.push(accountId); }
  else if (opts.status) { where.push('status = ?'); params.push(opts.status); }
  if (opts.queue) { where.push('queue = ?'); params.push(opts.queue); }
  if (opts.kind) { where.push('kind = ?'); params.push(opts.kind); }
  if (opts.before) { where.push('(created_at < ? OR (created_at = ? AND id < ?))'); params.push(opts.before.at, opts.before.at, opts.before.id); }
  params.push(opts.limit);
  const rows = await rawAll<JobRow & { failed_work: unknown }>(
    db,
    `SELECT *, CASE WHEN status = 'done' AND ${failedWork} THEN 1 ELSE 0 END AS failed_work
     FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
    params,
  );
  return rows.map((r) => ({ ...r, failed_work: Number(r.failed_work) === 1 }));
}

/** One job of the account, with `failed_work` (see failedWork); undefined for another account's id. */
export async function findAccountJob(db: Db, accountId: string, id: string): Promise<JobListRow | undefined> {
  const row = await rawFirst<JobRow & { failed_work: unknown }>(
    db,
    `SELECT *, CASE WHEN status = 'done' AND ${failedWork} THEN 1 ELSE 0 END AS failed_work FROM jobs WHERE id = ? AND account_id = ?`,
    [accountId, id, accountId],
  );
  return row && { ...row, failed_work: Number(row.failed_work) === 1 };
}

/**
 * Run a job again now (jobs.retry): a failed or discarded one, or a waiting one at once. Never a running
 * (claimed) or a finished one: conditional on the status it was read in, so a claim in between wins. Its last
 * error is cleared (the next run writes its own).
 */
export async function retryJob(tx: Tx, accountId: string, id: string, now: number): Promise<boolean> {
  const n = await rawRun(
    tx,
    `UPDATE jobs SET status = 'ready', run_at = ?, last_error = NULL, finished_at = NULL, claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL
     WHERE id = ? AND account_id = ? AND status IN ('ready', 'failed', 'cancelled')`,
    [now, id, accountId],
  );
  if (n === 1) await wakeRunnersOnCommit(tx);
  return n === 1;
}

/**
 * Discard a waiting or failed job (jobs.discard): `cancelled`, with `note` saying who. A claimed job is never
 * discarded mid-run: the update is conditional, so of a claim and a discard at the same moment exactly one wins
 * (PostgreSQL re-checks the condition after the row lock; SQLite has one writer).
 */
export async function discardJob(tx: Tx, accountId: string, id: string, now: number, note: string): Promise<boolean> {
  return (
    (await rawRun(
      tx,
      `UPDATE jobs SET status = 'cancelled', finished_at = ?, last_error = ? WHERE id = ? AND account_id = ? AND status IN ('ready', 'failed')`,
      [now, note, id, accountId],
    )) === 1
  );
}

/** Cancel waiting jobs (an endpoint deleted with its deliveries): running and finished ones are left alone. */
export async function cancelWaitingJobs(tx: Tx, ids: readonly string[], now: number, note: string): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    n += await rawRun(tx, `UPDATE jobs SET status = 'cancelled', finished_at = ?, last_error = ? WHERE id IN (${marks(part.length)}) AND status = 'ready'`, [now, note, ...part]);
  }
  return n;
}

/**
 * A job that finished `done` but failed at its work for good (a delivery that ended failed): `failed`, with the
 * reason, in the transaction that records it (after the runner's finishJob). True if it changed the row.
 */
export async function markDoneJobFailed(db: Db, id: string, error: string): Promise<boolean> {
  return (await rawRun(db, `UPDATE jobs SET status = 'failed', last_error = ? WHERE id = ? AND status = 'done'`, [error, id])) === 1;
}

// ---- Recurring tasks

export interface RecurringRow {
  id: string; account_id: string; kind: string; queue: string; args: string; every_ms: number; next_run_at: number;
  last_run_at: number | null; last_job_id: string | null; created_at: number;
}

export async function accountIds(db: Db): Promise<string[]> {
  return (await rawAll<{ id: string }>(db, `SELECT id FROM accounts ORDER BY id`)).map((r) => r.id);
}

/** Make sure an account has a row for a recurring kind (first run one interval from now). */
export async function ensureRecurring(db: Db, row: { id: string; accountId: string; kind: string; queue: string; args: Record<string, unknown>; everyMs: number; now: number }): Promise<void> {
  await rawRun(
    db,
    `INSERT INTO recurring_tasks (id, account_id, kind, queue, args, every_ms, next_run_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_id, kind) DO UPDATE SET every_ms = excluded.every_ms, queue = excluded.queue,
       next_run_at = CASE WHEN recurring_tasks.next_run_at < excluded.next_run_at THEN recurring_tasks.next_run_at ELSE excluded.next_run_at END`,
    [row.id, row.accountId, row.kind, row.queue, JSON.stringify(row.args), row.everyMs, row.now + row.everyMs, row.now],
  );
}

/** Accounts that lack a row for one of `kinds` (so a runner only writes when something is missing). */
export async function accountsMissingRecurring(db: Db, kinds: string[]): Promise<string[]> {
  if (kinds.length === 0) return [];
  const rows = await rawAll<{ id: string }>(
    db,
    `SELECT a.id FROM accounts a WHERE (SELECT count(*) FROM recurring_tasks r WHERE r.account_id = a.id AND r.kind IN (${marks(kinds.length)})) < ? ORDER BY a.id`,
    [...kinds, kinds.length],
  );
  return rows.map((r) => r.id);
}

export function dueRecurring(db: Db, now: number): Promise<RecurringRow[]> {
  return rawAll<RecurringRow>(db, `SELECT * FROM recurring_tasks WHERE next_run_at <= ? ORDER BY next_run_at, id LIMIT 100`, [now]);
}

/** Advance a task past `now` (a task missed while offline runs once, not once per missed interval). */
export async function advanceRecurring(tx: Db, id: string, expectedNext: number, nextRunAt: number, jobId: string, now: number): Promise<boolean> {
  return (
    (await rawRun(tx, `UPDATE recurring_tasks SET next_run_at = ?, last_run_at = ?, last_job_id = ? WHERE id = ? AND next_run_at = ?`, [
      nextRunAt, now, jobId, id, expectedNext,
    ])) === 1
  );
}

export function listRecurring(db: Db, accountId: string) {
  return rawAll<RecurringRow & { last_status: string | null; last_error: string | null }>(
    db,
    `SELECT r.*, j.status AS last_status, j.last_error AS last_error FROM recurring_tasks r LEFT JOIN jobs j ON j.id = r.last_job_id
     WHERE r.account_id = ? ORDER BY r.kind`,
    [accountId],
  );
}
