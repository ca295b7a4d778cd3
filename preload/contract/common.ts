import { z } from 'zod';

export const Id = z.uuid({ message: 'must be an id (UUID)' });
export const IsoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time, e.g. 2026-01-31T12:00:00Z' });
export const Cursor = z.string().min(1).max(200);
// The bounds come before `.int()`: zod reports in order, and a huge number should first hear the list's bound, not
// the safe-integer bound that `.int()` adds.
export const Limit = (max = 200, dflt = 50) => z.number().min(1).max(max).int().default(dflt);
export const Empty = z.object({}).strict().default({});
/** Where the workspace lives: a SQLite file, a team hub (PostgreSQL), or a review bundle opened read-only. */
export const StoreKind = z.enum(['file', 'hub', 'bundle']);

export const PersonRef = z.object({ id: Id, name: z.string() });
export const NamedRef = z.object({ id: Id, name: z.string() });

/** A page of a list: `nextCursor` is absent on the last page. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

/** The error shape every transport returns. */
export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Roles in an account, highest first: each may do everything the ones below it may. */
export const roles = ['owner', 'admin', 'member', 'viewer'] as const;
export type RoleName = (typeof roles)[number];

/**
 * Who may call a method: the lowest role (in the session's account) it needs, or `anyone` for the few methods that
 * need no membership in the session's account (the workspace's first run, and answering an invitation, whose
 * invitee is not a member yet). main/rpc.ts enforces it before any handler runs.
 */
export type Access = RoleName | 'anyone';

const rank: Record<RoleName, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** Does `role` reach `needed`? */
export function roleAllows(role: RoleName, needed: Access): boolean {
  return needed === 'anyone' || rank[role] >= rank[needed];
}

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** The minimum role (required on every method). */
  role: Access;
  /** Methods that change data are refused on a read-only (bundle) workspace. */
  write?: boolean;
  /** Only in an account the demo seed made (acting as someone else). */
  demo?: boolean;
  /** Changes who the session is (another account, person, or a new account): refused where a personal access
   *  token fixes the session (a hub). */
  switchesSession?: boolean;
}

export interface MethodOptions {
  role: Access;
  write?: boolean;
  demo?: boolean;
  switchesSession?: boolean;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, opts: MethodOptions) =>
  ({ input, output, ...opts }) satisfies MethodSpec<I, O>;
