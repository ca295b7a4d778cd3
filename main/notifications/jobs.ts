// Notification jobs (the `deliver_later` of the original): each writes `notifications` rows for the right people,
// idempotently (a retried job finds its rows already there), then pushes `notifications.created`.
import { z } from 'zod';
import { newId } from '../../db/ids.ts';
import {
  accountAdmins,
  commentRecipients,
  commentWording,
  endpointLabel,
  findCommentEvent,
  findInvitationEvent,
  insertNotification,
} from '../../db/notifications.ts';
import { invitationNotice } from '../../db/people.ts';
import type { Tx } from '../../db/store.ts';
import type { NotificationKind } from '../../db/schema.ts';
import type { JobContext, JobKind } from '../jobs/types.ts';
import { pruneJobKind } from '../tracking/retention.ts';

const EventArgs = z.object({ eventId: z.uuid() });
const EndpointDisabledArgs = z.object({ endpointId: z.uuid(), reason: z.string().max(2000) });
const DeliveryFailuresArgs = z.object({ endpointId: z.uuid(), failures: z.number().int().min(1), since: z.union([z.string(), z.number()]) });

interface Draft {
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  link: string | null;
  actorId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  sourceKey: string;
  /** When it happened (the event's time); defaults to now. */
  at?: number;
}

export interface NotificationResult {
  commit(tx: Tx, info?: { ownsClaim: boolean }): Promise<void>;
  /** Ids written by `commit` (filled when it runs). */
  created: string[];
}

/**
 * The job's result: the rows are written in the runner's completion transaction (atomic with the job being marked
 * done) and each new row is announced after that commit. Inserts are idempotent per (person, source), so a job
 * that runs twice (a claim taken back) notifies once.
 */
export function deliver(ctx: JobContext, accountId: string, drafts: Draft[]): NotificationResult {
  const created: string[] = [];
  return {
    created,
    commit: async (tx) => {
      // A commit that was rolled back and is recorded again starts over.
      created.length = 0;
      for (const d of drafts) {
        const at = d.at ?? ctx.now();
        const id = newId(at);
        const inserted = await insertNotification(tx, {
          id, account_id: accountId, user_id: d.userId, kind: d.kind, title: d.title, body: d.body, link: d.link, actor_id: d.actorId,
          subject_type: d.subjectType, subject_id: d.subjectId, source_key: d.sourceKey, created_at: at,
        });
        if (!inserted) continue;
        created.push(id);
        ctx.publish(accountId, 'notifications.created', { userId: d.userId, id, title: d.title, body: d.body, createdAt: new Date(at).toISOString() });
      }
    },
  };
}

const nothing = (): NotificationResult => ({ created: [], commit: async () => {} });

/**
 * Where a notification opens: the exact object it is about. Rows written before links named the object (the
 * endpoint ones opened `/webhooks?endpoint=…`, the list) are answered with the link their subject gives.
 */
export function notificationLink(n: { link: string | null; subject_type: string | null; subject_id: string | null }): string | null {
  if (n.subject_type === 'webhook_endpoint' && n.subject_id) return endpointLink(n.subject_id);
  return n.link;
}
const endpointLink = (endpointId: string) => `/webhooks/endpoints/${endpointId}`;

const snippet = (text: string, max = 140) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function handleComment(ctx: JobContext, rawArgs: Record<string, unknown>): Promise<NotificationResult> {
  const { eventId } = EventArgs.parse(rawArgs);
  const db = ctx.store;
  const ev = await findCommentEvent(db, ctx.job.accountId, eventId);
  if (!ev) return nothing(); // The event is gone (removed): nothing to say.
  const info = await commentWording(db, ev);
  if (!info) return nothing();
  return deliver(
    ctx,
    ev.account_id,
    (await commentRecipients(db, ev)).map((userId) => ({
      userId,
      kind: 'comment' as const,
      title: `${info.author} commented on ${info.title}`,
      body: snippet(info.body),
      link: `/boards/${info.board_id}?card=${ev.card_id}`,
      actorId: ev.creator_id,
      subjectType: 'comment_added',
      subjectId: ev.id,
      sourceKey: `comment_added:${ev.id}`,
      at: ev.created_at,
    })),
  );
}

