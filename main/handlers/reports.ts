import type { reportsMethods } from '../../preload/contract/reports.ts';
import type { Handlers } from './types.ts';

// Handlers of the reports area: one per method of preload/contract/reports.ts.
export const reportsHandlers: Handlers<keyof typeof reportsMethods> = {};
