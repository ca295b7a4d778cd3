import { describeStorageError } from '../db/errors.ts';
import { findAccess } from '../db/people.ts';
import { z } from 'zod';
import { isMethodName, methods, type ErrorBody } from '../preload/contract.ts';
import { roleAllows, type MethodSpec, type RoleName } from '../preload/contract/common.ts';
import { AppError } from './errors.ts';
import { handlers } from './handlers/index.ts';
import type { AppServices, HandlerContext } from './handlers/types.ts';
import type { Session } from './session.ts';
import { markStorageDamaged, storageDamage } from './storage/health.ts';

/** A transport's handle on its caller's session (one per window or host connection). */
export interface SessionSlot {
  session: Session | null;
  /** Who the session is was fixed by the transport (a hub's personal access token): methods that switch the
   *  session are refused. */
  fixed?: boolean;
}

export type RpcResult = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

/** The refusal of a method for a role, in a sentence that names the role it needs. */
export function roleRefusal(needed: RoleName, have: RoleName): AppError {
  const message =
    needed === 'owner'
      ? `Only an owner of this account can do this; you are ${article(have)} ${have}.`
      : needed === 'admin'
        ? `Only owners and admins of this account can do this; you are ${article(have)} ${have}.`
        : 'Viewers can read this account but not change it: this needs the member role or higher.';
  return new AppError('forbidden', message);
}
const article = (role: string) => (role === 'owner' || role === 'admin' ? 'an' : 'a');

/**
 * The one entry point both transports call: validate the input against the contract, run the handler with the
 * caller's session, and turn every failure into `{ code, message, issues? }`, never a stack trace.
 */
export async function invoke(app: AppServices, slot: SessionSlot, method: string, rawInput: unknown): Promise<RpcResult> {
  try {
    if (!isMethodName(method)) throw new AppError('not_found', `There is no method named “${method}”.`);
    const spec: MethodSpec = methods[method];
    if (app.readOnly && spec.write) {
      throw new AppError('read_only', 'This workspace is open read-only (a review bundle): changes are not allowed.');
    }
    if (spec.switchesSession && slot.fixed) {
      throw new AppError('forbidden', 'On a team hub a personal access token acts for one person in one account: switching account or person, or making a new account, is not available.');
    }
    // The role the contract declares, from the session's membership (one statement), before anything else runs.
    let membership: HandlerContext['membership'] = null;
    if (spec.role !== 'anyone') {
      if (!slot.session) throw new AppError('not_found', 'This workspace has no account yet: create one or load the demo workspace.');
      const found = await findAccess(app.store, slot.session.accountId, slot.session.userId);
      // Not found rather than forbidden: an account the caller does not belong to is not theirs to know of.
      if (!found) throw new AppError('not_found', 'This account was not found among yours (you are not, or no longer, a member of it).');
      if (!roleAllows(found.role, spec.role)) throw roleRefusal(spec.role, found.role);
      if (spec.demo && !found.demo) {
        throw new AppError('forbidden', 'Acting as someone else is only possible in a demo workspace; here everyone acts as themselves.');
      }
      membership = { role: found.role, demo: found.demo };
    }
    const damage = storageDamage(app);
    if (damage && spec.write) throw new AppError('storage_corrupt', damage.sentence);
    const parsed = (spec.input as z.ZodType).safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
      const first = issues[0];
      const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
      throw new AppError('invalid_input', `The request was not valid (${where}${first?.message ?? 'invalid'}).`, issues);
    }
    const ctx: HandlerContext = {
      app,
      store: app.store,
      push: app.push,
      membership,
      fixed: slot.fixed ?? false,
      session: slot.session ?? { accountId: '', userId: '' },
      setSession: (next) => {
        slot.session = next;
        ctx.session = next; // the rest of this call answers for the new session
      },
    };
    const handler = handlers[method] as (c: HandlerContext, i: unknown) => unknown;
    const result = await handler(ctx, parsed.data);
    const checked = (spec.output as z.ZodType).safeParse(result);
    if (!checked.success) {
      console.error(`[rpc] ${method} returned a shape outside the contract:`, z.prettifyError(checked.error));
      throw new AppError('internal', 'Chronicle produced an unexpected answer; the problem was logged.');
    }
    return { ok: true, result: checked.data };
  } catch (err) {
    const error = toErrorBody(err, method, app.location);
    // A statement that hit a damaged page: stop writing to the file from now on (main/storage/health.ts).
    if (error.code === 'storage_corrupt' && app.local && !storageDamage(app)) markStorageDamaged(app, { sentence: error.message, problems: [error.message] });
    return { ok: false, error };
  }
}

/** `location`: the workspace file (or redacted hub URL), named in storage sentences. */
export function toErrorBody(err: unknown, method = '', location?: string): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  const storage = describeStorageError(err, location);
  if (storage) return { code: storage.code === 'storage_busy' ? 'conflict' : storage.code, message: storage.message };
  console.error(`[rpc] ${method} failed:`, err);
  return { code: 'internal', message: 'Something went wrong on Chronicle’s side; the details were logged.' };
}
