// Handlers of Settings → Backups: one per method of preload/contract/storage.ts.
import { lastChecks, type CheckResult } from '../../db/integrity.ts';
import type { storageMethods } from '../../preload/contract/storage.ts';
import { auditKeySpec } from '../audit/keys.ts';
import { openDataKey, type DataKeyStatus } from '../crypto/key-guard.ts';
import { AppError } from '../errors.ts';
import { createBackup, HUB_BACKUP_SENTENCE, listBackups, type BackupInfo } from '../storage/backup.ts';
import { storageDamage } from '../storage/health.ts';
import { backupsFolder, checksApply, runStorageCheck } from '../storage/service.ts';
import { webhooksService } from '../webhooks/service.ts';
import { managesAccount, type HandlerContext, type Handlers } from './types.ts';

const BUNDLE_NOTE = 'A review bundle is a file of its own: it is not backed up here (copy the .chronicle-bundle file).';

const checkView = (c: CheckResult) => ({ kind: c.kind, ok: c.ok, problems: c.problems, checkedAt: new Date(c.checkedAt).toISOString(), durationMs: c.durationMs });
const backupView = (b: BackupInfo) => ({ folder: b.folder, createdAt: b.createdAt, bytes: b.bytes, schemaVersion: b.schemaVersion, keyFiles: b.keys.map((k) => k.file) });
const keyView = (k: DataKeyStatus) => ({ label: k.label, state: k.state, file: k.file, fingerprint: k.found ?? k.expected, sentence: k.sentence });

/** One backup at a time per open workspace. */
const backingUp = new WeakSet<object>();

function quoteArg(s: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Where this workspace lives, as the contract names it. */
export const storeKind = (app: HandlerContext['app']) => (app.readOnly ? 'bundle' : app.local ? 'file' : 'hub');

export const storageHandlers: Handlers<keyof typeof storageMethods> = {
  'storage.status': async (ctx) => {
    const { app } = ctx;
    const manage = managesAccount(ctx);
    const kind = storeKind(app);
    const damage = storageDamage(app);
    const file = kind === 'file' && checksApply(app);
    const backups = file && manage ? listBackups(backupsFolder(app)) : [];
    // On a damaged file these reads may fail themselves: the damage is still shown (it is what matters then).
    const orNothing = async <T>(read: () => Promise<T[]>): Promise<T[]> => {
      try {
        return await read();
      } catch (err) {
        if (!damage) throw err;
        return [];
      }
    };
    const keys = manage && kind !== 'bundle'
      ? await orNothing(async () => [webhooksService(app).keyStatus, await openDataKey(app.store, app.dataDir, auditKeySpec, { create: false })].map(keyView))
      : [];
    const checks = file ? await orNothing(async () => (await lastChecks(app.store)).map(checkView)) : [];
    return {
      kind,
      location: app.location,
      canManage: manage,
      damage: damage ? { sentence: damage.sentence, problems: damage.problems, at: new Date(damage.at).toISOString() } : null,
      checks,
      backupsNote: kind === 'hub' ? HUB_BACKUP_SENTENCE : kind === 'bundle' ? BUNDLE_NOTE : null,
      backupsFolder: file && manage ? backupsFolder(app) : null,
      backups: backups.map(backupView),
      keys,
      restoreCommand: backups[0] ? `chronicle restore --from ${quoteArg(backups[0].folder)} --db ${quoteArg(app.location)}${damage ? ' --force' : ''}` : null,
    };
  },

  'storage.backup': async (ctx, input) => {
    const { app } = ctx;
    if (!app.local) throw new AppError('invalid_input', HUB_BACKUP_SENTENCE);
    if (app.readOnly || !checksApply(app)) throw new AppError('invalid_input', BUNDLE_NOTE);
    if (backingUp.has(app)) throw new AppError('conflict', 'A backup of this workspace is being taken already; wait for it to finish.');
    backingUp.add(app);
    let last = 0;
    try {
      const r = await createBackup(app.store, {
        dataDir: app.dataDir,
        outDir: backupsFolder(app),
        onProgress: input.runId
          ? (fraction) => {
              const now = Date.now();
              if (fraction < 1 && now - last < 100) return; // at most ~10 a second, and the last one
              last = now;
              ctx.push.publish(ctx.session.accountId, 'storage.progress', { runId: input.runId!, fraction });
            }
          : undefined,
      });
      return { ...backupView(r), warnings: r.warnings };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('conflict', `The backup could not be written: ${(err as Error).message}`);
    } finally {
      backingUp.delete(app);
    }
  },

  'storage.check': async (ctx, input) => {
    if (!checksApply(ctx.app)) throw new AppError('invalid_input', ctx.app.local ? BUNDLE_NOTE : 'A hub’s database is checked with PostgreSQL’s own tools (pg_amcheck), not from the console.');
    return checkView(await runStorageCheck(ctx.app, input.kind));
  },
};
