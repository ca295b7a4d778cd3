import type { MethodName } from '../../preload/contract.ts';
import { auditHandlers } from './audit.ts';
import { connectionHandlers } from './connection.ts';
import { foundationHandlers } from './foundation.ts';
import { peopleHandlers } from './people.ts';
import { jobsHandlers } from './jobs.ts';
import { reportsHandlers } from './reports.ts';
import { storageHandlers } from './storage.ts';
import type { Handlers } from './types.ts';
import { webhooksHandlers } from './webhooks.ts';

/** One handler per contract method: the typecheck fails if a method has none. */
export const handlers: Handlers<MethodName> = {
  ...foundationHandlers,
  ...peopleHandlers,
  ...webhooksHandlers,
  ...jobsHandlers,
  ...auditHandlers,
  ...reportsHandlers,
  ...storageHandlers,
  ...connectionHandlers,
};
