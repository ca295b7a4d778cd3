import type { Handlers } from './types.ts';

/** A workspace answering for itself is no forwarded hub (main/hub-client answers this method when it forwards). */
export const connectionHandlers: Handlers<'connection.get'> = {
  'connection.get': () => ({ hub: null }),
};
