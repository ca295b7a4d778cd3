// The Jobs page's detail and actions (Mission Control and GoodJob are the models): one job with its arguments,
// attempts, errors, timings and the objects it works on; retry and discard, one or many. A job that works on a
// delivery is retried and discarded through its delivery, so the delivery's state always says what happens.
import { loadEventRows, type EventTableName } from '../../db/events.ts';
import { toIso } from '../../db/ids.ts';
import * as jobsDb from '../../db/jobs.ts';
import { notificationsBySource } from '../../db/notifications.ts';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../../db/schema.ts';
import type { Tx } from '../../db/store.ts';
import * as db from '../../db/webhooks.ts';
import * as ws from '../../db/workspace.ts';
import type { Output } from '../../preload/contract.ts';
import { notFound } from '../errors.ts';
import { eventType } from '../events/registry.ts';
import { jobView } from '../jobs/view.ts';
import { DELIVER_KIND, requeueDelivery } from '../webhooks/deliver.ts';
import { webhooksService } from '../webhooks/service.ts';
import type { HandlerContext, Handlers } from './types.ts';
import { cancelledBy } from './webhooks.ts';

type JobDetail = Output<'jobs.get'>;
type JobLink = JobDetail['links'][number];
const iso = (ms: number | null) => (ms === null ? null : toIso(ms));

const str = (v: unknown) => (typeof v === 'string' ? v : null);

interface Related {
  delivery?: WebhookDeliveriesTable;
  endpoint?: WebhookEndpointsTable;
}

/** The delivery and endpoint a job works on (by its arguments), in the caller's account only. */
async function relatedOf(ctx: HandlerContext, job: jobsDb.JobRow, s: Tx | HandlerContext['store'] = ctx.store): Promise<Related> {
  const args = JSON.parse(job.args) as Record<string, unknown>;
  const out: Related = {};
  const deliveryId = str(args.deliveryId);
  if (deliveryId) out.delivery = await db.findDelivery(s, ctx.session.accountId, deliveryId);
  const endpointId = out.delivery?.endpoint_id ?? str(args.endpointId);
  if (endpointId) out.endpoint = await db.findEndpoint(s, ctx.session.accountId, endpointId);
  return out;
}

const isDeliverJob = (job: jobsDb.JobRow, r: Related): r is Related & { delivery: WebhookDeliveriesTable } => job.kind === DELIVER_KIND && r.delivery !== undefined;

/** Why retry is not possible now (null = it is). Shared by the detail (to offer it) and by jobs.retry. */
function retryBlocked(job: jobsDb.JobListRow, r: Related): string | null {
  if (job.status === 'claimed') return 'It is running right now; wait for it to finish.';
  if (job.status === 'done' && !job.failed_work) return 'It finished without an error: there is nothing to retry.';
  if (isDeliverJob(job, r)) {
    if (r.delivery.status === 'delivered') return 'Its delivery was delivered.';
    if (r.delivery.status === 'delivering') return 'Its delivery is being attempted right now.';
    if (r.endpoint?.status === 'disabled') return 'Its endpoint is disabled: enable it before retrying its deliveries.';
  }
  return null;
}

/** Why discard is not possible now (null = it is). */
function discardBlocked(job: jobsDb.JobListRow, r: Related): string | null {
  if (job.status === 'claimed') return 'It is running right now: a job is never discarded mid-run. Wait for this run to finish.';
  if (job.status === 'cancelled') return 'It was already discarded or cancelled.';
  if (job.status === 'done' && !job.failed_work) return 'It already finished.';
  if (job.failed_work) return 'It already finished (its delivery failed): retry it, or leave it.';
  if (isDeliverJob(job, r) && r.delivery.status === 'delivering') return 'Its delivery is being attempted right now.';
  return null;
}

async function links(ctx: HandlerContext, job: jobsDb.JobRow, r: Related): Promise<JobLink[]> {
  const out: JobLink[] = [];
  const args = JSON.parse(job.args) as Record<string, unknown>;
  if (r.delivery) out.push({ type: 'delivery', id: r.delivery.id, label: `Delivery of ${r.delivery.event_type} (${r.delivery.status})`, href: `/webhooks/deliveries/${r.delivery.id}` });
  else if (str(args.deliveryId)) out.push({ type: 'delivery', id: String(args.deliveryId), label: 'A delivery that no longer exists (pruned)', href: null });
  if (r.endpoint) out.push({ type: 'endpoint', id: r.endpoint.id, label: r.endpoint.description || r.endpoint.url, href: `/webhooks/endpoints/${r.endpoint.id}` });
  else if (str(args.endpointId)) out.push({ type: 'endpoint', id: String(args.endpointId), label: 'An endpoint that no longer exists', href: null });
  // The event a fan-out or a notification works on: `table` + `eventId`, or the kind's own table.
  const eventTable = str(args.table) ?? (job.kind === 'notifications.comment' ? 'comment_added' : job.kind === 'notifications.invitation' ? 'member_invited' : null);
  const eventId = str(args.eventId);
  const type = eventTable ? eventType(eventTable) : undefined;
  if (type && eventId) {
    const [row] = (await loadEventRows(ctx.store, type.table as EventTableName, [eventId])) as unknown as Record<string, unknown>[];
    if (row && row.account_id === ctx.session.accountId) {
      out.push({ type: 'event', id: eventId, label: `${type.label} event`, href: null });
      const cardId = str(row.card_id);
      if (cardId) {
        const card = await ws.findCard(ctx.store, ctx.session.accountId, cardId);
        if (card) out.push({ type: 'card', id: card.id, label: card.title, href: `/boards/${card.board_id}?card=${card.id}` });
      }
      const projectId = str(row.project_id);
      if (projectId) out.push({ type: 'board', id: projectId, label: 'Its project on the Boards page', href: '/boards' });
    } else out.push({ type: 'event', id: eventId, label: 'An event that no longer exists', href: null });
  }
  return out;
}

