// The webhooks job kinds: fan-out of an event to its endpoints, one delivery attempt, the repair sweep, pruning
// and bulk retry. Runs inside the job runner (a worker thread in the app, or `chronicle dispatch`).
import crypto from 'node:crypto';
import { v7 } from 'uuid';
import { loadEventRows, type EventTableName } from '../../db/events.ts';
import { newId, toIso } from '../../db/ids.ts';
import * as jobsDb from '../../db/jobs.ts';
import type { Db, Tx } from '../../db/store.ts';
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../../db/schema.ts';
import * as db from '../../db/webhooks.ts';
import { eventType } from '../events/registry.ts';
import type { ClaimedJob, JobContext, JobKind, JobResult } from '../jobs/types.ts';
import { Pools, sendAttempt, type AttemptResult } from './http.ts';
import { dispatchOptions, parseRetryAfter, withJitter, type WebhookDispatchOptions } from './options.ts';
import { classifyAddress } from './network.ts';
import { BoundedMap } from './bounded-map.ts';
import { openHeaders, redactHeaders } from './headers.ts';
import { SecretBox, signatureHeader } from './secrets.ts';

export const WEBHOOKS_QUEUE = 'webhooks';
export const DELIVER_KIND = 'webhooks.deliver';
const ENDPOINT_KEY_PREFIX = 'webhooks:endpoint:';
export const endpointKey = (endpointId: string) => `${ENDPOINT_KEY_PREFIX}${endpointId}`;

// ---------------------------------------------------------------- shared writes (also used by handlers)

export function eventBody(type: string, timestampIso: string, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: timestampIso, data });
}

/**
 * Delivery and attempt ids: UUIDv7 like every key, but ids minted in the same millisecond ascend in the order they are
 * written (a counter in the sequence bits, RFC 9562 §6.2 method 1, instead of random bits). A fan-out to many
 * endpoints, a bulk retry or a burst of events writes many deliveries in one millisecond; with random ids each
 * of their attempt rows landed on a random page of the `webhook_attempts_delivery` index, which cost about 15 %
 * of the dispatcher's throughput in the dispatch benchmark. The counter starts at a random value each
 * millisecond, so ids stay unguessable in their low bits and distinct across processes.
 */
const counters = new BoundedMap<number, number>(64); // per millisecond: writers interleave at every await, each with its own `now`
function orderedId(now: number): string {
  const last = counters.get(now);
  // A new millisecond starts at random: room for 3 × 2^30 more ids in it before the counter could wrap.
  const seq = last === undefined ? crypto.randomInt(0, 2 ** 30) : last + 1;
  counters.set(now, seq);
  return v7({ msecs: now, seq });
}

/** A delivery and its job, in the caller's transaction. */
export async function createDelivery(
  s: Db,
  input: { accountId: string; endpointId: string; eventTable: string | null; eventId: string | null; eventType: string; payload: string; now: number; manualBy?: string | null },
): Promise<WebhookDeliveriesTable> {
  const id = orderedId(input.now);
  const jobId = newId(input.now);
  const row: WebhookDeliveriesTable = {
    id, account_id: input.accountId, endpoint_id: input.endpointId, event_table: input.eventTable, event_id: input.eventId,
    event_type: input.eventType, payload: input.payload, status: 'pending', attempts: 0, next_attempt_at: input.now,
    last_status: null, last_error: null, job_id: jobId, delivered_at: null, created_at: input.now, updated_at: input.now,
  };
  await db.insertDelivery(s, row);
  await jobsDb.enqueueJob(s, {
    id: jobId, accountId: input.accountId, queue: WEBHOOKS_QUEUE, kind: DELIVER_KIND,
    args: input.manualBy !== undefined ? { deliveryId: id, trigger: 'manual', by: input.manualBy } : { deliveryId: id },
    runAt: input.now, priority: input.manualBy !== undefined ? 10 : 0, maxAttempts: 1_000_000, concurrencyKey: endpointKey(input.endpointId), createdAt: input.now,
  });
  return row;
}

/**
 * Queue a delivery for an attempt now (manual retry or bulk retry), in the caller's transaction.
 * Returns false if it is being delivered at this very moment.
 */
