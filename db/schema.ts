// The whole database as Kysely sees it: one interface per area, merged here.
import type { FoundationSchema } from './schema/foundation.ts';

export type * from './schema/foundation.ts';

export interface Schema extends FoundationSchema {}