export async function handleInvitation(ctx: JobContext, rawArgs: Record<string, unknown>): Promise<NotificationResult> {
  const { eventId } = EventArgs.parse(rawArgs);
  const ev = await findInvitationEvent(ctx.store, ctx.job.accountId, eventId);
  if (!ev || ev.invitee_id === ev.creator_id) return nothing();
  return deliver(ctx, ev.account_id, [
    {
      userId: ev.invitee_id,
      kind: 'invitation',
      title: `${ev.inviter} invited you to ${ev.account}`,
      body: `You joined as ${ev.role}.`,
      link: '/',
      actorId: ev.creator_id,
      subjectType: 'member_invited',
      subjectId: ev.id,
      sourceKey: `member_invited:${ev.id}`,
      at: ev.created_at,
    },
  ]);
}

/**
 * A pending invitation (invitation_sent, migration 0006): the invitee hears of it in every account they already
 * belong to (they are not a member of the inviting account yet), where the inbox offers Accept and Decline.
 * A brand-new person has no inbox yet: on a hub their join token is their way in.
 */
export async function handleInvitationSent(ctx: JobContext, rawArgs: Record<string, unknown>): Promise<NotificationResult> {
  const { eventId } = EventArgs.parse(rawArgs);
  const ev = await invitationNotice(ctx.store, ctx.job.accountId, eventId);
  if (!ev || ev.inviteeAccounts.length === 0) return nothing();
  const parts = ev.inviteeAccounts.map((accountId) =>
    deliver(ctx, accountId, [
      {
        userId: ev.invitee_id,
        kind: 'invitation',
        title: `${ev.inviter} invited you to ${ev.account}`,
        body: `As ${ev.role}. Accept or decline it in your inbox.`,
        link: null,
        actorId: ev.creator_id,
        subjectType: 'invitation_sent',
        subjectId: ev.id,
        // One row per account the invitee hears of it in ((user, source) is unique).
        sourceKey: `invitation_sent:${ev.id}:${accountId}`,
        at: ev.created_at,
      },
    ]),
  );
  const created: string[] = [];
  return {
    created,
    commit: async (tx, info) => {
      created.length = 0;
      for (const p of parts) {
        await p.commit(tx, info);
        created.push(...p.created);
      }
    },
  };
}

/** The endpoint as people know it (it may have been deleted since the job was enqueued). */
const labelOf = async (ctx: JobContext, endpointId: string) => (await endpointLabel(ctx.store, ctx.job.accountId, endpointId)) ?? 'A webhook endpoint';

export async function handleEndpointDisabled(ctx: JobContext, rawArgs: Record<string, unknown>): Promise<NotificationResult> {
  const { endpointId, reason } = EndpointDisabledArgs.parse(rawArgs);
  const accountId = ctx.job.accountId;
  const label = await labelOf(ctx, endpointId);
  return deliver(
    ctx,
    accountId,
    (await accountAdmins(ctx.store, accountId)).map((userId) => ({
      userId,
      kind: 'endpoint_disabled' as const,
      title: `${label} was disabled`,
      body: snippet(reason, 300),
      link: endpointLink(endpointId),
      actorId: null,
      subjectType: 'webhook_endpoint',
      subjectId: endpointId,
      sourceKey: `job:${ctx.job.id}`,
    })),
  );
}

export async function handleDeliveryFailures(ctx: JobContext, rawArgs: Record<string, unknown>): Promise<NotificationResult> {
  const { endpointId, failures, since } = DeliveryFailuresArgs.parse(rawArgs);
  const accountId = ctx.job.accountId;
  const label = await labelOf(ctx, endpointId);
  const sinceIso = typeof since === 'number' ? new Date(since).toISOString() : since;
  return deliver(
    ctx,
    accountId,
    (await accountAdmins(ctx.store, accountId)).map((userId) => ({
      userId,
      kind: 'delivery_failures' as const,
      title: `${failures} failed deliveries to ${label}`,
      body: `Deliveries have been failing since ${sinceIso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.`,
      link: endpointLink(endpointId),
      actorId: null,
      subjectType: 'webhook_endpoint',
      subjectId: endpointId,
      sourceKey: `job:${ctx.job.id}`,
    })),
  );
}

export const notificationJobKinds: Record<string, JobKind> = {
  'notifications.comment': { queue: 'notifications', handle: handleComment },
  'notifications.invitation': { queue: 'notifications', handle: handleInvitation },
  'notifications.invitationSent': { queue: 'notifications', handle: handleInvitationSent },
  'notifications.endpointDisabled': { queue: 'notifications', handle: handleEndpointDisabled },
  'notifications.deliveryFailures': { queue: 'notifications', handle: handleDeliveryFailures },
  'tracking.prune': pruneJobKind,
};
