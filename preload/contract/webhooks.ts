// Contract section for the webhooks area (methods and push topics). Merged into ../contract.ts.
import { z } from 'zod';
import { Cursor, Id, IsoTime, Limit, method } from './common.ts';
import { EventTableName } from './foundation.ts';

export const NetworkScope = z.enum(['public', 'private', 'loopback']);
export const DeliveryStatus = z.enum(['pending', 'delivering', 'delivered', 'failed', 'retrying', 'cancelled']);
export const AttemptErrorKind = z.enum(['dns', 'connect', 'tls', 'timeout', 'reset', 'redirect', 'too_large', 'blocked', 'http', 'other']);

const WebhookUrl = z
  .url({ message: 'must be a full URL, e.g. https://example.com/hooks' })
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), { message: 'must start with http:// or https://' })
  .refine((u) => { try { const p = new URL(u); return !p.username && !p.password; } catch { return false; } }, { message: 'must not contain a user name or password' });
const EventTypeName = z.string().regex(/^(\*|[a-z_]+\.[a-z_]+)$/, 'must be an event type like card.moved, or *');
const HeaderName = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a header name (letters, digits, "-")');
const reservedHeaders = /^(content-type|content-length|host|user-agent|webhook-id|webhook-timestamp|webhook-signature|x-webhook-event|connection|transfer-encoding)$/i;
const CustomHeaders = z
  .record(HeaderName, z.string().max(1000).regex(/^[^\r\n]*$/, 'must be on one line'))
  .refine((h) => Object.keys(h).length <= 20, { message: 'at most 20 headers' })
  .refine((h) => !Object.keys(h).some((k) => reservedHeaders.test(k)), { message: 'cannot override Chronicle’s own headers (content-type, webhook-*, user-agent, …)' });
export { MASKED_HEADER_VALUE } from './constants.ts';
const RetrySchedule = z.array(z.number().min(1000, 'each delay must be at least 1000 ms').max(7 * 86_400_000).int()).min(1).max(20);

export const Endpoint = z.object({
  id: Id,
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  status: z.enum(['active', 'disabled']),
  disabledReason: z.string().nullable(),
  disabledAt: z.string().nullable(),
  retrySchedule: z.array(z.number()).nullable(),
  rateLimit: z.number().nullable(),
  concurrency: z.number().int(),
  /** Custom header names, each with MASKED_HEADER_VALUE. */
  headers: z.record(z.string(), z.string()),
  networkScope: NetworkScope,
  /** Previous secret still signing until this time (rotation overlap). */
  previousSecretExpiresAt: z.string().nullable(),
  pausedUntil: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  failingSince: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastFailureAt: z.string().nullable(),
  creator: z.object({ id: Id, name: z.string() }),
  createdAt: z.string(),
  /**
   * The last 7 days, counted two ways: deliveries (created in the window) by where they are now, and attempts
   * (made in the window) by outcome. One delivery can take many attempts.
   */
  health: z.object({
    windowDays: z.number().int(),
    /** Deliveries created in the window. */
    total: z.number().int(),
    delivered: z.number().int(),
    /** Failed for good (retries exhausted, blocked, 410) or not sent because the endpoint is disabled. */
    failed: z.number().int(),
    /** Waiting: not attempted yet, waiting to retry, or being attempted right now (`delivering`). */
    pending: z.number().int(),
    delivering: z.number().int(),
    cancelled: z.number().int(),
    /** delivered / (delivered + failed): of deliveries that ended, the share delivered. */
    successRate: z.number().nullable(),
    attempts: z.object({ total: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), successRate: z.number().nullable() }),
  }),
});

