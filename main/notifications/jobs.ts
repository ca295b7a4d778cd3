// Notification jobs (the `deliver_later` of the original): each writes `notifications` rows for the right people,
// idempotently (a retried job finds its rows already there), then pushes `notifications.created`.
import { z } from 'zod';
import { newId } from '../../db/ids.ts';
import { accountAdmins, insertNotification } from '../../db/notifications.ts';
import { prepare, type Sqlite } from '../../db/sql.ts';
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

/**
 * The job's result: the rows are written in the runner's completion transaction (atomic with the job being marked
 * done) and each new row is announced after that commit. Inserts are idempotent per (person, source), so a job
 * that runs twice (a claim taken back) notifies once.
 */
export function deliver(ctx: JobContext, accountId: string, drafts: Draft[]): NotificationResult {
  const created: string[] = [];
  return {
    created,
    commit: (sqlite) => {
      for (const d of drafts) {
        const at = d.at ?? ctx.now();
        const id = newId(at);
        const inserted = insertNotification(sqlite, {
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

export interface NotificationResult {
  commit(sqlite: Sqlite, info?: { ownsClaim: boolean }): void;
  /** Ids written by `commit` (filled when it runs). */
  created: string[];
}

const nothing = (): NotificationResult => ({ created: [], commit: () => {} });

const snippet = (text: string, max = 140) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface CommentEvent { id: string; account_id: string; creator_id: string; created_at: number; card_id: string; comment_id: string }

/** Subscribers of the card at the time of the comment, except its author. */
export function commentRecipients(s: Sqlite, ev: CommentEvent): string[] {
  const rows = prepare(
    s,
    `SELECT cs.user_id FROM card_subscriptions cs JOIN memberships m ON m.account_id = cs.account_id AND m.user_id = cs.user_id
     WHERE cs.card_id = ? AND cs.account_id = ? AND cs.created_at <= ? AND cs.user_id <> ? ORDER BY cs.user_id`,
  ).all(ev.card_id, ev.account_id, ev.created_at, ev.creator_id) as { user_id: string }[];
  return rows.map((r) => r.user_id);
}

export function handleComment(ctx: JobContext, rawArgs: Record<string, unknown>): NotificationResult {
  const { eventId } = EventArgs.parse(rawArgs);
  const s = ctx.sqlite;
  const ev = prepare(s, 'SELECT * FROM comment_added WHERE id = ? AND account_id = ?').get(eventId, ctx.job.accountId) as CommentEvent | undefined;
  if (!ev) return nothing(); // The event is gone (removed): nothing to say.
  const info = prepare(
    s,
    `SELECT c.title, c.board_id, b.name AS board_name, u.name AS author, cm.body FROM cards c JOIN boards b ON b.id = c.board_id
     JOIN users u ON u.id = ? JOIN comments cm ON cm.id = ? WHERE c.id = ?`,
  ).get(ev.creator_id, ev.comment_id, ev.card_id) as { title: string; board_id: string; board_name: string; author: string; body: string } | undefined;
  if (!info) return nothing();
  return deliver(
    ctx,
    ev.account_id,
    commentRecipients(s, ev).map((userId) => ({
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

export function handleInvitation(ctx: JobContext, rawArgs: Record<string, unknown>): NotificationResult {
  const { eventId } = EventArgs.parse(rawArgs);
  const s = ctx.sqlite;
  const ev = prepare(
    s,
    `SELECT e.*, u.name AS inviter, a.name AS account FROM member_invited e JOIN users u ON u.id = e.creator_id JOIN accounts a ON a.id = e.account_id
     WHERE e.id = ? AND e.account_id = ?`,
  ).get(eventId, ctx.job.accountId) as { id: string; account_id: string; creator_id: string; created_at: number; invitee_id: string; role: string; inviter: string; account: string } | undefined;
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

/** The endpoint's display name, read defensively (the webhooks tables belong to another area). */
function endpointLabel(s: Sqlite, accountId: string, endpointId: string): string {
  try {
    const row = s.prepare('SELECT * FROM webhook_endpoints WHERE id = ? AND account_id = ?').get(endpointId, accountId) as Record<string, unknown> | undefined;
    const name = row && [row.name, row.description, row.url].find((v) => typeof v === 'string' && v.trim() !== '');
    return typeof name === 'string' ? name : 'A webhook endpoint';
  } catch {
    return 'A webhook endpoint';
  }
}

export function handleEndpointDisabled(ctx: JobContext, rawArgs: Record<string, unknown>): NotificationResult {
  const { endpointId, reason } = EndpointDisabledArgs.parse(rawArgs);
  const accountId = ctx.job.accountId;
  const label = endpointLabel(ctx.sqlite, accountId, endpointId);
  return deliver(
    ctx,
    accountId,
    accountAdmins(ctx.sqlite, accountId).map((userId) => ({
      userId,
      kind: 'endpoint_disabled' as const,
      title: `${label} was disabled`,
      body: snippet(reason, 300),
      link: `/webhooks?endpoint=${endpointId}`,
      actorId: null,
      subjectType: 'webhook_endpoint',
      subjectId: endpointId,
      sourceKey: `job:${ctx.job.id}`,
    })),
  );
}

export function handleDeliveryFailures(ctx: JobContext, rawArgs: Record<string, unknown>): NotificationResult {
  const { endpointId, failures, since } = DeliveryFailuresArgs.parse(rawArgs);
  const accountId = ctx.job.accountId;
  const label = endpointLabel(ctx.sqlite, accountId, endpointId);
  const sinceIso = typeof since === 'number' ? new Date(since).toISOString() : since;
  return deliver(
    ctx,
    accountId,
    accountAdmins(ctx.sqlite, accountId).map((userId) => ({
      userId,
      kind: 'delivery_failures' as const,
      title: `${failures} failed deliveries to ${label}`,
      body: `Deliveries have been failing since ${sinceIso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.`,
      link: `/webhooks?endpoint=${endpointId}`,
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
  'notifications.endpointDisabled': { queue: 'notifications', handle: handleEndpointDisabled },
  'notifications.deliveryFailures': { queue: 'notifications', handle: handleDeliveryFailures },
  'tracking.prune': pruneJobKind,
};
