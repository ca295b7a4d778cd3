import { z } from 'zod';
import { Empty, method } from './common.ts';

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
      account: z.object({ name: z.string() }).nullable(),
    })
    .nullable(),
});

export const connectionMethods = {
  'connection.get': method(Empty, Connection),
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
  ),
  'connection.disconnect': method(Empty, Connection),
};

export const connectionTopics = {
  'connection.changed': Connection,
};
