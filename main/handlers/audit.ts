import type { auditMethods } from '../../preload/contract/audit.ts';
import type { Handlers } from './types.ts';

// Handlers of the audit area: one per method of preload/contract/audit.ts.
export const auditHandlers: Handlers<keyof typeof auditMethods> = {};
