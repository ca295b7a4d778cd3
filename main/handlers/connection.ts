import { AppError } from '../errors.ts';
import type { Handlers } from './types.ts';

const desktopOnly = () =>
  new AppError('invalid_input', 'Connecting to a team hub is done in the desktop app (Settings → Team hub), or with `chronicle serve --hub URL --token-file F` for a browser.');

/**
 * A workspace answering for itself is no forwarded hub. When the desktop app or `serve --hub` forwards, its
 * forwarding layer (main/hub-client) answers these methods before they could reach a handler.
 */
export const connectionHandlers: Handlers<'connection.get' | 'connection.connect' | 'connection.disconnect' | 'connection.downloadOffline' | 'connection.openOffline'> = {
  'connection.get': () => ({ hub: null }),
  'connection.connect': () => {
    throw desktopOnly();
  },
  'connection.disconnect': () => {
    throw desktopOnly();
  },
  'connection.downloadOffline': () => {
    throw desktopOnly();
  },
  'connection.openOffline': () => {
    throw desktopOnly();
  },
};
