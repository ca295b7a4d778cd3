// The workspace file's integrity checks: a quick check soon after the workspace opens and a full check every day,
// each in a worker thread of its own (main/storage/check-worker.ts) so neither holds up the window or the host.
// Results are kept in storage_checks (shown in Settings → Backups); damage stops writes (main/storage/health.ts)
// and is said in the console with the last backup to restore.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { backupsFolderOf } from '../../db/backup.ts';
import { recordCheck, type CheckKind, type CheckResult } from '../../db/integrity.ts';
import type { AppServices } from '../handlers/types.ts';
import type { ServiceOptions } from '../services.ts';
import { removeStalePartials } from '../audit/bundle.ts';
import { listBackups, removePartialBackups, type BackupInfo } from './backup.ts';
import { markStorageDamaged } from './health.ts';

export interface StorageCheckOptions {
  /** The quick check starts this long after the workspace opens (default 5 s: after the first screen is drawn). */
  quickCheckDelayMs?: number;
  /** A full check runs this often (default 24 h; the first one a full interval after opening). */
  fullCheckEveryMs?: number;
}

interface ChecksState {
  timers: NodeJS.Timeout[];
  running: Map<CheckKind, Promise<CheckResult>>;
  workers: Set<Worker>;
  closed: boolean;
  nativeBinding?: string;
}

const states = new WeakMap<AppServices, ChecksState>();

function workerUrl(): URL {
  if (import.meta.url.endsWith('.ts')) return new URL('./check-worker-entry.mjs', import.meta.url);
  return new URL('./storage-check-worker.js', import.meta.url);
}

/** Integrity checks apply to a workspace file this process writes (not a hub, a bundle or memory). */
export function checksApply(app: AppServices): boolean {
  return app.local && !app.readOnly && app.location !== ':memory:';
}

/** The folder the console's backups go to (and the copies taken before migrations): beside the workspace file. */
export function backupsFolder(app: AppServices): string {
  return backupsFolderOf(app.location);
}

export function lastBackup(app: AppServices): BackupInfo | null {
  return listBackups(backupsFolder(app))[0] ?? null;
}

function damageSentence(app: AppServices, r: CheckResult): string {
  const last = lastBackup(app);
  const restore = last
    ? `The last backup is ${last.folder} (taken ${last.createdAt}): stop Chronicle and run \`chronicle restore --from ${last.folder} --db ${app.location} --force\` (the damaged file is kept aside).`
    : `There is no backup in ${backupsFolder(app)}; copies taken before migrations, if any, are there too. Take what can still be read (Export) before anything else.`;
  return `${app.location} is damaged: SQLite's ${r.kind === 'quick' ? 'quick' : 'full'} integrity check found ${r.problems.length === 1 ? 'a problem' : `${r.problems.length}${r.problems.length >= 20 ? '+' : ''} problems`} (${r.problems[0]}). Chronicle stopped writing to it. ${restore}`;
}

/** Run one check now (or join the one of that kind already running), record it, and act on damage. */
export function runStorageCheck(app: AppServices, kind: CheckKind): Promise<CheckResult> {
  const s = states.get(app);
  if (!s || s.closed) return Promise.reject(new Error('The workspace is closed.'));
  const already = s.running.get(kind);
  if (already) return already;
  const run = (async () => {
    const worker = new Worker(workerUrl(), { workerData: { file: path.resolve(app.location), kind, nativeBinding: s.nativeBinding }, name: `chronicle-check-${kind}` });
    s.workers.add(worker);
    let result: CheckResult;
    try {
      result = await new Promise<CheckResult>((resolve, reject) => {
        worker.once('message', (m: CheckResult) => resolve(m));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the check stopped (exit ${code})`)));
      });
    } finally {
      s.workers.delete(worker);
      void worker.terminate();
    }
    if (s.closed) return result;
    try {
      await recordCheck(app.store, result);
    } catch {
      // A damaged or full file may refuse even this row; the result still counts.
    }
    if (!result.ok) markStorageDamaged(app, { sentence: damageSentence(app, result), problems: result.problems });
    return result;
  })().finally(() => s.running.delete(kind));
  s.running.set(kind, run);
  return run;
}

export const storageChecksService = {
  name: 'storage-checks',
  start(app: AppServices, opts: ServiceOptions): void {
    const s: ChecksState = { timers: [], running: new Map(), workers: new Set(), closed: false, nativeBinding: opts.nativeBinding };
    states.set(app, s);
    if (!app.readOnly) {
      // What a killed export or backup left behind (partial bundles hold rows being copied; partial backups a
      // whole workspace): removed at start as well as by the next export or backup.
      removeStalePartials(path.join(app.dataDir, 'bundles'));
      if (checksApply(app)) removePartialBackups(backupsFolder(app));
    }
    // Checks run with background work, or when asked for explicitly (tests that open without background work).
    if (!checksApply(app) || opts.storageChecks === false || (!opts.background && !opts.storageChecks)) return;
    const o = opts.storageChecks ?? {};
    const report = (kind: CheckKind) => () => void runStorageCheck(app, kind).catch((err: unknown) => console.error(`[storage] the ${kind} integrity check could not run:`, err));
    s.timers.push(setTimeout(report('quick'), o.quickCheckDelayMs ?? 5_000));
    s.timers.push(setInterval(report('full'), o.fullCheckEveryMs ?? 86_400_000));
    for (const t of s.timers) t.unref();
  },
  async stop(app: AppServices): Promise<void> {
    const s = states.get(app);
    if (!s) return;
    s.closed = true;
    for (const t of s.timers) clearTimeout(t);
    await Promise.all([...s.workers].map((w) => w.terminate()));
  },
};