/** The notifications a notification job wrote (idempotent per source: the job's id, or its event's). */
async function notificationsOf(ctx: HandlerContext, job: jobsDb.JobRow) {
  if (job.queue !== 'notifications') return [];
  const args = JSON.parse(job.args) as Record<string, unknown>;
  const keys = [`job:${job.id}`];
  const eventId = str(args.eventId);
  if (eventId) keys.push(`comment_added:${eventId}`, `member_invited:${eventId}`);
  return (await notificationsBySource(ctx.store, ctx.session.accountId, keys)).map((n) => ({
    id: n.id, title: n.title, recipient: { id: n.user_id, name: n.user_name }, createdAt: toIso(n.created_at),
  }));
}

async function requireJob(ctx: HandlerContext, id: string, s: Tx | HandlerContext['store'] = ctx.store) {
  const job = await jobsDb.findAccountJob(s, ctx.session.accountId, id);
  if (!job) throw notFound('The job');
  return job;
}

export const jobsHandlers = {
  'jobs.get': async (ctx, { jobId }) => {
    const job = await requireJob(ctx, jobId);
    const r = await relatedOf(ctx, job);
    const attemptLog = isDeliverJob(job, r)
      ? (await db.listAttempts(ctx.store, ctx.session.accountId, r.delivery.id)).map((a) => ({
          id: a.id, at: toIso(a.created_at), outcome: a.error_kind === null ? ('succeeded' as const) : ('failed' as const), status: a.response_status,
          error: a.error_message, durationMs: a.duration_ms, trigger: a.trigger,
        }))
      : [];
    return {
      ...jobView(job, Date.now()),
      claimedAt: iso(job.claimed_at),
      concurrencyKey: job.concurrency_key,
      failedWork: job.failed_work,
      links: await links(ctx, job, r),
      attemptLog,
      notifications: await notificationsOf(ctx, job),
      retryBlocked: retryBlocked(job, r),
      discardBlocked: discardBlocked(job, r),
    };
  },

  'jobs.retry': async (ctx, { ids }) => {
    const done: string[] = [];
    const skipped: { id: string; reason: string }[] = [];
    const now = Date.now();
    // One transaction per job: one that cannot be retried (running, gone) never undoes the others.
    for (const id of [...new Set(ids)]) {
      const reason = await ctx.store.transaction(async (tx) => {
        const job = await jobsDb.findAccountJob(tx, ctx.session.accountId, id);
        if (!job) return 'There is no such job in this account.';
        const r = await relatedOf(ctx, job, tx);
        const blocked = retryBlocked(job, r);
        if (blocked) return blocked;
        if (isDeliverJob(job, r)) {
          // Through the delivery: it goes back to waiting, its attempt is manual and by this person.
          return (await requeueDelivery(tx, r.delivery, now, ctx.session.userId)) ? null : 'It started running meanwhile.';
        }
        return (await jobsDb.retryJob(tx, ctx.session.accountId, job.id, now)) ? null : 'It started running meanwhile.';
      });
      if (reason) skipped.push({ id, reason });
      else done.push(id);
    }
    if (done.length) webhooksService(ctx.app).wake();
    return { done, skipped };
  },

  'jobs.discard': async (ctx, { ids }) => {
    const done: string[] = [];
    const skipped: { id: string; reason: string }[] = [];
    const note = await cancelledBy(ctx, ', who discarded its job');
    const person = (await ws.findUser(ctx.store, ctx.session.userId))?.name ?? 'someone';
    const ended: { deliveryId: string; endpointId: string }[] = [];
    for (const id of [...new Set(ids)]) {
      const now = Date.now();
      const reason = await ctx.store.transaction(async (tx) => {
        const job = await jobsDb.findAccountJob(tx, ctx.session.accountId, id);
        if (!job) return 'There is no such job in this account.';
        const r = await relatedOf(ctx, job, tx);
        const blocked = discardBlocked(job, r);
        if (blocked) return blocked;
        // Conditional on the job still waiting or failed: a runner that claimed it in between keeps it.
        if (!(await jobsDb.discardJob(tx, ctx.session.accountId, job.id, now, `Discarded by ${person}.`))) {
          return 'It started running meanwhile: a job is never discarded mid-run.';
        }
        if (isDeliverJob(job, r) && r.delivery.job_id === job.id && ['pending', 'retrying', 'failed'].includes(r.delivery.status)) {
          // Nothing is lost: the delivery ends, cancelled by a person, and says who.
          await db.setDeliveryState(tx, r.delivery.id, { status: 'cancelled', next_attempt_at: null, last_error: note, updated_at: now });
          ended.push({ deliveryId: r.delivery.id, endpointId: r.delivery.endpoint_id });
        }
        return null;
      });
      if (reason) skipped.push({ id, reason });
      else done.push(id);
    }
    for (const d of ended) ctx.push.publish(ctx.session.accountId, 'webhooks.delivery.updated', d);
    return { done, skipped };
  },
} satisfies Handlers<'jobs.get' | 'jobs.retry' | 'jobs.discard'>;
