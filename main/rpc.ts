import { describeStorageError } from '../db/errors.ts';
import { z } from 'zod';
import { isMethodName, methods, type ErrorBody, type MethodName } from '../preload/contract.ts';
import { AppError } from './errors.ts';
import { handlers } from './handlers/index.ts';
import type { AppServices, HandlerContext } from './handlers/types.ts';
import type { Session } from './session.ts';

/** A transport's handle on its caller's session (one per window or host connection). */
export interface SessionSlot {
  session: Session | null;
}

export type RpcResult = { ok: true; result: unknown } | { ok: false; error: ErrorBody };

/** Methods that work before the workspace has any account. */
const sessionless = new Set<MethodName>(['workspace.status', 'workspace.seedDemo', 'workspace.create', 'connection.get']);

/**
 * The one entry point both transports call: validate the input against the contract, run the handler with the
 * caller's session, and turn every failure into `{ code, message, issues? }`, never a stack trace.
 */
export async function invoke(app: AppServices, slot: SessionSlot, method: string, rawInput: unknown): Promise<RpcResult> {
  try {
    if (!isMethodName(method)) throw new AppError('not_found', `There is no method named “${method}”.`);
    const spec = methods[method];
    if (app.readOnly && 'write' in spec && spec.write) {
      throw new AppError('read_only', 'This workspace is open read-only (a review bundle): changes are not allowed.');
    }
    const parsed = (spec.input as z.ZodType).safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
      const first = issues[0];
      const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
      throw new AppError('invalid_input', `The request was not valid (${where}${first?.message ?? 'invalid'}).`, issues);
    }
    if (!slot.session && !sessionless.has(method)) {
      throw new AppError('not_found', 'This workspace has no account yet: create one or load the demo workspace.');
    }
    const ctx: HandlerContext = {
      app,
      store: app.store,
      push: app.push,
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
    return { ok: false, error: toErrorBody(err, method) };
  }
}

export function toErrorBody(err: unknown, method = ''): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  const storage = describeStorageError(err);
  if (storage) return { code: storage.code === 'storage_busy' ? 'conflict' : storage.code, message: storage.message };
  console.error(`[rpc] ${method} failed:`, err);
  return { code: 'internal', message: 'Something went wrong on Chronicle’s side; the details were logged.' };
}
