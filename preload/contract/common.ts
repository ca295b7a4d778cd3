import { z } from 'zod';

export const Id = z.uuid({ message: 'must be an id (UUID)' });
export const IsoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time, e.g. 2026-01-31T12:00:00Z' });
export const Cursor = z.string().min(1).max(200);
export const Limit = (max = 200, dflt = 50) => z.number().int().min(1).max(max).default(dflt);
export const Empty = z.object({}).strict().default({});

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

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Methods that change data are refused on a read-only (bundle) workspace. */
  write?: boolean;
}
export const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, opts: { write?: boolean } = {}) =>
  ({ input, output, ...opts }) satisfies MethodSpec<I, O>;
