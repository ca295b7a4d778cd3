import type { webhooksMethods } from '../../preload/contract/webhooks.ts';
import type { Handlers } from './types.ts';

// Handlers of the webhooks area: one per method of preload/contract/webhooks.ts.
export const webhooksHandlers: Handlers<keyof typeof webhooksMethods> = {};
