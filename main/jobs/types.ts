import type { Db, Store, Tx } from '../../db/store.ts';
import type { TopicName, TopicPayload } from '../../preload/contract.ts';

/** What a job handler gets: the runner's store (job runners may live in a worker thread or another process). */
export interface JobContext {
  store: Store;
  /**
   * Publish a push topic to the account's open windows (forwarded to the main thread when in a worker, and to
   * other processes through the store). Messages are held back until the job's result is committed.
   */
  publish<T extends TopicName>(accountId: string, topic: T, payload: TopicPayload<T>): void;
  /** Publish at once (progress about writes the handler already committed itself). */
  publishNow?<T extends TopicName>(accountId: string, topic: T, payload: TopicPayload<T>): void;
  /** Folder for key files (webhook secrets are decrypted with a key kept there). */
  dataDir: string;
  job: { id: string; accountId: string; kind: string; attempts: number; notBefore?: number };
  /** Aborted when the runner stops: give up quickly (return `{ retryAt: now, refund: true }`). */
  signal: AbortSignal;
  /** Per-runner shared state (HTTP pools, caches), by area name; values with `close()` are closed on stop. */
  resources: Map<string, unknown>;
  /** Runner options for areas (e.g. `webhooks` dispatcher timeouts). */
  config: Record<string, unknown>;
  /** The runner's clock (ms). */
  now(): number;
}

/**
 * What a handler may return. Nothing = the job is done.
 * - `commit(tx, { ownsClaim })` runs inside the transaction that records the job's completion (atomic with it).
 *   `ownsClaim` is false when the claim was taken back meanwhile (a stale heartbeat): write only what is safe twice.
 *   `batch` is a cache that lives for this one recording transaction (several jobs' results are recorded in one
 *   transaction, so a row read there changes only through that transaction's own writes);
 *   the runner empties it when a result fails to record and its writes are rolled back.
 * - `retryAt`: put the job back to run at that time instead of finishing it (`refund: true` = the claim did not
 *   count as an attempt, e.g. it waited for the network).
 */
export type JobResult = void | {
  commit?: (tx: Tx, info: CommitInfo) => void | Promise<void>;
  retryAt?: number;
  refund?: boolean;
  note?: string;
};

export interface CommitInfo {
  ownsClaim: boolean;
  batch?: Map<string, unknown>;
  /**
   * A write that many results make alike (an attempt row, a delivery's outcome): the items of one `name` are
   * written together by one call of `write`, after every result of the batch ran its `commit`, still inside the
   * recording transaction (atomic with the rest). One statement for a batch instead of one per job: on a hub,
   * one round trip. Only for writes that nothing later in the same batch reads. Absent: write at once.
   */
  collect?<T>(name: string, item: T, write: (tx: Tx, items: T[]) => Promise<unknown>): void;
}

export type JobHandler = (ctx: JobContext, args: Record<string, unknown>) => JobResult | Promise<JobResult>;

export interface ClaimedJob {
  id: string;
  accountId: string;
  kind: string;
  args: Record<string, unknown>;
  attempts: number;
}

export interface JobKind {
  queue: string;
  handle: JobHandler;
  /**
   * Recurring: the runner keeps one `recurring_tasks` row per account for this kind and enqueues a job every
   * `every` ms (a task missed while the app was closed runs once when it opens).
   */
  every?: number;
  /**
   * Runs inside the claim transaction for the jobs of this kind just claimed (e.g. mark rows "in progress");
   * `resources` is the runner's (JobContext.resources), where it may leave what the jobs will need.
   */
  onClaim?(tx: Tx, jobs: ClaimedJob[], now: number, resources: Map<string, unknown>): Promise<void>;
  /**
   * Runs in the recording transaction before the results of this kind's jobs run their `commit`s, with the
   * concurrency keys of those jobs (sorted) and the transaction's cache: read, and lock, what the commits will
   * write, for all of them in one statement.
   */
  beforeRecording?(tx: Tx, keys: string[], batch: Map<string, unknown>): Promise<void>;
  /** Runs inside the transaction that takes stale claims back (their worker died). */
  onReclaim?(tx: Tx, jobs: ClaimedJob[], now: number, resources: Map<string, unknown>): Promise<void>;
  /**
   * The limits of concurrency keys, for every key of this kind a claim is about to take jobs of (one call, one
   * query, per claim): `concurrency` is the most claimed jobs of the key across every runner on the store (no
   * limit when absent); `ratePerSecond` the starts per second across every runner (null or absent: none). The
   * claim hands out send slots for a rate (db/jobs.ts takeThrottleSlot); the handler waits until
   * `ctx.job.notBefore`. `resources` is the runner's (JobContext.resources): what the read may leave for the jobs
   * that start after the claim.
   */
  keyLimits?(db: Db, keys: string[], resources: Map<string, unknown>): Promise<Map<string, KeyLimits>>;
}

export interface KeyLimits {
  concurrency?: number;
  ratePerSecond?: number | null;
}