export async function requeueDelivery(s: Tx, d: WebhookDeliveriesTable, now: number, by: string | null): Promise<boolean> {
  if (d.status === 'delivering') return false;
  const args = { deliveryId: d.id, trigger: 'manual', by };
  let jobId = d.job_id;
  const job = jobId ? await jobsDb.findJob(s, jobId) : undefined;
  if (job && job.status === 'claimed') return false;
  if (job) {
    if (!(await jobsDb.requeueJob(s, job.id, now, { priority: 10, args, clearError: true }))) return false;
  } else {
    jobId = newId(now);
    await jobsDb.enqueueJob(s, { id: jobId, accountId: d.account_id, queue: WEBHOOKS_QUEUE, kind: DELIVER_KIND, args, runAt: now, priority: 10, maxAttempts: 1_000_000, concurrencyKey: endpointKey(d.endpoint_id), createdAt: now });
  }
  await db.setDeliveryState(s, d.id, { status: d.attempts === 0 ? 'pending' : 'retrying', next_attempt_at: now, job_id: jobId, updated_at: now });
  return true;
}

export async function enqueueNotification(s: Db, accountId: string, kind: 'notifications.endpointDisabled' | 'notifications.deliveryFailures', args: Record<string, unknown>, now: number): Promise<void> {
  await jobsDb.enqueueJob(s, { id: newId(now), accountId, queue: 'notifications', kind, args, runAt: now, createdAt: now, maxAttempts: 10 });
}

/** Disable an endpoint with its reason, and raise the notification (same transaction). */
export async function disableEndpoint(s: Db, ep: WebhookEndpointsTable, reason: string, now: number, notify: boolean): Promise<void> {
  await db.updateEndpoint(s, ep.account_id, ep.id, { status: 'disabled', disabled_reason: reason, disabled_at: now, updated_at: now, paused_until: null });
  if (notify) await enqueueNotification(s, ep.account_id, 'notifications.endpointDisabled', { endpointId: ep.id, reason }, now);
}

// ---------------------------------------------------------------- dispatcher resources

interface Resources {
  options: WebhookDispatchOptions;
  pools: Pools;
  box: SecretBox;
  /** Signing secrets opened with the data key, per sealed value (a rotation seals a new one). */
  secrets: BoundedMap<string, string>;
  /** Custom header values as sent, per stored (sealed) headers JSON: opened once, not at every attempt. */
  headers: BoundedMap<string, Record<string, string>>;
  burst: Map<string, Promise<WebhookEndpointsTable | undefined>>;
  offlineUntil: number;
  close(): Promise<void>;
}

/**
 * Config passed to the runner: `config.webhooks = { secretKey (base64), ...WebhookDispatchOptions overrides }`, or
 * `keyProblem` (the key guard's sentence) instead of the key when this process has no usable one.
 */
export interface WebhooksRunnerConfig extends Partial<WebhookDispatchOptions> {
  secretKey?: string;
  keyProblem?: string | null;
}

function resources(ctx: JobContext): Resources {
  let r = ctx.resources.get('webhooks') as Resources | undefined;
  if (!r) {
    const { secretKey, keyProblem, ...overrides } = (ctx.config.webhooks as WebhooksRunnerConfig | undefined) ?? {};
    const options = dispatchOptions(overrides);
    const pools = new Pools(options);
    const box = new SecretBox(secretKey ? Buffer.from(secretKey, 'base64') : null, {
      unavailable: keyProblem ?? 'The webhook dispatcher was started without the webhook secrets key.',
      keyName: `the webhook secrets key of this dispatcher (data folder ${ctx.dataDir})`,
    });
    r = {
      options, pools, box, secrets: new BoundedMap(1024), headers: new BoundedMap(1024), burst: new Map(), offlineUntil: 0,
      close: () => pools.close(),
    };
    ctx.resources.set('webhooks', r);
  }
  return r;
}

/**
 * Deliveries as the claim transaction just marked them (`UPDATE … RETURNING`), taken by the handler of the same
 * claim: it sends from the row read inside the claim instead of reading it again. Entries of a claim are replaced
 * at every claim of the same delivery, so a stale row is never used. Kept in the runner's resources, so they go
 * when it stops (a job given back unrun leaves its row there until then).
 */
