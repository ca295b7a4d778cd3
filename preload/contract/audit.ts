// Contract section for the audit area (methods and push topics). Merged into ../contract.ts.
import { z } from 'zod';
import { Cursor, Empty, Id, IsoTime, Limit, method, NamedRef, PersonRef } from './common.ts';

export const AuditAttribute = z.enum(['title', 'description', 'column_id', 'position', 'assignee_id', 'due_date']);
export const VersionKind = z.enum(['card_created', 'card_updated', 'card_moved']);

/** `{ attribute: [old, new] }` (ids for column_id and assignee_id; resolve them with `names`). */
export const AttributeChanges = z.record(z.string(), z.tuple([z.unknown(), z.unknown()]));
/** id → name for the users and columns a page mentions. */
export const Names = z.object({ users: z.record(z.string(), z.string()), columns: z.record(z.string(), z.string()) });

export const CardVersion = z.object({
  id: Id,
  kind: VersionKind,
  /** The version's number, the oldest being 1. */
  number: z.number().int().min(1),
  /** For a revert: the version it went back to (null when that version is no longer in the trail). */
  revertOf: z.object({ id: Id, number: z.number().int().min(1) }).nullable(),
  changes: AttributeChanges,
  updater: PersonRef,
  createdAt: z.string(),
});

export const CardState = z.object({
  title: z.string(),
  description: z.string(),
  columnId: z.string(),
  assigneeId: z.string().nullable(),
  dueDate: z.string().nullable(),
});

const VersionSide = z.object({ id: Id, kind: VersionKind, createdAt: z.string(), updater: PersonRef, state: CardState });

export const AuditListItem = z.object({
  id: Id,
  kind: VersionKind,
  card: z.object({ id: Id, title: z.string() }),
  board: NamedRef.nullable(),
  /** For a revert: the version of the card it went back to. */
  revertOf: z.object({ id: Id, number: z.number().int().min(1) }).nullable(),
  changes: AttributeChanges,
  updater: PersonRef,
  createdAt: z.string(),
});

export const BrokenLink = z.object({
  seq: z.number().int(),
  table: z.string().nullable(),
  id: z.string().nullable(),
  kind: z.enum(['edited', 'deleted', 'inserted', 'reordered']),
  message: z.string(),
});

export const BundleCheck = z.object({ name: z.enum(['file', 'signature', 'bytes', 'content', 'counts', 'chain']), ok: z.boolean(), message: z.string() });

export const ManifestView = z.object({
  format: z.string(),
  createdAt: z.string(),
  account: NamedRef,
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  chain: z.object({ firstSeq: z.number().int(), firstPrevHash: z.string(), headSeq: z.number().int(), headHash: z.string(), links: z.number().int() }),
  counts: z.record(z.string(), z.number().int()),
  schemaVersion: z.number().int(),
  contentDigest: z.string(),
  fileDigest: z.string(),
  algorithm: z.literal('ed25519'),
  publicKey: z.string(),
  fingerprint: z.string(),
});

const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, “-” and “_” only');

export const auditMethods = {
  'audit.cardHistory': method(
    z.object({ cardId: Id, cursor: Cursor.optional(), limit: Limit(200, 50) }).strict(),
    z.object({
      card: z.object({ id: Id, title: z.string(), boardId: Id }),
      items: z.array(CardVersion),
      names: Names,
      nextCursor: z.string().optional(),
    }),
    { role: 'viewer' },
  ),
  'audit.compare': method(
    z.object({ cardId: Id, fromId: Id, toId: Id }).strict(),
    z.object({ from: VersionSide, to: VersionSide, changes: AttributeChanges, names: Names }),
    { role: 'viewer' },
  ),
  'audit.cardAt': method(
    z.object({ cardId: Id, at: IsoTime }).strict(),
    z.object({ cardId: Id, at: z.string(), existed: z.boolean(), state: CardState.optional(), names: Names }),
    { role: 'viewer' },
  ),
  // Member: a revert is a card change like any other.
  'audit.revert': method(
    z.object({ cardId: Id, versionId: Id }).strict(),
    z.object({ cardId: Id, changes: AttributeChanges }),
    { role: 'member', write: true },
  ),
  'audit.list': method(
    z
      .object({
        cardId: Id.optional(),
        boardId: Id.optional(),
        personId: Id.optional(),
        attribute: AuditAttribute.optional(),
        from: IsoTime.optional(),
        to: IsoTime.optional(),
        cursor: Cursor.optional(),
        limit: Limit(500, 100),
      })
      .strict()
      .default({ limit: 100 }),
    z.object({ items: z.array(AuditListItem), names: Names, nextCursor: z.string().optional() }),
    { role: 'viewer' },
  ),
  'audit.verify': method(
    z.object({ runId: RunId.optional() }).strict().default({}),
    z.object({
      ok: z.boolean(),
      checked: z.number().int(),
      total: z.number().int(),
      head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
      firstBroken: BrokenLink.optional(),
      /** Present when the open workspace is a review bundle: its signature, content and count checks. */
      bundleChecks: z.array(BundleCheck).optional(),
    }),
    { role: 'viewer' },
  ),
  'audit.export': method(
    z.object({ from: IsoTime.optional(), to: IsoTime.optional(), runId: RunId.optional() }).strict().default({}),
    z.object({ file: z.string(), bytes: z.number().int(), manifest: ManifestView }),
    // Admin: the bundle is signed with the workspace's key (it speaks for the workspace) and written to the host's
    // data folder; reading the same trail on screen is open to every role.
    { role: 'admin', write: true },
  ),
  'audit.bundleInfo': method(
    Empty,
    z.object({
      /** The manifest of the open bundle (null for a normal workspace). */
      bundle: ManifestView.nullable(),
      /** The workspace's signing key (null on a bundle, whose key is the manifest's). */
      workspaceKey: z.object({ algorithm: z.literal('ed25519'), publicKey: z.string(), fingerprint: z.string() }).nullable(),
      readOnly: z.boolean(),
    }),
    { role: 'viewer' },
  ),
} as const;

export const auditTopics = {
  /** Progress of a long audit task started with a runId (verify walks, bundle exports). */
  'audit.progress': z.object({
    runId: z.string(),
    task: z.enum(['verify', 'export']),
    phase: z.string(),
    done: z.number(),
    total: z.number(),
  }),
} as const;
