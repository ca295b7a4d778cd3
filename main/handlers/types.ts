import type { Role } from '../../db/schema.ts';
import type { Store } from '../../db/store.ts';
import type { MethodName, Output, ParsedInput } from '../../preload/contract.ts';
import { roleAllows } from '../../preload/contract/common.ts';
import type { DomainContext } from '../domain/context.ts';
import type { PushBus } from '../push.ts';
import type { Session } from '../session.ts';

/** Everything a handler may use: the app's services plus the caller's session. */
export interface HandlerContext extends DomainContext {
  app: AppServices;
  /** The session's role in its account, as main/rpc.ts checked it (null for methods open to `anyone`). */
  membership: { role: Role; demo: boolean } | null;
  /** The transport fixed who the session is (a hub's personal access token). */
  fixed: boolean;
  /** Replace the caller's session (switch account / person). */
  setSession(next: Session): void;
}

/**
 * Is the caller an owner or admin of the session's account? From the role main/rpc.ts looked up for this call (no
 * query of its own): for what a method open to every member shows only to the people who manage the account.
 */
export function managesAccount(ctx: Pick<HandlerContext, 'membership'>): boolean {
  return ctx.membership !== null && roleAllows(ctx.membership.role, 'admin');
}

/** Long-lived services of one open workspace. Areas hang their own services here. */
export interface AppServices {
  store: Store;
  push: PushBus;
  /** The store's location as shown to people (a file path, or the hub URL without its password). */
  location: string;
  /** The full location, credentials included, for threads and processes that open their own connection. Never shown. */
  connectTo: string;
  /** A SQLite file on this machine (false: a PostgreSQL hub). */
  local: boolean;
  readOnly: boolean;
  /** Folder for key files and other per-workspace data. */
  dataDir: string;
  /** Area services (webhook dispatcher, crypto keys, …), by name. */
  services: Record<string, unknown>;
}

export type Handler<M extends MethodName> = (ctx: HandlerContext, input: ParsedInput<M>) => Output<M> | Promise<Output<M>>;
export type Handlers<M extends MethodName> = { [K in M]: Handler<K> };
