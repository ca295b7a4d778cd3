import { toIso } from '../../db/ids.ts';
import * as notif from '../../db/notifications.ts';
import { trackingAggregates, reportSettings, saveReportSettings, saveUserPreferences, userPreferences } from '../../db/tracking.ts';
import type { reportsMethods } from '../../preload/contract/reports.ts';
import { requireMember } from '../domain/guards.ts';
import { notificationLink } from '../notifications/jobs.ts';
import { AppError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../feed.ts';
import { dailyByType, dayString, parseDay, resolveRange, summary, toCsv } from '../reports/summary.ts';
import { webhookReport } from '../reports/webhooks.ts';
import { trackBatch } from '../tracking/track.ts';
import { trackingTypeCode, trackingTypeName, trackingTypes } from '../tracking/types.ts';
import { managesAccount, type HandlerContext, type Handlers } from './types.ts';

async function settingsView(ctx: HandlerContext) {
  const { store, session } = ctx;
  const account = await reportSettings(store, session.accountId);
  const prefs = await userPreferences(store, session.accountId, session.userId);
  return {
    trackingEnabled: account.tracking_enabled,
    retentionDays: account.tracking_retention_days,
    osNotifications: prefs.os_notifications,
    canEditAccount: managesAccount(ctx), // settings.updateAccount is the contract's admin method
  };
}

async function exportTable(ctx: HandlerContext, input: Parameters<Handlers<'reports.export'>['reports.export']>[1]) {
  const r = await resolveRange(ctx.store, ctx.session.accountId, input);
  const name = `chronicle-${input.table}-${dayString(r.fromDay)}-to-${dayString(r.toDay)}.csv`;
  let header: string[] = [];
  let rows: (string | number | null)[][] = [];
  if (input.table === 'counts' || input.table === 'boards' || input.table === 'users' || input.table === 'routes') {
    const s = await summary(ctx.store, r, 1000);
    if (input.table === 'counts') {
      header = ['event_type', 'count'];
      rows = Object.entries(s.counts);
    } else if (input.table === 'boards') {
      header = ['board_id', 'board', 'events'];
      rows = s.mostActiveBoards.map((b) => [b.id, b.name, b.count]);
    } else if (input.table === 'users') {
      header = ['user_id', 'person', 'events'];
      rows = s.mostActiveUsers.map((u) => [u.id, u.name, u.count]);
    } else {
      header = ['route', 'page_views'];
      rows = s.topRoutes.map((x) => [x.url, x.count]);
    }
  } else if (input.table === 'daily') {
    const d = await dailyByType(ctx.store, r);
    header = ['day', 'card_created', 'card_moved', 'card_updated', 'comment_added', 'member_invited', 'project_archived', 'total'];
    rows = d.items.map((i) => [i.day, i.card_created, i.card_moved, i.card_updated, i.comment_added, i.member_invited, i.project_archived, i.total]);
  } else {
    const w = await webhookReport(ctx.store, ctx.session.accountId, r);
    if (input.table === 'webhooks') {
      header = ['day', 'deliveries', 'succeeded', 'failed', 'success_rate'];
      rows = w.daily.map((d) => [d.day, d.deliveries, d.succeeded, d.failed, d.successRate]);
    } else {
      header = ['endpoint_id', 'endpoint', 'deliveries', 'succeeded', 'failed', 'success_rate', 'attempts', 'p50_ms', 'p95_ms'];
      rows = w.endpoints.map((e) => [e.endpointId, e.name, e.deliveries, e.succeeded, e.failed, e.successRate, e.attempts, e.p50Ms, e.p95Ms]);
    }
  }
  return { filename: name, csv: toCsv(header, rows), rows: rows.length };
}

// Handlers of the reports area: one per method of preload/contract/reports.ts.
export const reportsHandlers: Handlers<keyof typeof reportsMethods> = {
  'reports.summary': async (ctx, input) => summary(ctx.store, await resolveRange(ctx.store, ctx.session.accountId, input)),
  'reports.daily': async (ctx, input) => dailyByType(ctx.store, await resolveRange(ctx.store, ctx.session.accountId, input)),
  'reports.webhooks': async (ctx, input) => webhookReport(ctx.store, ctx.session.accountId, await resolveRange(ctx.store, ctx.session.accountId, input)),
  'reports.export': (ctx, input) => exportTable(ctx, input),

  'tracking.track': (ctx, input) => trackBatch(ctx.store, ctx.session, input),
  'tracking.explore': async (ctx, input) => {
    const fromDay = parseDay(input.from);
    const toDay = parseDay(input.to);
    if (toDay < fromDay) throw new AppError('invalid_input', 'The end of the range is before its start.', [{ path: ['to'], message: 'before from' }]);
    if (input.userId) await requireMember(ctx.store, ctx.session.accountId, input.userId);
    const agg = await trackingAggregates(ctx.store, {
      accountId: ctx.session.accountId,
      fromMs: fromDay * 86_400_000,
      toMs: (toDay + 1) * 86_400_000,
      eventType: input.eventType ? trackingTypeCode(input.eventType) : undefined,
      userId: input.userId,
      metaKey: input.metaKey,
      metaValue: input.metaValue,
    });
    const byDay = new Map<number, Record<string, number>>();
    for (const row of agg.daily) {
      const rec = byDay.get(row.day) ?? {};
      rec[trackingTypeName(row.event_type)] = row.n;
      byDay.set(row.day, rec);
    }
    const daily = [];
    for (let d = fromDay; d <= toDay && daily.length <= 3660; d++) {
      const rec = byDay.get(d) ?? {};
      daily.push({ day: dayString(d), ...(Object.fromEntries(trackingTypes.map((t) => [t, rec[t] ?? 0])) as Record<(typeof trackingTypes)[number], number>) });
    }
    return {
      total: agg.total,
      daily,
      byType: agg.byType.map((b) => ({ eventType: trackingTypeName(b.event_type), count: b.n })),
      topRoutes: agg.topRoutes.map((x) => ({ url: x.url, count: x.n })),
      topElements: agg.topElements.map((x) => ({ element: String(x.element), count: x.n })),
      perPerson: agg.perPerson.map((p) => ({ id: p.id, name: p.name, count: p.n })),
      metaKeys: agg.metaKeys,
    };
  },

  'notifications.list': async (ctx, input) => {
    const { store, session } = ctx;
    const rows = await notif.listNotifications(store, {
      accountId: session.accountId,
      userId: session.userId,
      unreadOnly: input.unreadOnly,
      before: input.cursor ? decodeCursor(input.cursor) : undefined,
      limit: input.limit + 1,
    });
    const more = rows.length > input.limit;
    const page = more ? rows.slice(0, input.limit) : rows;
    const items = page.map((n) => ({
      id: n.id,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: notificationLink(n),
      actor: n.actor_id && n.actor_name ? { id: n.actor_id, name: n.actor_name } : null,
      read: n.read_at !== null,
      createdAt: toIso(n.created_at),
    }));
    const last = page[page.length - 1];
    const unread = await notif.unreadCount(store, session.accountId, session.userId);
    return more && last ? { items, nextCursor: encodeCursor(last.created_at, last.id), unread } : { items, unread };
  },
  'notifications.unreadCount': async (ctx) => ({ unread: await notif.unreadCount(ctx.store, ctx.session.accountId, ctx.session.userId) }),
  'notifications.markRead': async (ctx, { ids }) => {
    const { store, session } = ctx;
    const unread = await store.transaction(async (tx) => {
      await notif.markRead(tx, session.accountId, session.userId, ids, Date.now());
      return notif.unreadCount(tx, session.accountId, session.userId);
    });
    ctx.push.publish(session.accountId, 'notifications.read', { userId: session.userId, unread });
    return { unread };
  },
  'notifications.markAllRead': async (ctx) => {
    const { store, session } = ctx;
    await notif.markAllRead(store, session.accountId, session.userId, Date.now());
    ctx.push.publish(session.accountId, 'notifications.read', { userId: session.userId, unread: 0 });
    return { unread: 0 };
  },

  'settings.get': (ctx) => settingsView(ctx),
  'settings.update': async (ctx, input) => {
    const { store, session } = ctx;
    if (input.osNotifications !== undefined) await saveUserPreferences(store, session.accountId, session.userId, input.osNotifications, Date.now());
    ctx.push.publish(session.accountId, 'settings.changed', {});
    return settingsView(ctx);
  },
  'settings.updateAccount': async (ctx, input) => {
    const { store, session } = ctx;
    await store.transaction(async (tx) =>
      saveReportSettings(
        tx,
        session.accountId,
        {
          ...(input.trackingEnabled !== undefined ? { tracking_enabled: input.trackingEnabled } : {}),
          ...(input.retentionDays !== undefined ? { tracking_retention_days: input.retentionDays } : {}),
        },
        Date.now(),
      ),
    );
    ctx.push.publish(session.accountId, 'settings.changed', {});
    return settingsView(ctx);
  },

  'activity.lastSeen': async (ctx) => {
    const at = await notif.lastSeen(ctx.store, ctx.session.accountId, ctx.session.userId);
    return { lastSeenAt: at === null ? null : toIso(at) };
  },
  'activity.markSeen': async (ctx, input) => {
    const now = Date.now();
    const at = input.at ? Math.min(Date.parse(input.at), now) : now;
    return { lastSeenAt: toIso(await notif.markSeen(ctx.store, ctx.session.accountId, ctx.session.userId, at)) };
  },
};