const claimedRowsOf = (resources: Map<string, unknown>) => mapIn<WebhookDeliveriesTable>(resources, 'webhooks.claimedDeliveries');

/** A map kept under `key` in the runner's resources, made on first use. */
function mapIn<V>(resources: Map<string, unknown>, key: string): Map<string, V> {
  let m = resources.get(key) as Map<string, V> | undefined;
  if (!m) resources.set(key, (m = new Map()));
  return m;
}

function rememberClaimed(resources: Map<string, unknown>, jobs: ClaimedJob[], rows: WebhookDeliveriesTable[]): void {
  const claimed = claimedRowsOf(resources);
  for (const id of deliveryIdsOf(jobs)) claimed.delete(id); // not marked now (e.g. cancelled): the handler reads it
  for (const row of rows) claimed.set(row.id, row);
}

async function takeClaimed(s: Db, resources: Map<string, unknown>, id: string): Promise<WebhookDeliveriesTable | undefined> {
  const claimed = claimedRowsOf(resources);
  const row = claimed.get(id);
  if (row) claimed.delete(id);
  return row ?? db.deliveryById(s, id);
}

/**
 * The endpoint row, read once per burst of jobs the runner starts together after a claim (they start in one
 * synchronous loop, so they would all read the same row at the same moment): the cache is dropped at the next
 * microtask, before any job gets to its HTTP request's answer.
 */
function endpointForBurst(s: Db, r: Resources, runner: Map<string, unknown>, id: string): Promise<WebhookEndpointsTable | undefined> {
  let ep = r.burst.get(id);
  if (!ep) {
    const claimed = claimedEndpointsOf(runner).get(id);
    ep = claimed && claimed.at > Date.now() - CLAIMED_ENDPOINT_MS ? Promise.resolve(claimed.row) : db.endpointById(s, id);
    if (r.burst.size === 0) setImmediate(() => r.burst.clear());
    r.burst.set(id, ep);
  }
  return ep;
}

/**
 * Endpoint rows as the last claim transaction read them for their limits (keyLimits), used by the jobs that start
 * within CLAIMED_ENDPOINT_MS of that read: right after the claim commits, or claimed ahead and started as a slot
 * frees (a hub dispatcher saved one round trip per endpoint per job, each waited for before the request). A job
 * that starts later reads the row; so does every job after this runner wrote the endpoint's health. Kept in the
 * runner's resources: its claims' rows serve its own jobs only.
 */
const claimedEndpointsOf = (resources: Map<string, unknown>) => mapIn<{ row: WebhookEndpointsTable; at: number }>(resources, 'webhooks.claimedEndpoints');
const CLAIMED_ENDPOINT_MS = 250;

function secretOf(r: Resources, enc: string): string {
  return r.secrets.getOrMake(enc, () => r.box.decrypt(enc));
}

