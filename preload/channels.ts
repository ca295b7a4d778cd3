/** IPC channel names shared by the preload and the main process. */
export const RPC_CHANNEL = 'chronicle:rpc';
export const PUSH_CHANNEL = 'chronicle:push';
