// The whole database as Kysely sees it: one interface per area, merged here.
import type { FoundationSchema } from './schema/foundation.ts';
import type { AuditSchema } from './schema/audit.ts';
import type { WebhooksSchema } from './schema/webhooks.ts';
import type { ReportsSchema } from './schema/reports.ts';
import type { QueueSchema } from './schema/queue.ts';
import type { PeopleSchema } from './schema/people.ts';
import type { StorageSchema } from './schema/storage.ts';

export type * from './schema/foundation.ts';
export type * from './schema/audit.ts';
export type * from './schema/webhooks.ts';
export type * from './schema/reports.ts';
export type * from './schema/queue.ts';
export type * from './schema/people.ts';
export type * from './schema/storage.ts';

export interface Schema extends FoundationSchema, WebhooksSchema, ReportsSchema, AuditSchema, QueueSchema, PeopleSchema, StorageSchema {}
