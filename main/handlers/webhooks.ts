import { loadEventRows, type EventTableName } from '../../db/events.ts';
import { newId, toIso } from '../../db/ids.ts';
import * as jobsDb from '../../db/jobs.ts';
import * as processes from '../../db/processes.ts';
import type { ProcessesTable, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../../db/schema.ts';
import * as db from '../../db/webhooks.ts';
import * as ws from '../../db/workspace.ts';
import type { webhooksMethods } from '../../preload/contract/webhooks.ts';
import { announce, inCommand } from '../domain/context.ts';
import { sentToWebhooks } from '../domain/hooks.ts';
import { AppError, conflict, invalid, notFound } from '../errors.ts';
import { eventType, eventTypes } from '../events/registry.ts';
import { claimFingerprint } from '../crypto/key-guard.ts';
import { hostOf } from '../jobs/runner.ts';
import { jobView } from '../jobs/view.ts';
import { createDelivery, disableEndpoint, eventBody, PAUSED_NOTE, requestHeaders, requeueDelivery, WEBHOOKS_QUEUE } from '../webhooks/deliver.ts';
import { headerNames, maskedHeaders, openHeaders, redactHeaders, sealHeaders, updatedHeaders } from '../webhooks/headers.ts';
import { dispatchOptions } from '../webhooks/options.ts';
import { refuseOutOfScopeUrl } from '../webhooks/network.ts';
import { endpointChanges, recordEndpointEvent } from '../webhooks/audit.ts';
import { generateSecret } from '../webhooks/secrets.ts';
import { webhooksService } from '../webhooks/service.ts';
import { managesAccount, type HandlerContext, type Handlers } from './types.ts';

const iso = (ms: number | null) => (ms === null ? null : toIso(ms));
const ROTATION_OVERLAP_MS = 24 * 3_600_000;
const HEALTH_WINDOW_MS = 7 * 86_400_000;

function encodeCursor(at: number, id: string) {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}
function decodeCursor(cursor: string): { at: number; id: string } {
  const m = Buffer.from(cursor, 'base64url').toString('utf8').match(/^(\d+):([0-9a-f-]{36})$/);
  if (!m) throw invalid('The cursor is not valid (it must come from a previous page).', ['cursor']);
  return { at: Number(m[1]), id: m[2] };
}

async function endpointView(ctx: HandlerContext, ep: WebhookEndpointsTable, health?: { deliveries?: db.EndpointHealth; attempts?: db.AttemptHealth }) {
  const since = Date.now() - HEALTH_WINDOW_MS;
  const h = health ? health.deliveries : (await db.endpointHealth(ctx.store, ctx.session.accountId, since)).get(ep.id);
  const a = health ? health.attempts : (await db.attemptHealth(ctx.store, ctx.session.accountId, [ep.id], since)).get(ep.id);
  const finished = (h?.delivered ?? 0) + (h?.failed ?? 0);
  const attempts = (a?.succeeded ?? 0) + (a?.failed ?? 0);
  const creator = await ws.findUser(ctx.store, ep.creator_id);
  return {
    id: ep.id,
    url: ep.url,
    description: ep.description,
    eventTypes: JSON.parse(ep.event_types) as string[],
    status: ep.status,
    disabledReason: ep.disabled_reason,
    disabledAt: iso(ep.disabled_at),
    retrySchedule: ep.retry_schedule ? (JSON.parse(ep.retry_schedule) as number[]) : null,
    rateLimit: ep.rate_limit,
    concurrency: ep.concurrency,
    headers: maskedHeaders(ep),
    networkScope: ep.network_scope,
    previousSecretExpiresAt: ep.previous_secret_expires_at && ep.previous_secret_expires_at > Date.now() ? toIso(ep.previous_secret_expires_at) : null,
    pausedUntil: ep.paused_until && ep.paused_until > Date.now() ? toIso(ep.paused_until) : null,
    consecutiveFailures: ep.consecutive_failures,
    failingSince: iso(ep.failing_since),
    lastSuccessAt: iso(ep.last_success_at),
    lastFailureAt: iso(ep.last_failure_at),
    creator: { id: ep.creator_id, name: creator?.name ?? 'Unknown' },
    createdAt: toIso(ep.created_at),
    health: {
      windowDays: HEALTH_WINDOW_MS / 86_400_000,
      total: h?.total ?? 0,
      delivered: h?.delivered ?? 0,
      failed: h?.failed ?? 0,
      pending: h?.pending ?? 0,
      delivering: h?.delivering ?? 0,
      cancelled: h?.cancelled ?? 0,
      successRate: finished ? (h!.delivered ?? 0) / finished : null,
      attempts: { total: attempts, succeeded: a?.succeeded ?? 0, failed: a?.failed ?? 0, successRate: attempts ? (a!.succeeded ?? 0) / attempts : null },
    },
  };
}

function deliveryView(d: Pick<WebhookDeliveriesTable, 'id' | 'endpoint_id' | 'event_type' | 'event_id' | 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at' | 'created_at' | 'updated_at'>) {
  return {
    id: d.id,
    endpointId: d.endpoint_id,
    eventType: d.event_type,
    eventId: d.event_id,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' || d.status === 'retrying' ? iso(d.next_attempt_at) : null,
    lastStatus: d.last_status,
    lastError: d.last_error,
    deliveredAt: iso(d.delivered_at),
    // The claim marks a delivery `delivering` at the moment its attempt starts (db/webhooks.ts markDelivering).
    attemptStartedAt: d.status === 'delivering' ? toIso(d.updated_at) : null,
    createdAt: toIso(d.created_at),
    updatedAt: toIso(d.updated_at),
  };
}

/** `customNames`: the endpoint's custom headers now, redacted again here (attempts are logged redacted already). */
async function attemptView(ctx: HandlerContext, a: WebhookAttemptsTable, customNames: string[]) {
  const by = a.triggered_by ? await ws.findUser(ctx.store, a.triggered_by) : null;
  return {
    id: a.id,
    url: a.url,
    requestHeaders: redactHeaders(JSON.parse(a.request_headers) as Record<string, string>, customNames),
    bodySize: a.body_size,
    responseStatus: a.response_status,
    responseHeaders: a.response_headers ? (JSON.parse(a.response_headers) as Record<string, string>) : null,
    responseBody: a.response_body,
    responseTruncated: a.response_truncated,
    errorKind: a.error_kind,
    errorMessage: a.error_message,
    durationMs: a.duration_ms,
    trigger: a.trigger,
    triggeredBy: by ? { id: by.id, name: by.name } : null,
    createdAt: toIso(a.created_at),
  };
}

/** An endpoint of the account that was not deleted (a deleted one is only reachable through its deliveries). */
async function requireEndpoint(ctx: HandlerContext, id: string) {
  const ep = await db.findEndpoint(ctx.store, ctx.session.accountId, id);
  if (!ep || ep.deleted_at != null) throw notFound('The webhook endpoint');
  return ep;
}
async function requireDelivery(ctx: HandlerContext, id: string) {
  const d = await db.findDelivery(ctx.store, ctx.session.accountId, id);
  if (!d) throw notFound('The delivery');
  return d;
}

/** The webhook types an endpoint can subscribe to: the work events (access events stay in the audit trail). */
const sentTypes = () => Object.values(eventTypes).filter((t) => sentToWebhooks(t.table));
const knownTypes = () => new Set(sentTypes().map((t) => t.webhookType).concat('webhook.test'));
function checkEventTypes(types: string[]) {
  const known = knownTypes();
  types.forEach((t, i) => {
    if (t !== '*' && !known.has(t)) throw invalid(`“${t}” is not an event type. Choose from: ${[...known].join(', ')}, or *.`, ['eventTypes', i]);
  });
  return [...new Set(types)];
}

/** The end of an endpoint's breaker pause, or -1 when it is not paused (see db/webhooks.ts undeliveredState). */
const pauseEnd = (ep: WebhookEndpointsTable) => (ep.paused_until !== null && ep.paused_until > Date.now() ? ep.paused_until : -1);

/** A cancelled delivery says who ended it (the delivery has no column for it: its last_error carries it). */
export async function cancelledBy(ctx: HandlerContext, how = ''): Promise<string> {
  const name = (await ws.findUser(ctx.store, ctx.session.userId))?.name ?? 'someone';
  return `Cancelled by ${name}${how}.`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
function curlCommand(url: string, headers: Record<string, string>, body: string): string {
  return [`curl -X POST ${shellQuote(url)}`, ...Object.entries(headers).map(([k, v]) => `  -H ${shellQuote(`${k}: ${v}`)}`), `  --data-raw ${shellQuote(body)}`].join(' \\\n');
}

const announceDelivery = (ctx: HandlerContext, d: { id: string; endpoint_id: string }) =>
  ctx.push.publish(ctx.session.accountId, 'webhooks.delivery.updated', { deliveryId: d.id, endpointId: d.endpoint_id });

/** Every method of the webhooks section but the job actions (main/handlers/jobs.ts). */
export const webhooksHandlers: Handlers<Exclude<keyof typeof webhooksMethods, 'jobs.get' | 'jobs.retry' | 'jobs.discard'>> = {
  'webhooks.eventTypes': async () => ({
    items: [
      ...sentTypes().map((t) => ({ type: t.webhookType, label: t.label, icon: t.icon, sample: eventBody(t.webhookType, String(t.sample.created_at ?? '2026-01-01T09:00:00.000Z'), t.sample) })),
      { type: 'webhook.test', label: 'Test event', icon: 'webhook', sample: eventBody('webhook.test', '2026-01-01T09:00:00.000Z', { endpoint_id: '019a0000-0000-7000-8000-000000000099', message: 'A test event sent from Chronicle.' }) },
    ],
  }),

  'webhooks.endpoints.list': async (ctx) => {
    const since = Date.now() - HEALTH_WINDOW_MS;
    const endpoints = await db.listEndpoints(ctx.store, ctx.session.accountId);
    const deliveries = await db.endpointHealth(ctx.store, ctx.session.accountId, since);
    const attempts = await db.attemptHealth(ctx.store, ctx.session.accountId, endpoints.map((ep) => ep.id), since);
    return { items: await Promise.all(endpoints.map((ep) => endpointView(ctx, ep, { deliveries: deliveries.get(ep.id), attempts: attempts.get(ep.id) }))) };
  },
  'webhooks.endpoints.get': async (ctx, { endpointId }) => await endpointView(ctx, await requireEndpoint(ctx, endpointId)),
  'webhooks.endpoints.activity': async (ctx, { endpointId, hours }) => {
    await requireEndpoint(ctx, endpointId);
    const H = 3_600_000;
    const firstHour = Math.floor(Date.now() / H) - hours + 1;
    const rows = new Map((await db.attemptsPerHour(ctx.store, ctx.session.accountId, endpointId, firstHour * H)).map((r) => [r.hour, r]));
    return {
      buckets: Array.from({ length: hours }, (_, i) => {
        const r = rows.get(firstHour + i);
        return { at: toIso((firstHour + i) * H), succeeded: r?.succeeded ?? 0, failed: r?.failed ?? 0 };
      }),
    };
  },

  'webhooks.endpoints.create': async (ctx, input) => {
    refuseOutOfScopeUrl(input.url, input.networkScope ?? 'public');
    const svc = webhooksService(ctx.app);
    const secret = generateSecret();
    const now = Date.now();
    const row: WebhookEndpointsTable = {
      id: newId(now), account_id: ctx.session.accountId, url: input.url, description: input.description ?? '',
      event_types: JSON.stringify(checkEventTypes(input.eventTypes)), secret_enc: svc.box.encrypt(secret),
      previous_secret_enc: null, previous_secret_expires_at: null, status: 'active', disabled_reason: null, disabled_at: null,
      retry_schedule: input.retrySchedule ? JSON.stringify(input.retrySchedule) : null, rate_limit: input.rateLimit ?? null,
      concurrency: input.concurrency ?? 4, headers: sealHeaders(svc.box, input.headers ?? {}), headers_in_clear: false, network_scope: input.networkScope ?? 'public',
      consecutive_failures: 0, failing_since: null, paused_until: null, last_success_at: null, last_failure_at: null,
      creator_id: ctx.session.userId, created_at: now, updated_at: now,
    };
    const event = await inCommand(ctx, async (tx) => {
      // The first row this key seals records its fingerprint; a hub process with another key is refused here.
      const refused = await claimFingerprint(tx, svc.keyStatus, now);
      if (refused) throw new AppError('key_unavailable', refused);
      await db.insertEndpoint(tx, row);
      return recordEndpointEvent(tx, ctx.session, 'webhook_endpoint_created', row, now, {});
    });
    announce(ctx, [event]);
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId: row.id });
    return { ...(await endpointView(ctx, row)), secret };
  },

  'webhooks.endpoints.update': async (ctx, input) => {
    const ep = await requireEndpoint(ctx, input.endpointId);
    refuseOutOfScopeUrl(input.url ?? ep.url, input.networkScope ?? ep.network_scope);
    const patch: Partial<WebhookEndpointsTable> = { updated_at: Date.now() };
    if (input.url !== undefined) patch.url = input.url;
    if (input.description !== undefined) patch.description = input.description;
    if (input.eventTypes !== undefined) patch.event_types = JSON.stringify(checkEventTypes(input.eventTypes));
    if (input.networkScope !== undefined) patch.network_scope = input.networkScope;
    if (input.retrySchedule !== undefined) patch.retry_schedule = input.retrySchedule ? JSON.stringify(input.retrySchedule) : null;
    if (input.rateLimit !== undefined) patch.rate_limit = input.rateLimit;
    if (input.concurrency !== undefined) patch.concurrency = input.concurrency;
    if (input.headers !== undefined) {
      patch.headers = updatedHeaders(webhooksService(ctx.app).box, ep, input.headers);
      patch.headers_in_clear = false;
    }
    const changes = endpointChanges(ep, patch);
    const event = await inCommand(ctx, async (tx) => {
      await db.updateEndpoint(tx, ctx.session.accountId, ep.id, patch);
      // Saving without a difference records nothing.
      return Object.keys(changes).length ? recordEndpointEvent(tx, ctx.session, 'webhook_endpoint_changed', ep, patch.updated_at!, { changes: JSON.stringify(changes) }) : null;
    });
    if (event) announce(ctx, [event]);
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId: ep.id });
    return await endpointView(ctx, await requireEndpoint(ctx, ep.id));
  },

  'webhooks.endpoints.disable': async (ctx, { endpointId, reason }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    if (ep.status === 'disabled') throw conflict('The endpoint is already disabled.');
    const person = (await ws.findUser(ctx.store, ctx.session.userId))?.name ?? 'someone';
    const why = reason?.length ? reason : `Disabled by ${person}.`;
    const at = Date.now();
    const event = await inCommand(ctx, async (tx) => {
      await disableEndpoint(tx, ep, why, at, false);
      return recordEndpointEvent(tx, ctx.session, 'webhook_endpoint_disabled', ep, at, { reason: why });
    });
    announce(ctx, [event]);
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId });
    return await endpointView(ctx, await requireEndpoint(ctx, endpointId));
  },

  'webhooks.endpoints.enable': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    if (ep.status === 'active') throw conflict('The endpoint is already enabled.');
    const at = Date.now();
    const event = await inCommand(ctx, async (tx) => {
      await db.updateEndpoint(tx, ctx.session.accountId, ep.id, {
        status: 'active', disabled_reason: null, disabled_at: null, consecutive_failures: 0, failing_since: null, paused_until: null, updated_at: at,
      });
      return recordEndpointEvent(tx, ctx.session, 'webhook_endpoint_changed', ep, at, { changes: JSON.stringify({ status: ['disabled', 'active'] }) });
    });
    announce(ctx, [event]);
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId });
    return await endpointView(ctx, await requireEndpoint(ctx, endpointId));
  },

  'webhooks.endpoints.rotateSecret': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    const svc = webhooksService(ctx.app);
    const secret = generateSecret();
    const now = Date.now();
    const expires = now + ROTATION_OVERLAP_MS;
    const event = await inCommand(ctx, async (tx) => {
      await db.updateEndpoint(tx, ctx.session.accountId, ep.id, {
        secret_enc: svc.box.encrypt(secret), previous_secret_enc: ep.secret_enc, previous_secret_expires_at: expires, updated_at: now,
      });
      return recordEndpointEvent(tx, ctx.session, 'webhook_secret_rotated', ep, now, { previous_expires_at: expires });
    });
    announce(ctx, [event]);
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId });
    return { secret, previousSecretExpiresAt: toIso(expires) };
  },

  'webhooks.endpoints.revealSecret': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    const box = webhooksService(ctx.app).box;
    const overlap = ep.previous_secret_enc && ep.previous_secret_expires_at && ep.previous_secret_expires_at > Date.now();
    // Recorded before the secret leaves main: whoever saw it is in the trail.
    const event = await inCommand(ctx, (tx) => recordEndpointEvent(tx, ctx.session, 'webhook_secret_revealed', ep, Date.now(), {}));
    announce(ctx, [event]);
    return {
      secret: box.decrypt(ep.secret_enc),
      previousSecret: overlap ? box.decrypt(ep.previous_secret_enc!) : null,
      previousSecretExpiresAt: overlap ? toIso(ep.previous_secret_expires_at!) : null,
    };
  },

  'webhooks.endpoints.delete': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    const person = (await ws.findUser(ctx.store, ctx.session.userId))?.name ?? 'someone';
    const at = Date.now();
    const { cancelled, event } = await inCommand(ctx, async (tx) => {
      const n = await db.deleteEndpoint(tx, ctx.session.accountId, ep.id, `Deleted by ${person}.`, at);
      return { cancelled: n, event: await recordEndpointEvent(tx, ctx.session, 'webhook_endpoint_deleted', ep, at, { cancelled_deliveries: n }) };
    });
    announce(ctx, [event]);
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId });
    return { endpointId, cancelledDeliveries: cancelled };
  },

  'webhooks.endpoints.revealHeaders': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    return { headers: openHeaders(webhooksService(ctx.app).box, ep) };
  },

  'webhooks.endpoints.sendTest': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    if (ep.status === 'disabled') throw conflict('The endpoint is disabled: enable it before sending a test event.');
    const now = Date.now();
    const body = eventBody('webhook.test', toIso(now), { endpoint_id: ep.id, message: 'A test event sent from Chronicle.' });
    const d = await ctx.store.transaction(async (tx) =>
      await createDelivery(tx, { accountId: ctx.session.accountId, endpointId: ep.id, eventTable: null, eventId: null, eventType: 'webhook.test', payload: body, now, manualBy: ctx.session.userId }),
    );
    announceDelivery(ctx, d);
    webhooksService(ctx.app).wake();
    return deliveryView(d);
  },

  'webhooks.endpoints.resume': async (ctx, { endpointId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    if (ep.status === 'disabled') throw conflict('The endpoint is disabled: enable it instead (that also clears its pause).');
    const now = Date.now();
    if (!(ep.paused_until !== null && ep.paused_until > now)) throw conflict('The endpoint is not paused: its deliveries are already sent as they come due.');
    const released = await ctx.store.transaction(async (tx) => {
      // The breaker's failure count stays: one more failure pauses it again (a receiver still broken is not
      // hammered), and the 5-day disable clock keeps running from the first failure.
      await db.updateEndpoint(tx, ctx.session.accountId, ep.id, { paused_until: null, updated_at: now });
      const waiting = await db.waitingDeliveries(tx, ctx.session.accountId, ep.id);
      const n = await db.makeDeliveriesDue(tx, waiting.map((w) => w.id), now, PAUSED_NOTE);
      await jobsDb.runJobsNow(tx, waiting.flatMap((w) => (w.job_id ? [w.job_id] : [])), now);
      return n;
    });
    ctx.push.publish(ctx.session.accountId, 'webhooks.endpoint.updated', { endpointId });
    webhooksService(ctx.app).wake();
    return { endpoint: await endpointView(ctx, await requireEndpoint(ctx, endpointId)), released };
  },

  'webhooks.deliveries.list': async (ctx, input) => {
    if (input.endpointId) await requireEndpoint(ctx, input.endpointId);
    const from = input.from ? Date.parse(input.from) : undefined;
    const to = input.to ? Date.parse(input.to) : undefined;
    if (from !== undefined && to !== undefined && from > to) throw invalid('“from” must be before “to”.', ['from']);
    const rows = await db.listDeliveries(ctx.store, ctx.session.accountId, {
      endpointId: input.endpointId, status: input.status, eventType: input.eventType, from, to,
      before: input.cursor ? decodeCursor(input.cursor) : undefined, limit: input.limit + 1,
    });
    const more = rows.length > input.limit;
    const items = rows.slice(0, input.limit);
    const last = items[items.length - 1];
    return { items: items.map(deliveryView), ...(more && last ? { nextCursor: encodeCursor(last.created_at, last.id) } : {}) };
  },

  'webhooks.deliveries.get': async (ctx, { deliveryId }) => {
    const d = await requireDelivery(ctx, deliveryId);
    // Its endpoint may have been deleted since: the delivery and its attempts stay readable.
    const ep = await db.findEndpoint(ctx.store, ctx.session.accountId, d.endpoint_id);
    if (!ep) throw notFound('The webhook endpoint');
    return {
      ...deliveryView(d),
      payload: d.payload,
      endpoint: { id: ep.id, url: ep.url, description: ep.description },
      attemptList: await Promise.all((await db.listAttempts(ctx.store, ctx.session.accountId, d.id)).map((a) => attemptView(ctx, a, headerNames(ep)))),
    };
  },

  'webhooks.deliveries.retry': async (ctx, { deliveryId }) => {
    const d = await requireDelivery(ctx, deliveryId);
    const ep = await requireEndpoint(ctx, d.endpoint_id);
    if (ep.status === 'disabled') throw conflict('The endpoint is disabled: enable it before retrying its deliveries.');
    const ok = await ctx.store.transaction(async (tx) => requeueDelivery(tx, d, Date.now(), ctx.session.userId));
    if (!ok) throw conflict('The delivery is being sent right now; wait for this attempt to finish.');
    announceDelivery(ctx, d);
    webhooksService(ctx.app).wake();
    return deliveryView(await requireDelivery(ctx, deliveryId));
  },

  'webhooks.deliveries.retryPreview': async (ctx, { endpointId, since }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    const sinceMs = Date.parse(since);
    if (sinceMs > Date.now()) throw invalid('“since” must not be in the future.', ['since']);
    const { counts, delivering } = await db.undeliveredCounts(ctx.store, ctx.session.accountId, ep.id, sinceMs, pauseEnd(ep));
    return { counts, total: counts.failed + counts.retrying + counts.pending + counts.paused, delivering };
  },

  'webhooks.deliveries.retryFailed': async (ctx, { endpointId, since, states }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    if (ep.status === 'disabled') throw conflict('The endpoint is disabled: enable it before retrying its deliveries.');
    const sinceMs = Date.parse(since);
    if (sinceMs > Date.now()) throw invalid('“since” must not be in the future.', ['since']);
    const chosen = [...new Set(states ?? (['failed', 'retrying', 'pending', 'paused'] as const))];
    const now = Date.now();
    const result = await ctx.store.transaction(async (tx) => {
      const { counts: all } = await db.undeliveredCounts(tx, ctx.session.accountId, endpointId, sinceMs, pauseEnd(ep));
      const counts = { failed: 0, retrying: 0, pending: 0, paused: 0 };
      for (const st of chosen) counts[st] = all[st];
      const count = counts.failed + counts.retrying + counts.pending + counts.paused;
      if (count === 0) return { count, counts, bulkId: null };
      const bulkId = newId(now);
      await jobsDb.enqueueJob(tx, {
        id: bulkId, accountId: ctx.session.accountId, queue: WEBHOOKS_QUEUE, kind: 'webhooks.retryFailed',
        args: { endpointId, since: sinceMs, states: chosen, by: ctx.session.userId, bulkId, total: count }, runAt: now, priority: 5, maxAttempts: 5, createdAt: now,
      });
      return { count, counts, bulkId };
    });
    webhooksService(ctx.app).wake();
    return result;
  },

  'webhooks.deliveries.signedCurl': async (ctx, { deliveryId }) => {
    const d = await requireDelivery(ctx, deliveryId);
    const ep = await requireEndpoint(ctx, d.endpoint_id);
    const box = webhooksService(ctx.app).box;
    const now = Date.now();
    const headers = requestHeaders(ep, d, (enc) => box.decrypt(enc), now, dispatchOptions().userAgent, openHeaders(box, ep));
    return { command: curlCommand(ep.url, headers, d.payload), url: ep.url, headers, body: d.payload, signedAt: toIso(now) };
  },

  'webhooks.deliveries.cancel': async (ctx, { deliveryId }) => {
    const d = await requireDelivery(ctx, deliveryId);
    if (d.status === 'delivered' || d.status === 'cancelled') throw conflict(`The delivery is already ${d.status}.`);
    if (d.status === 'delivering') throw conflict('The delivery is being sent right now; it cannot be cancelled mid-attempt.');
    const now = Date.now();
    await ctx.store.transaction(async (tx) => {
      if (d.job_id && !await jobsDb.cancelJob(tx, d.job_id, now)) {
        const job = await jobsDb.findJob(tx, d.job_id);
        if (job?.status === 'claimed') throw conflict('The delivery is being sent right now; it cannot be cancelled mid-attempt.');
      }
      await db.setDeliveryState(tx, d.id, { status: 'cancelled', next_attempt_at: null, last_error: await cancelledBy(ctx), updated_at: now });
    });
    announceDelivery(ctx, d);
    return deliveryView(await requireDelivery(ctx, deliveryId));
  },

  'webhooks.events.resend': async (ctx, { endpointId, eventTable, eventId }) => {
    const ep = await requireEndpoint(ctx, endpointId);
    if (ep.status === 'disabled') throw conflict('The endpoint is disabled: enable it before resending events to it.');
    if (!sentToWebhooks(eventTable)) throw invalid('Access events (roles, invitations, tokens, endpoint changes) stay in the audit trail and are not sent to webhooks.', ['eventTable']);
    const type = eventType(eventTable)!;
    const [row] = await loadEventRows(ctx.store, eventTable as EventTableName, [eventId]);
    if (!row || row.account_id !== ctx.session.accountId) throw notFound('The event');
    const now = Date.now();
    const body = eventBody(type.webhookType, toIso(row.created_at), type.publicJson(row as never));
    const d = await ctx.store.transaction(async (tx) =>
      await createDelivery(tx, { accountId: ctx.session.accountId, endpointId, eventTable, eventId, eventType: type.webhookType, payload: body, now, manualBy: ctx.session.userId }),
    );
    announceDelivery(ctx, d);
    webhooksService(ctx.app).wake();
    return deliveryView(d);
  },

  'jobs.list': async (ctx, input) => {
    const now = Date.now();
    const rows = await jobsDb.listJobs(ctx.store, ctx.session.accountId, {
      status: input.status, queue: input.queue, kind: input.kind, before: input.cursor ? decodeCursor(input.cursor) : undefined, limit: input.limit + 1, now,
    });
    const more = rows.length > input.limit;
    const items = rows.slice(0, input.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((j) => jobView(j, now)),
      ...(more && last ? { nextCursor: encodeCursor(last.created_at, last.id) } : {}),
    };
  },

  'jobs.stats': async (ctx) => {
    const now = Date.now();
    const svc = ctx.app.services.webhooks as { worker?: unknown; workerId?: string | null } | undefined;
    // Registered runners that heartbeated lately, idle or busy (the default stale window: 10 s), on any machine.
    const live = await processes.liveRunners(ctx.store, 10_000, now);
    return {
      queues: (await jobsDb.queueStats(ctx.store, ctx.session.accountId, now)).map((q) => ({
        queue: q.queue, ready: q.ready ?? 0, scheduled: q.scheduled ?? 0, claimed: q.claimed ?? 0, done: q.done ?? 0, failed: q.failed ?? 0, cancelled: q.cancelled ?? 0,
      })),
      recurring: (await jobsDb.listRecurring(ctx.store, ctx.session.accountId)).map((r) => ({
        id: r.id, kind: r.kind, queue: r.queue, everyMs: r.every_ms, nextRunAt: toIso(r.next_run_at), lastRunAt: iso(r.last_run_at), lastStatus: r.last_status, lastError: r.last_error,
      })),
      dispatcher: dispatcherSummary(live, svc?.worker ? { id: svc.workerId ?? null } : null, managesAccount(ctx)),
    };
  },
};

/**
 * Where the dispatchers run: whether this process's worker thread is one, how many others there are, and (for
 * admins: `listed`) one row per live runner, this process's worker thread marked.
 */
function dispatcherSummary(live: ProcessesTable[], worker: { id: string | null } | null, listed: boolean) {
  // The worker thread counts from its start; its id (and its row) come once it has registered.
  const here = worker !== null;
  const hereId = worker?.id ?? null;
  const others = live.filter((p) => p.id !== hereId).length;
  return {
    here,
    others,
    processes: !listed ? null : live.map((p) => ({
      id: p.id,
      host: hostOf(p.hostname),
      pid: p.pid,
      startedAt: toIso(p.started_at),
      heartbeatAt: toIso(p.heartbeat_at),
      here: p.id === hereId,
    })),
  };
}
