// Contract section for the workspace's storage: integrity checks, data keys and backups (Settings → Backups).
// Merged into ../contract.ts.
import { z } from 'zod';
import { Empty, method, StoreKind } from './common.ts';

const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, - or _');

export const StorageCheck = z.object({
  kind: z.enum(['quick', 'full']),
  ok: z.boolean(),
  /** SQLite's messages (empty when ok). */
  problems: z.array(z.string()),
  checkedAt: z.string(),
  durationMs: z.number().int(),
});

export const BackupView = z.object({
  folder: z.string(),
  createdAt: z.string(),
  bytes: z.number().int(),
  schemaVersion: z.number().int(),
  /** Key files it holds (without them secrets and the signing key could not be opened after a restore). */
  keyFiles: z.array(z.string()),
});

export const KeyView = z.object({
  label: z.string(),
  state: z.enum(['ok', 'unused', 'missing', 'different', 'unusable']),
  file: z.string(),
  fingerprint: z.string().nullable(),
  /** What is wrong and what to do (null when nothing is). */
  sentence: z.string().nullable(),
});

export const storageMethods = {
  /**
   * Every member sees whether the file is damaged (and the checks); owners and admins also see the data keys and
   * the backups (`canManage`). A hub says in a sentence that its backups are pg_dump's job.
   */
  'storage.status': method(
    Empty,
    z.object({
      kind: StoreKind,
      location: z.string(),
      canManage: z.boolean(),
      /** Set when SQLite reported damage: writes are refused from then on. */
      damage: z.object({ sentence: z.string(), problems: z.array(z.string()), at: z.string() }).nullable(),
      checks: z.array(StorageCheck),
      /** Why this workspace is not backed up here (a hub, a bundle), or null. */
      backupsNote: z.string().nullable(),
      backupsFolder: z.string().nullable(),
      backups: z.array(BackupView),
      keys: z.array(KeyView),
      /** The command that puts the newest backup back (Chronicle must be stopped first), or null. */
      restoreCommand: z.string().nullable(),
    }),
    { role: 'viewer' },
  ),
  /** Back up the workspace file and its key files now (owners and admins; progress on `storage.progress`). */
  'storage.backup': method(z.object({ runId: RunId.optional() }).strict().default({}), BackupView.extend({ warnings: z.array(z.string()) }), { role: 'admin' }),
  /** Run an integrity check now (owners and admins). */
  'storage.check': method(z.object({ kind: z.enum(['quick', 'full']).default('full') }).strict().default({ kind: 'full' }), StorageCheck, { role: 'admin' }),
} as const;

export const storageTopics = {
  /** Progress of a backup started with a runId (fraction of pages copied, 0–1). */
  'storage.progress': z.object({ runId: z.string(), fraction: z.number().min(0).max(1) }),
} as const;
