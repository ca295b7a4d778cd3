// Contract section for the reports area: reports, tracking, notifications, settings and the timeline's
// grouping support (last seen). Merged into ../contract.ts.
import { z } from 'zod';
import { Cursor, Empty, Id, IsoTime, Limit, method } from './common.ts';

/** A UTC day `2026-03-31`, or a full ISO time (its UTC day is used). */
export const ReportDay = z.union([z.iso.date({ message: 'must be a date, e.g. 2026-03-31' }), IsoTime]);

export const ReportRange = z
  .object({ from: ReportDay, to: ReportDay, boardId: Id.optional(), projectId: Id.optional() })
  .strict();

export const EventCounts = z.object({
  card_created: z.number().int(),
  card_moved: z.number().int(),
  card_updated: z.number().int(),
  comment_added: z.number().int(),
  member_invited: z.number().int(),
  project_archived: z.number().int(),
});

const Ranked = z.object({ id: Id, name: z.string(), count: z.number().int() });
const DayCount = z.object({ day: z.string(), count: z.number().int() });

export const WebhookEndpointStats = z.object({
  endpointId: Id,
  name: z.string(),
  deliveries: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  successRate: z.number().nullable(),
  attempts: z.number().int(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export const WebhookReport = z.object({
  /** False when this build has no webhook tables (the section is hidden). */
  available: z.boolean(),
  daily: z.array(z.object({ day: z.string(), deliveries: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), successRate: z.number().nullable() })),
  endpoints: z.array(WebhookEndpointStats),
});

export const ReportSummary = z.object({
  from: z.string(),
  to: z.string(),
  days: z.number().int(),
  total: z.number().int(),
  counts: EventCounts,
  mostActiveBoards: z.array(Ranked),
  mostActiveUsers: z.array(Ranked),
  daily: z.array(DayCount),
  topRoutes: z.array(z.object({ url: z.string(), count: z.number().int() })),
});

export const DailyRow = EventCounts.extend({ day: z.string(), total: z.number().int() });

export const ReportTable = z.enum(['counts', 'boards', 'users', 'daily', 'routes', 'webhooks', 'webhookEndpoints']);

export const TrackingEventType = z.enum(['page_view', 'link_click', 'form_submit', 'button_click', 'search', 'export']);

/** A route of the app (`/boards/…?x=y`), never a full URL with host or token. */
const Route = z
  .string()
  .max(300, 'at most 300 characters')
  .regex(/^\/[A-Za-z0-9\-._~/%:@!$&'()*+,;=?]*$/, 'must be an app route starting with /')
  .refine((s) => !/[?&]token=/i.test(s), 'must not carry a token');

/** Keys that would carry secrets or what someone typed: refused outright. */
export const forbiddenMetaKey = /pass|secret|token|auth|cookie|session|e-?mail|body|text|content|input|value|query|comment/i;

const MetaKey = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,39}$/, 'keys are short identifiers (letters, digits, _ . -)');
const MetaValue = z.union([z.string().max(120, 'values are at most 120 characters'), z.number().finite(), z.boolean(), z.null()]);
export const TrackingMetadata = z
  .record(MetaKey, MetaValue)
  .refine((m) => Object.keys(m).length <= 10, 'at most 10 keys')
  .refine((m) => JSON.stringify(m).length <= 1024, 'at most 1 KiB of JSON')
  .refine((m) => !Object.keys(m).some((k) => forbiddenMetaKey.test(k)), 'secrets and free text from inputs are not tracked');

export const TrackingEventInput = z
  .object({
    eventType: TrackingEventType,
    url: Route,
    referrer: Route.nullable().optional(),
    trackableType: z.string().regex(/^[a-z_]{1,40}$/, 'a lowercase type name').optional(),
    trackableId: Id.optional(),
    metadata: TrackingMetadata.optional(),
    /** When it happened in the page (clamped to the last day on the host). */
    at: IsoTime.optional(),
  })
  .strict()
  .refine((e) => (e.trackableType === undefined) === (e.trackableId === undefined), { message: 'trackableType and trackableId go together', path: ['trackableId'] });

export const MAX_TRACKING_BATCH = 200;

export const Notification = z.object({
  id: Id,
  kind: z.enum(['comment', 'invitation', 'endpoint_disabled', 'delivery_failures']),
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  actor: z.object({ id: Id, name: z.string() }).nullable(),
  read: z.boolean(),
  createdAt: z.string(),
});

export const Settings = z.object({
  trackingEnabled: z.boolean(),
  retentionDays: z.number().int(),
  osNotifications: z.boolean(),
  /** Only owners and admins change account-wide settings. */
  canEditAccount: z.boolean(),
});

export const reportsMethods = {
  'reports.summary': method(ReportRange, ReportSummary, { role: 'viewer' }),
  'reports.daily': method(ReportRange, z.object({ items: z.array(DailyRow) }), { role: 'viewer' }),
  'reports.webhooks': method(ReportRange, WebhookReport, { role: 'viewer' }),
  'reports.export': method(ReportRange.extend({ table: ReportTable }).strict(), z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }), { role: 'viewer' }),

  // Any role: it records the caller's own page views and clicks.
  'tracking.track': method(
    z.object({ events: z.array(TrackingEventInput).min(1, 'send at least one event').max(MAX_TRACKING_BATCH, `at most ${MAX_TRACKING_BATCH} events per batch`) }).strict(),
    z.object({ accepted: z.number().int(), enabled: z.boolean() }),
    { role: 'viewer', write: true },
  ),
  // Admin: it shows what each person looked at and clicked.
  'tracking.explore': method(
    z
      .object({
        from: ReportDay,
        to: ReportDay,
        eventType: TrackingEventType.optional(),
        userId: Id.optional(),
        metaKey: MetaKey.optional(),
        metaValue: z.string().max(120).optional(),
      })
      .strict(),
    z.object({
      total: z.number().int(),
      daily: z.array(z.object({ day: z.string(), page_view: z.number().int(), link_click: z.number().int(), form_submit: z.number().int(), button_click: z.number().int(), search: z.number().int(), export: z.number().int() })),
      byType: z.array(z.object({ eventType: TrackingEventType, count: z.number().int() })),
      topRoutes: z.array(z.object({ url: z.string(), count: z.number().int() })),
      topElements: z.array(z.object({ element: z.string(), count: z.number().int() })),
      perPerson: z.array(z.object({ id: Id, name: z.string(), count: z.number().int() })),
      metaKeys: z.array(z.string()),
    }),
    { role: 'admin' },
  ),

  'notifications.list': method(
    z.object({ unreadOnly: z.boolean().default(false), cursor: Cursor.optional(), limit: Limit(100, 20) }).strict().default({ unreadOnly: false, limit: 20 }),
    z.object({ items: z.array(Notification), nextCursor: z.string().optional(), unread: z.number().int() }),
    { role: 'viewer' },
  ),
  'notifications.unreadCount': method(Empty, z.object({ unread: z.number().int() }), { role: 'viewer' }),
  'notifications.markRead': method(z.object({ ids: z.array(Id).min(1).max(200) }).strict(), z.object({ unread: z.number().int() }), { role: 'viewer', write: true }),
  'notifications.markAllRead': method(Empty, z.object({ unread: z.number().int() }), { role: 'viewer', write: true }),

  'settings.get': method(Empty, Settings, { role: 'viewer' }),
  // The person's own preferences: any role.
  'settings.update': method(z.object({ osNotifications: z.boolean().optional() }).strict(), Settings, { role: 'viewer', write: true }),
  // Account-wide settings (tracking for everyone, its retention): owners and admins.
  'settings.updateAccount': method(
    z
      .object({
        trackingEnabled: z.boolean().optional(),
        retentionDays: z.number().min(1, 'at least 1 day').max(3650, 'at most 3650 days').int().optional(),
      })
      .strict(),
    Settings,
    { role: 'admin', write: true },
  ),

  'activity.lastSeen': method(Empty, z.object({ lastSeenAt: z.string().nullable() }), { role: 'viewer' }),
  'activity.markSeen': method(z.object({ at: IsoTime.optional() }).strict().default({}), z.object({ lastSeenAt: z.string() }), { role: 'viewer', write: true }),
} as const;

export const reportsTopics = {
  /** A notification for `userId` was created (the inbox refetches; Electron may show an OS notification). */
  'notifications.created': z.object({ userId: Id, id: Id, title: z.string(), body: z.string(), createdAt: z.string() }),
  /** Read state changed for `userId` (another window marked something read). */
  'notifications.read': z.object({ userId: Id, unread: z.number().int() }),
  /** Account-wide report/tracking settings changed. */
  'settings.changed': z.object({}),
} as const;
