import { z } from 'zod';
import { Empty, IsoTime, method } from './common.ts';

/** A signed review bundle kept on this computer for reading while the hub cannot be reached. */
export const OfflineCopy = z.object({
  account: z.object({ id: z.string(), name: z.string() }),
  exportedAt: z.string(),
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  /** The hub's signing key the bundle was verified against on arrival. */
  fingerprint: z.string(),
  links: z.number().int(),
  bytes: z.number().int(),
});

/**
 * Where the console's calls go. `hub` is null when the window talks to its own workspace (a file, or a hub's
 * database served directly); otherwise the team hub the calls are forwarded to, as that hub answered.
 */
export const Connection = z.object({
  hub: z
    .object({
      /** The hub's origin, e.g. https://hub.example.com:8443 */
      url: z.string(),
      reachable: z.boolean(),
      /** When `reachable` last changed (ISO time). */
      since: z.string(),
      /** Why the hub cannot be reached, in a sentence (absent while reachable). */
      problem: z.string().optional(),
      /** The person and account the hub says the token acts as (null until it answered once). */
      user: z.object({ name: z.string(), email: z.string() }).nullable(),
      account: z.object({ id: z.string(), name: z.string() }).nullable(),
      /** Desktop app: the last review bundle downloaded from this hub for this account (see connection.downloadOffline). */
      offline: OfflineCopy.nullable(),
    })
    .nullable(),
});

export const connectionMethods = {
  'connection.get': method(Empty, Connection, { role: 'anyone' }),
  /**
   * Desktop app only: forward this window's console to a team hub. The token is checked with the hub, kept
   * encrypted in main (never sent back to the renderer) and used for every call until `connection.disconnect`.
   */
  'connection.connect': method(
    z
      .object({
        url: z.string().trim().min(1, 'the hub address is required').max(2000),
        token: z.string().trim().min(8, 'a personal token is at least 8 characters').max(500),
      })
      .strict(),
    Connection,
    { role: 'anyone' },
  ),
  'connection.disconnect': method(Empty, Connection, { role: 'anyone' }),
  /**
   * Desktop app only: download a signed review bundle of the account's trail (a date range) from the hub, verify
   * it on arrival (signature, contents, chain, and that the hub's own key signed it) and keep it as this hub
   * account's offline copy, replacing the previous one.
   */
  'connection.downloadOffline': method(z.object({ from: IsoTime.optional(), to: IsoTime.optional() }).strict().default({}), OfflineCopy, { role: 'anyone' }),
  /** Desktop app only: open the offline copy read-only in a window of its own. */
  'connection.openOffline': method(Empty, z.object({ opened: z.boolean() }), { role: 'anyone' }),
};

export const connectionTopics = {
  'connection.changed': Connection,
};