/** The endpoint's custom headers as sent (their values opened with the data key), remembered per stored JSON. */
function customHeadersOf(r: Resources, ep: WebhookEndpointsTable): Record<string, string> {
  return r.headers.getOrMake(`${ep.headers_in_clear ? 'clear' : 'sealed'}:${ep.headers}`, () => openHeaders(r.box, ep));
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

// ---------------------------------------------------------------- the attempt

export interface Decision {
  status: 'delivered' | 'retrying' | 'failed';
  nextAt: number | null;
  disable?: string;
}

export function decide(d: Pick<WebhookDeliveriesTable, 'attempts'>, schedule: number[], r: AttemptResult, o: WebhookDispatchOptions, now: number, random = Math.random): Decision {
  const ok = r.errorKind === null && r.status !== null && r.status >= 200 && r.status < 300;
  if (ok) return { status: 'delivered', nextAt: null };
  if (r.status === 410) return { status: 'failed', nextAt: null, disable: 'The endpoint answered 410 Gone: it asked not to receive any more deliveries.' };
  if (r.errorKind === 'blocked') return { status: 'failed', nextAt: null };
  const attemptsAfter = d.attempts + 1;
  if (attemptsAfter > schedule.length) return { status: 'failed', nextAt: null };
  let delay = withJitter(schedule[attemptsAfter - 1], o.jitter, random);
  if (r.status === 429 || r.status === 503) {
    const ra = parseRetryAfter(r.headers?.['retry-after'], now);
    if (ra !== null) delay = Math.min(o.retryAfterMaxMs, Math.max(o.retryAfterMinMs, ra));
  }
  return { status: 'retrying', nextAt: now + delay };
}

function describeFailure(r: AttemptResult): string {
  if (r.errorMessage) return r.errorMessage;
  if (r.status !== null) return `The endpoint answered ${r.status}${r.status === 410 ? ' Gone' : ''}.`;
  return 'The attempt failed.';
}

/** How the breaker's hold reads on a delivery (`last_error`); resume clears it. */
export const PAUSED_NOTE = 'Paused until';

/**
 * The request headers of an attempt at `now`: the endpoint's custom headers, then Chronicle's own, signed with
 * every secret that signs right now (both during a rotation's overlap). `decrypt` opens an encrypted secret;
 * `custom` are the endpoint's header values opened (webhooks/headers.ts openHeaders).
 * The dispatcher sends exactly these; a freshly signed curl command (webhooks.deliveries.signedCurl) carries them too.
 */
export function requestHeaders(
  ep: Pick<WebhookEndpointsTable, 'secret_enc' | 'previous_secret_enc' | 'previous_secret_expires_at'>,
  d: Pick<WebhookDeliveriesTable, 'id' | 'payload' | 'event_type'>,
  decrypt: (enc: string) => string,
  now: number,
  userAgent: string,
  custom: Record<string, string>,
): Record<string, string> {
  const ts = Math.floor(now / 1000);
  const secrets = [decrypt(ep.secret_enc)];
  if (ep.previous_secret_enc && ep.previous_secret_expires_at && ep.previous_secret_expires_at > now) secrets.push(decrypt(ep.previous_secret_enc));
  return {
    ...custom,
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': d.id,
    'webhook-timestamp': String(ts),
    'webhook-signature': signatureHeader(secrets, d.id, ts, d.payload),
    'x-webhook-event': d.event_type,
  };
}

function isLoopbackUrl(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || classifyAddress(h) === 'loopback';
}

async function deliver(ctx: JobContext, args: Record<string, unknown>): Promise<JobResult> {
  const s = ctx.store;
  const r = resources(ctx);
  const o = r.options;
  const deliveryId = String(args.deliveryId);
  const manual = args.trigger === 'manual';
  const by = typeof args.by === 'string' ? args.by : null;
  const d = await takeClaimed(s, ctx.resources, deliveryId);
  if (!d) return { note: 'The delivery no longer exists.' };
  if (d.status !== 'delivering') return { note: `Nothing to send: the delivery is ${d.status}.` };
  const ep = (await endpointForBurst(s, r, ctx.resources, d.endpoint_id))!;
  let now = ctx.now();
  const publish = () => ctx.publish(d.account_id, 'webhooks.delivery.updated', { deliveryId: d.id, endpointId: d.endpoint_id });
  const putBack = (at: number, why: string): JobResult => {
    publish();
    return {
      retryAt: at, refund: true, note: why,
      commit: async (tx, { ownsClaim }) => {
        if (ownsClaim) await db.setDeliveryState(tx, d.id, { status: d.attempts === 0 ? 'pending' : 'retrying', next_attempt_at: at, last_error: why, updated_at: ctx.now() });
      },
    };
  };
  if (ep.status === 'disabled') {
    publish();
    const why = `Not sent: the endpoint is disabled (${ep.disabled_reason ?? 'by a person'}). Enable it, then retry.`;
    return {
      note: why,
      commit: async (tx, { ownsClaim }) => {
        if (!ownsClaim) return;
        await db.setDeliveryState(tx, d.id, { status: 'failed', next_attempt_at: null, last_error: why, updated_at: ctx.now() });
        await jobsDb.markDoneJobFailed(tx, ctx.job.id, why);
      },
    };
  }
  if (!manual && ep.paused_until !== null && ep.paused_until > now) {
    return putBack(ep.paused_until, `${PAUSED_NOTE} ${toIso(ep.paused_until)}: the endpoint failed ${ep.consecutive_failures} times in a row (circuit breaker).`);
  }
  const url = new URL(ep.url);
  const loopback = isLoopbackUrl(url);
  if (!loopback && r.offlineUntil > now && !o.isOnline()) {
    return putBack(now + o.offlineRetryMs, 'Waiting for the network: this computer is offline. No attempt was spent.');
  }
  if (ctx.job.notBefore !== undefined && ctx.job.notBefore > now) {
    // The send slot the claim took for this endpoint's rate limit (shared by every dispatcher on the store).
    await sleep(ctx.job.notBefore - now, ctx.signal);
    now = ctx.now();
  }
  if (ctx.signal.aborted) return putBack(now, 'The dispatcher stopped before sending; it will be sent when it starts again.');

  let headers: Record<string, string>;
  let custom: Record<string, string>;
  try {
    custom = customHeadersOf(r, ep);
    headers = requestHeaders(ep, d, (enc) => secretOf(r, enc), now, o.userAgent, custom);
  } catch (err) {
    // No usable data key (missing, or another one): retrying cannot help until a person puts the key back, so the
    // delivery ends failed with the key's sentence (retry it afterwards) instead of retrying for ever.
    if ((err as { code?: string }).code !== 'key_unavailable') throw err;
    publish();
    const why = `Not sent: ${(err as Error).message} Then retry this delivery.`;
    return { note: why, commit: async (tx, { ownsClaim }) => { if (ownsClaim) await db.setDeliveryState(tx, d.id, { status: 'failed', next_attempt_at: null, last_error: why, updated_at: ctx.now() }); } };
  }
  const pool = r.pools.get({ endpointId: ep.id, origin: url.origin, scope: ep.network_scope, connections: ep.concurrency });
  const result = await sendAttempt(pool, url, ep.network_scope, headers, d.payload, o, ctx.signal);
  const at = ctx.now();
  if (ctx.signal.aborted && result.errorKind !== null && result.status === null) {
    return putBack(at, 'The dispatcher stopped during the attempt; it will be sent again when it starts.');
  }
  if (result.unreachable && !loopback && !o.isOnline()) {
    r.offlineUntil = at + o.offlineRetryMs;
    return putBack(at + o.offlineRetryMs, 'Waiting for the network: this computer is offline. No attempt was spent.');
  }
  if (!result.unreachable) r.offlineUntil = 0;
  const schedule = ep.retry_schedule ? (JSON.parse(ep.retry_schedule) as number[]) : o.retrySchedule;
  const decision = decide(d, schedule, result, o, at);
  publish();
  return {
    retryAt: decision.status === 'retrying' ? decision.nextAt! : undefined,
    note: decision.status === 'delivered' ? undefined : describeFailure(result),
    commit: async (tx, { ownsClaim, batch, collect }) => {
      const attempt: WebhookAttemptsTable = {
        id: orderedId(at), account_id: d.account_id, delivery_id: d.id, endpoint_id: ep.id, url: ep.url,
        request_headers: JSON.stringify(redactHeaders(headers, Object.keys(custom))), body_size: Buffer.byteLength(d.payload),
        response_status: result.status, response_headers: result.headers ? JSON.stringify(result.headers) : null,
        response_body: result.body, response_truncated: result.truncated,
        error_kind: result.errorKind ?? (decision.status === 'delivered' ? null : 'http'),
        error_message: decision.status === 'delivered' ? null : describeFailure(result),
        duration_ms: result.durationMs, trigger: manual ? 'manual' : 'scheduled', triggered_by: manual ? by : null, created_at: at,
      };
      // Attempts are only inserted, so a batch's go in one statement at its end. So does a delivery's outcome when
      // it was delivered (the common case): nothing else in the batch writes a delivery that is being sent. A
      // failure is written at once, before the breaker and disabling below act on the endpoint's deliveries.
      if (collect) collect('webhooks.attempts', attempt, db.insertAttempts);
      else await db.insertAttempt(tx, attempt);
      if (!ownsClaim) return;
      const outcome: db.DeliveryOutcome = {
        id: d.id, status: decision.status, attempts: d.attempts + 1, next_attempt_at: decision.nextAt, last_status: result.status,
        last_error: decision.status === 'delivered' ? null : describeFailure(result),
        delivered_at: decision.status === 'delivered' ? at : d.delivered_at, updated_at: at,
      };
      if (collect && decision.status === 'delivered') collect('webhooks.outcomes', outcome, db.recordDeliveryOutcomes);
      else await db.recordDeliveryOutcome(tx, d.id, outcome);
      if (manual && decision.status === 'retrying') await jobsDb.setJobArgs(tx, ctx.job.id, { deliveryId: d.id }, 0);
      // The delivery failed for good: so did its job (the Jobs page counts it as failed, with the reason).
      if (decision.status === 'failed') await jobsDb.markDoneJobFailed(tx, ctx.job.id, describeFailure(result));
      await recordEndpointHealth(tx, ctx, ep.id, decision, at, o, batch);
    },
  };
}

/**
 * The endpoint's health after an attempt (inside the recording transaction). `batch` is the runner's cache for
 * this one transaction: the runner holds the write lock for all of it, so the endpoint row changes only through
 * the writes below, which keep the cached copy in step (successes in a row then cost no SQL at all).
 */
/** Make the deliveries held by a breaker pause (due by its end) due at `now`, with their jobs. */
export async function releaseHeld(tx: Tx, accountId: string, endpointId: string, pauseEnd: number, now: number): Promise<number> {
  const held = await db.waitingDeliveries(tx, accountId, endpointId, pauseEnd);
  const n = await db.makeDeliveriesDue(tx, held.map((w) => w.id), now, PAUSED_NOTE);
  await jobsDb.runJobsNow(tx, held.flatMap((w) => (w.job_id ? [w.job_id] : [])), now);
  return n;
}

/** An endpoint row in a recording transaction's cache, and whether this transaction holds its lock. */
interface HealthRow {
  row: WebhookEndpointsTable;
  locked: boolean;
}

async function recordEndpointHealth(tx: Tx, ctx: JobContext, endpointId: string, decision: Decision, at: number, o: WebhookDispatchOptions, batch?: Map<string, unknown>): Promise<void> {
  const cacheKey = endpointKey(endpointId);
  let cached = batch?.get(cacheKey) as HealthRow | undefined;
  // A success that changes nothing (no failures to clear, last success under a second old) writes nothing and
  // takes no lock, so two recording transactions of the same endpoint do not wait for each other; whatever else
  // writes the row is read again under its lock (on PostgreSQL FOR NO KEY UPDATE), once per recording
  // transaction: the row then changes only through `update`.
  const quiet = (e: WebhookEndpointsTable) =>
    decision.status === 'delivered' && e.consecutive_failures === 0 && e.paused_until === null && e.failing_since === null && (e.last_success_at ?? 0) >= at - 1000;
  if (cached && !cached.locked && quiet(cached.row)) return;
  if (!cached?.locked) {
    cached = { row: (await db.endpointForUpdate(tx, endpointId))!, locked: true };
    batch?.set(cacheKey, cached);
  }
  const ep = cached.row;
  claimedEndpointsOf(ctx.resources).delete(endpointId); // the row read by the claim is older than what this writes
  const update = async (patch: Partial<WebhookEndpointsTable>) => {
    await db.updateEndpoint(tx, ep.account_id, ep.id, patch);
    Object.assign(ep, patch);
  };
  if (decision.status === 'delivered') {
    if (ep.consecutive_failures !== 0 || ep.paused_until !== null || ep.failing_since !== null || (ep.last_success_at ?? 0) < at - 1000) {
      const hadFailures = ep.consecutive_failures !== 0;
      const pauseEnd = ep.paused_until;
      await update({ consecutive_failures: 0, failing_since: null, paused_until: null, last_success_at: at });
      // The receiver answers again (a manual Retry now, say): the deliveries the breaker held until the end of its
      // pause go now, instead of waiting out a pause that is over.
      if (pauseEnd !== null && pauseEnd > at) await releaseHeld(tx, ep.account_id, ep.id, pauseEnd, at);
      if (hadFailures) ctx.publish(ep.account_id, 'webhooks.endpoint.updated', { endpointId: ep.id });
    }
    return;
  }
  const failures = ep.consecutive_failures + 1;
  const failingSince = ep.failing_since ?? at;
  const patch: Partial<WebhookEndpointsTable> = { consecutive_failures: failures, failing_since: failingSince, last_failure_at: at };
  if (failures >= o.breakerThreshold) patch.paused_until = at + o.breakerCoolOffMs;
  await update(patch);
  if (failures === o.breakerThreshold) {
    await enqueueNotification(tx, ep.account_id, 'notifications.deliveryFailures', { endpointId: ep.id, failures, since: toIso(failingSince) }, at);
  }
  if (ep.status === 'active') {
    if (decision.disable) await disableEndpoint(tx, ep, decision.disable, at, true);
    else if (at - failingSince >= o.disableAfterMs) {
      const days = Math.round((at - failingSince) / 86_400_000);
      await disableEndpoint(tx, ep, `Every delivery failed for ${days} day${days === 1 ? '' : 's'} (since ${toIso(failingSince)}).`, at, true);
    }
    // Disabled just now (written by disableEndpoint, not through `update`): read it again if needed.
    if (decision.disable || at - failingSince >= o.disableAfterMs) batch?.delete(cacheKey);
  }
  ctx.publish(ep.account_id, 'webhooks.endpoint.updated', { endpointId: ep.id });
}

// ---------------------------------------------------------------- fan-out, sweep, prune, bulk retry

async function fanout(ctx: JobContext, args: Record<string, unknown>): Promise<JobResult> {
  const table = String(args.table);
  const type = eventType(table);
  if (!type) throw new Error(`Unknown event table “${table}”.`);
  const [row] = await loadEventRows(ctx.store, table as EventTableName, [String(args.eventId)]);
  if (!row) return { note: 'The event no longer exists.' };
  const body = eventBody(type.webhookType, toIso(row.created_at), type.publicJson(row as never));
  return {
    commit: async (tx, { ownsClaim }) => {
      if (!ownsClaim) return; // another runner took the job back and fans out instead: never twice
      const now = ctx.now();
      const endpoints = await db.subscribedEndpoints(tx, row.account_id, type.webhookType, row.created_at);
      for (const ep of endpoints) {
        const d = await createDelivery(tx, { accountId: row.account_id, endpointId: ep.id, eventTable: table, eventId: row.id, eventType: type.webhookType, payload: body, now });
        ctx.publish(row.account_id, 'webhooks.delivery.updated', { deliveryId: d.id, endpointId: ep.id });
      }
    },
  };
}

/** Repair: deliveries waiting without a live job (a job lost to a bug or a manual edit) get one again. */
async function sweep(ctx: JobContext): Promise<JobResult> {
  const now = ctx.now();
  let repaired = 0;
  await ctx.store.transaction(async (s) => {
    for (const o of await db.orphanDeliveries(s, ctx.job.accountId, 1000)) {
      const d = (await db.deliveryById(s, o.id))!;
      if (d.status === 'delivering') await db.setDeliveryState(s, d.id, { status: d.attempts === 0 ? 'pending' : 'retrying', updated_at: now });
      const fresh = (await db.deliveryById(s, o.id))!;
      const job = fresh.job_id ? await jobsDb.findJob(s, fresh.job_id) : undefined;
      if (job && job.status === 'ready') continue;
      const jobId = newId(now);
      await jobsDb.enqueueJob(s, { id: jobId, accountId: d.account_id, queue: WEBHOOKS_QUEUE, kind: DELIVER_KIND, args: { deliveryId: d.id }, runAt: Math.max(now, d.next_attempt_at ?? now), maxAttempts: 1_000_000, concurrencyKey: endpointKey(d.endpoint_id), createdAt: now });
      await db.setDeliveryState(s, d.id, { job_id: jobId });
      repaired++;
    }
  });
  return { note: repaired ? `Repaired ${repaired} deliveries without a job.` : undefined };
}

const RETENTION_MS = 30 * 86_400_000;
async function prune(ctx: JobContext): Promise<JobResult> {
  const n = await ctx.store.transaction((tx) => db.pruneOld(tx, ctx.job.accountId, ctx.now() - RETENTION_MS));
  return { note: `Pruned ${n.deliveries} deliveries, ${n.attempts} attempts and ${n.jobs} finished jobs older than 30 days.` };
}

/** Bulk retry (webhooks.deliveries.retryFailed): the endpoint's undelivered deliveries in `states`, in pages. */
async function retryFailed(ctx: JobContext, args: Record<string, unknown>): Promise<JobResult> {
  const s = ctx.store;
  const endpointId = String(args.endpointId);
  const since = Number(args.since);
  const total = Number(args.total);
  const bulkId = String(args.bulkId);
  const by = typeof args.by === 'string' ? args.by : null;
  // Jobs enqueued before states could be chosen retried failed deliveries only.
  const states = (Array.isArray(args.states) ? args.states : ['failed']) as db.UndeliveredState[];
  const ep = await db.endpointById(s, endpointId);
  // The pause as the job sees it when it starts: `paused` deliveries are the ones the breaker holds.
  const pausedUntil = ep?.paused_until && ep.paused_until > ctx.now() ? ep.paused_until : -1;
  let done = 0;
  let after = '';
  for (;;) {
    const ids = await db.undeliveredIds(s, ctx.job.accountId, endpointId, since, pausedUntil, states, after, 200);
    if (ids.length === 0 || ctx.signal.aborted) break;
    done += await s.transaction(async (tx) => {
      const now = ctx.now();
      let n = 0;
      for (const id of ids) {
        const d = await db.deliveryById(tx, id);
        if (d && (d.status === 'failed' || d.status === 'retrying' || d.status === 'pending') && (await requeueDelivery(tx, d, now, by))) n++;
      }
      return n;
    });
    after = ids[ids.length - 1];
    (ctx.publishNow ?? ctx.publish)(ctx.job.accountId, 'webhooks.bulk.progress', { bulkId, endpointId, done, total: Math.max(total, done), finished: false });
    await new Promise((r) => setImmediate(r));
  }
  ctx.publish(ctx.job.accountId, 'webhooks.bulk.progress', { bulkId, endpointId, done, total: Math.max(total, done), finished: true });
  ctx.publish(ctx.job.accountId, 'webhooks.endpoint.updated', { endpointId });
  return { note: `Queued ${done} deliveries again (${states.join(', ')}).` };
}

function deliveryIdsOf(jobs: ClaimedJob[]): string[] {
  return jobs.map((j) => String(j.args.deliveryId));
}

/** The kinds of the webhooks area, spread into main/jobs/kinds.ts. */
export const webhooksJobKinds: Record<string, JobKind> = {
  'webhooks.fanout': { queue: WEBHOOKS_QUEUE, handle: fanout },
  [DELIVER_KIND]: {
    queue: WEBHOOKS_QUEUE,
    handle: deliver,
    onClaim: async (tx, jobs, now, resources) => rememberClaimed(resources, jobs, await db.markDelivering(tx, deliveryIdsOf(jobs), now)),
    onReclaim: (tx, jobs, now) => db.unmarkDelivering(tx, deliveryIdsOf(jobs), now),
    // The endpoints whose health the results may write, read in one statement (recordEndpointHealth locks one
    // only when it writes it).
    beforeRecording: async (tx, keys, batch) => {
      const missing = keys.filter((k) => !batch.has(k));
      for (const row of (await db.endpointsByIds(tx, missing.map((k) => k.slice(ENDPOINT_KEY_PREFIX.length)))).values()) {
        batch.set(endpointKey(row.id), { row, locked: false } satisfies HealthRow);
      }
    },
    keyLimits: async (s, keys, resources) => {
      const rows = await db.endpointsByIds(s, keys.map((k) => k.slice(ENDPOINT_KEY_PREFIX.length)));
      const at = Date.now();
      const claimed = claimedEndpointsOf(resources);
      for (const row of rows.values()) claimed.set(row.id, { row, at });
      // An endpoint deleted meanwhile: the default limit (its jobs end at once, with nothing to send).
      return new Map(keys.map((k) => {
        const ep = rows.get(k.slice(ENDPOINT_KEY_PREFIX.length));
        return [k, { concurrency: ep?.concurrency ?? 4, ratePerSecond: ep?.rate_limit ?? null }];
      }));
    },
  },
  'webhooks.retryFailed': { queue: WEBHOOKS_QUEUE, handle: retryFailed },
  'webhooks.sweep': { queue: 'maintenance', handle: sweep, every: 15 * 60_000 },
  'webhooks.prune': { queue: 'maintenance', handle: prune, every: 24 * 60 * 60_000 },
};