export const DeliverySummary = z.object({
  id: Id,
  endpointId: Id,
  eventType: z.string(),
  eventId: z.string().nullable(),
  status: DeliveryStatus,
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  /** When the attempt being made right now started (status `delivering`), else null. */
  attemptStartedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Where a delivery that is not delivered stands, for bulk retry: `paused` waits for the circuit breaker. */
export const UndeliveredState = z.enum(['failed', 'retrying', 'pending', 'paused']);
const UndeliveredCounts = z.object({ failed: z.number().int(), retrying: z.number().int(), pending: z.number().int(), paused: z.number().int() });

export const Attempt = z.object({
  id: Id,
  url: z.string(),
  requestHeaders: z.record(z.string(), z.string()),
  bodySize: z.number().int(),
  responseStatus: z.number().int().nullable(),
  responseHeaders: z.record(z.string(), z.string()).nullable(),
  responseBody: z.string().nullable(),
  responseTruncated: z.boolean(),
  errorKind: AttemptErrorKind.nullable(),
  errorMessage: z.string().nullable(),
  durationMs: z.number().int(),
  trigger: z.enum(['scheduled', 'manual']),
  triggeredBy: z.object({ id: Id, name: z.string() }).nullable(),
  createdAt: z.string(),
});

export const DeliveryDetail = DeliverySummary.extend({
  payload: z.string(),
  endpoint: z.object({ id: Id, url: z.string(), description: z.string() }),
  attempts: z.number().int(),
  attemptList: z.array(Attempt),
});

const EndpointInput = {
  url: WebhookUrl,
  description: z.string().trim().max(500).optional(),
  eventTypes: z.array(EventTypeName).min(1, 'choose at least one event type (or *)').max(50),
  networkScope: NetworkScope.optional(),
  retrySchedule: RetrySchedule.nullable().optional(),
  rateLimit: z.number().min(1).max(10_000).int().nullable().optional(),
  concurrency: z.number().min(1).max(64).int().optional(),
  headers: CustomHeaders.optional(),
};

const JobStatusFilter = z.enum(['ready', 'scheduled', 'claimed', 'done', 'failed', 'cancelled']);
export const JobView = z.object({
  id: Id,
  queue: z.string(),
  kind: z.string(),
  args: z.record(z.string(), z.unknown()),
  status: z.enum(['ready', 'scheduled', 'claimed', 'done', 'failed', 'cancelled']),
  priority: z.number().int(),
  runAt: z.string(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  claimedBy: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  lastError: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
});

/** What a job works on, as links to open (a delivery, an endpoint, a card, …). */
export const JobLink = z.object({ type: z.enum(['delivery', 'endpoint', 'card', 'board', 'event', 'notification']), id: z.string(), label: z.string(), href: z.string().nullable() });
export const JobDetail = JobView.extend({
  claimedAt: z.string().nullable(),
  concurrencyKey: z.string().nullable(),
  /** `failed` also for a job that finished but whose work failed (an older deliver job whose delivery failed). */
  failedWork: z.boolean(),
  links: z.array(JobLink),
  /** A deliver job's attempts (the delivery's attempt log), newest last. */
  attemptLog: z.array(z.object({ id: Id, at: z.string(), outcome: z.enum(['succeeded', 'failed']), status: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), trigger: z.enum(['scheduled', 'manual']) })),
  /** Notifications the job wrote, with their recipients. */
  notifications: z.array(z.object({ id: Id, title: z.string(), recipient: z.object({ id: Id, name: z.string() }), createdAt: z.string() })),
  /** What retry and discard would do with it now, in words (null = allowed). */
  retryBlocked: z.string().nullable(),
  discardBlocked: z.string().nullable(),
});
const JobIds = z.array(Id).min(1, 'choose at least one job').max(500, 'at most 500 jobs at once');
const JobBulkResult = z.object({
  done: z.array(Id),
  skipped: z.array(z.object({ id: Id, reason: z.string() })),
});

export const webhooksMethods = {
  'webhooks.eventTypes': method(
    z.object({}).strict().default({}),
    z.object({ items: z.array(z.object({ type: z.string(), label: z.string(), icon: z.string(), sample: z.string() })) }),
    { role: 'viewer' },
  ),
  'webhooks.endpoints.list': method(z.object({}).strict().default({}), z.object({ items: z.array(Endpoint) }), { role: 'viewer' }),
  'webhooks.endpoints.get': method(z.object({ endpointId: Id }).strict(), Endpoint, { role: 'viewer' }),
  /** Attempts per hour (succeeded / failed) over the last `hours`, for the endpoint page's chart. */
  'webhooks.endpoints.activity': method(
    z.object({ endpointId: Id, hours: z.number().min(1).max(24 * 14).int().default(24) }).strict(),
    z.object({ buckets: z.array(z.object({ at: z.string(), succeeded: z.number().int(), failed: z.number().int() })) }),
    { role: 'viewer' },
  ),
  'webhooks.endpoints.create': method(z.object(EndpointInput).strict(), Endpoint.extend({ secret: z.string() }), { role: 'admin', write: true }),
  'webhooks.endpoints.update': method(
    z.object({ endpointId: Id, ...EndpointInput, url: WebhookUrl.optional(), eventTypes: EndpointInput.eventTypes.optional() }).strict(),
    Endpoint,
    { role: 'admin', write: true },
  ),
  'webhooks.endpoints.disable': method(z.object({ endpointId: Id, reason: z.string().trim().max(500).optional() }).strict(), Endpoint, { role: 'admin', write: true }),
  'webhooks.endpoints.enable': method(z.object({ endpointId: Id }).strict(), Endpoint, { role: 'admin', write: true }),
  'webhooks.endpoints.rotateSecret': method(
    z.object({ endpointId: Id }).strict(),
    z.object({ secret: z.string(), previousSecretExpiresAt: z.string() }),
    { role: 'admin', write: true },
  ),
  // A write: each reveal is recorded in the audit trail (webhook_secret_revealed).
  'webhooks.endpoints.revealSecret': method(z.object({ endpointId: Id }).strict(), z.object({ secret: z.string(), previousSecret: z.string().nullable(), previousSecretExpiresAt: z.string().nullable() }), { role: 'admin', write: true }),
  /**
   * Delete an endpoint: it leaves every list and receives nothing more. Its deliveries and attempts are kept for
   * the record; the ones still waiting (pending or retrying) are cancelled by the person deleting, one being sent
   * right now finishes its attempt and is not retried.
   */
  'webhooks.endpoints.delete': method(
    z.object({ endpointId: Id }).strict(),
    z.object({ endpointId: Id, cancelledDeliveries: z.number().int() }),
    { role: 'admin', write: true },
  ),
  /** The custom header values in clear (owners and admins only). */
  'webhooks.endpoints.revealHeaders': method(z.object({ endpointId: Id }).strict(), z.object({ headers: z.record(z.string(), z.string()) }), { role: 'admin' }),
  'webhooks.endpoints.sendTest': method(z.object({ endpointId: Id }).strict(), DeliverySummary, { role: 'admin', write: true }),
  /** Resume a paused endpoint now: the circuit breaker's pause ends and every waiting delivery is due at once. */
  'webhooks.endpoints.resume': method(
    z.object({ endpointId: Id }).strict(),
    z.object({ endpoint: Endpoint, released: z.number().int() }),
    { role: 'admin', write: true },
  ),
  'webhooks.deliveries.list': method(
    z
      .object({
        endpointId: Id.optional(),
        status: z.array(DeliveryStatus).min(1).optional(),
        eventType: EventTypeName.optional(),
        from: IsoTime.optional(),
        to: IsoTime.optional(),
        cursor: Cursor.optional(),
        limit: Limit(500, 100),
      })
      .strict()
      .default({ limit: 100 }),
    z.object({ items: z.array(DeliverySummary), nextCursor: z.string().optional() }),
    { role: 'viewer' },
  ),
  'webhooks.deliveries.get': method(z.object({ deliveryId: Id }).strict(), DeliveryDetail, { role: 'viewer' }),
  'webhooks.deliveries.retry': method(z.object({ deliveryId: Id }).strict(), DeliverySummary, { role: 'admin', write: true }),
  /** What a bulk retry since `since` would take: deliveries not delivered (last changed since then), per state. */
  'webhooks.deliveries.retryPreview': method(
    z.object({ endpointId: Id, since: IsoTime }).strict(),
    z.object({ counts: UndeliveredCounts, total: z.number().int(), delivering: z.number().int() }),
    { role: 'admin' },
  ),
  /**
   * Bulk retry: every delivery of the endpoint not delivered whose last change is since `since`, in the chosen
   * states (default all four), is queued for an attempt now, as a job with progress (`webhooks.bulk.progress`).
   */
  'webhooks.deliveries.retryFailed': method(
    z.object({ endpointId: Id, since: IsoTime, states: z.array(UndeliveredState).min(1).optional() }).strict(),
    z.object({ count: z.number().int(), counts: UndeliveredCounts, bulkId: Id.nullable() }),
    { role: 'admin', write: true },
  ),
  /**
   * A curl command that re-sends the delivery as the dispatcher would now, signed with the endpoint's current
   * secret(s) at the current time (so a verifying receiver accepts it for its tolerance window, usually 5 min).
   */
  'webhooks.deliveries.signedCurl': method(
    z.object({ deliveryId: Id }).strict(),
    z.object({ command: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), body: z.string(), signedAt: z.string() }),
    { role: 'admin' },
  ),
  'webhooks.deliveries.cancel': method(z.object({ deliveryId: Id }).strict(), DeliverySummary, { role: 'admin', write: true }),
  'webhooks.events.resend': method(
    z.object({ endpointId: Id, eventTable: EventTableName, eventId: Id }).strict(),
    DeliverySummary,
    { role: 'admin', write: true },
  ),
  'jobs.list': method(
    z
      .object({ status: JobStatusFilter.optional(), queue: z.string().max(100).optional(), kind: z.string().max(200).optional(), cursor: Cursor.optional(), limit: Limit(500, 100) })
      .strict()
      .default({ limit: 100 }),
    z.object({ items: z.array(JobView), nextCursor: z.string().optional() }),
    { role: 'viewer' },
  ),
  'jobs.get': method(z.object({ jobId: Id }).strict(), JobDetail, { role: 'viewer' }),
  /** Run jobs again now: failed or discarded ones, or waiting ones at once. A running job is skipped. */
  'jobs.retry': method(z.object({ ids: JobIds }).strict(), JobBulkResult, { role: 'admin', write: true }),
  /** Discard waiting or failed jobs (never a running one): a delivery's job ends its delivery, cancelled by you. */
  'jobs.discard': method(z.object({ ids: JobIds }).strict(), JobBulkResult, { role: 'admin', write: true }),
  'jobs.stats': method(
    z.object({}).strict().default({}),
    z.object({
      queues: z.array(z.object({ queue: z.string(), ready: z.number().int(), scheduled: z.number().int(), claimed: z.number().int(), done: z.number().int(), failed: z.number().int(), cancelled: z.number().int() })),
      recurring: z.array(z.object({ id: Id, kind: z.string(), queue: z.string(), everyMs: z.number().int(), nextRunAt: z.string(), lastRunAt: z.string().nullable(), lastStatus: z.string().nullable(), lastError: z.string().nullable() })),
      dispatcher: z.object({
        /**
         * A worker thread of the process answering this call runs the queues: the app itself, or on a console
         * forwarded to a hub, the hub's `chronicle serve` this console is connected to (the page names which).
         */
        here: z.boolean(),
        /**
         * Other runners that heartbeated in the last 10 s: `chronicle dispatch` processes, other serves' workers.
         * Neither here nor others: no dispatcher is running.
         */
        others: z.number().int(),
        /**
         * Every runner that heartbeated in the last 10 s, on any machine (a hub's dispatchers), oldest first. Null below
         * admin: runners serve every account of a hub, so their machine names and pids are for the people who run it.
         */
        processes: z.array(z.object({ id: z.string(), host: z.string(), pid: z.number().int(), startedAt: z.string(), heartbeatAt: z.string(), here: z.boolean() })).nullable(),
      }),
    }),
    { role: 'viewer' },
  ),
} as const;

export const webhooksTopics = {
  /** A delivery changed (created, attempted, retried, cancelled). */
  'webhooks.delivery.updated': z.object({ deliveryId: Id, endpointId: Id }),
  /** An endpoint's state changed (disabled, paused, recovered). */
  'webhooks.endpoint.updated': z.object({ endpointId: Id }),
  /** Progress of a bulk retry (`webhooks.deliveries.retryFailed`). */
  'webhooks.bulk.progress': z.object({ bulkId: Id, endpointId: Id, done: z.number().int(), total: z.number().int(), finished: z.boolean() }),
} as const;
