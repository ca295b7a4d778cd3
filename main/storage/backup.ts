// Backups of a SQLite workspace, with its key files, and restoring one.
//
// A backup is a folder, made 0700, holding files made 0600:
//   <workspace file name>   the database, copied with SQLite's online backup API (db/backup.ts)
//   webhook-secrets.key     the data keys, as they are in the data folder (a key wrapped by the OS keychain
//   audit-signing.key       stays wrapped: restore it where that keychain is)
//   backup.json             what it is: format, time, source, schema version, key fingerprints
// Without its key files a restored workspace would have endpoint secrets and a signing key nobody can open;
// with them, webhooks keep signing and review bundles keep their signature.
//
// A PostgreSQL hub is not backed up here: that is pg_dump's job (its data keys are files in each process's data
// folder; keep a copy of that folder beside the dump).
import fs from 'node:fs';
import path from 'node:path';
import { backupSqliteFile } from '../../db/backup.ts';
import { checkSqliteFile } from '../../db/integrity.ts';
import { recordedFingerprints } from '../../db/keys.ts';
import { openStore, schemaVersion } from '../../db/open.ts';
import { activeProcesses } from '../../db/processes.ts';
import { isHubLocation, type Store } from '../../db/store.ts';
import { auditKeySpec } from '../audit/keys.ts';
import { openDataKey, type DataKeySpec } from '../crypto/key-guard.ts';
import { AppError } from '../errors.ts';
import { webhookKeySpec } from '../webhooks/secrets.ts';

export const BACKUP_FORMAT = 'chronicle.backup.v1';
export const MANIFEST_FILE = 'backup.json';
export const HUB_BACKUP_SENTENCE =
  'A PostgreSQL hub is backed up with pg_dump (and restored with pg_restore), not with Chronicle: keep a copy of the data folder that holds its key files beside the dump.';

const keySpecs: DataKeySpec[] = [webhookKeySpec, auditKeySpec];

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  /** The workspace file it was taken from. */
  source: string;
  database: string;
  bytes: number;
  schemaVersion: number;
  /** Key files in the backup, with the fingerprint of each. */
  keys: { file: string; fingerprint: string | null }[];
  /** The fingerprints the workspace recorded for its sealed rows (data_keys). */
  recordedFingerprints: Record<string, string>;
}

export interface BackupInfo extends BackupManifest {
  folder: string;
}

/** Key problems found while backing up (a backup without the right key cannot give secrets back). */
export interface BackupResult extends BackupInfo {
  warnings: string[];
}

const stamp = (t: Date) => t.toISOString().replace(/[:.]/g, '-');

export function refuseHub(location: string): void {
  if (isHubLocation(location)) throw new AppError('invalid_input', HUB_BACKUP_SENTENCE);
}

/** Back up an open workspace (its store) and the key files of `dataDir` into a new folder under `outDir`. */
export async function createBackup(store: Store, opts: { dataDir: string; outDir: string; onProgress?: (fraction: number) => void; now?: Date }): Promise<BackupResult> {
  refuseHub(store.location);
  if (store.dialect !== 'sqlite' || store.location === ':memory:') throw new AppError('invalid_input', 'Only a workspace file can be backed up.');
  const now = opts.now ?? new Date();
  const outDir = path.resolve(opts.outDir);
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const base = path.basename(store.location);
  let folder = path.join(outDir, `${path.parse(base).name}-backup-${stamp(now)}`);
  for (let i = 2; fs.existsSync(folder); i++) folder = path.join(outDir, `${path.parse(base).name}-backup-${stamp(now)}-${i}`);
  removePartialBackups(outDir);
  const partial = `${folder}.partial-${process.pid}`;
  fs.mkdirSync(partial, { mode: 0o700 });
  try {
    const warnings: string[] = [];
    const keys: BackupManifest['keys'] = [];
    for (const spec of keySpecs) {
      const status = await openDataKey(store, opts.dataDir, spec, { create: false, warn: (s) => warnings.push(s) });
      if (status.sentence) warnings.push(`${status.sentence} The backup holds no usable copy of it.`);
      const from = path.join(opts.dataDir, spec.fileName);
      if (status.state === 'ok' && fs.existsSync(from)) {
        const to = path.join(partial, spec.fileName);
        fs.copyFileSync(from, to);
        fs.chmodSync(to, 0o600);
        keys.push({ file: spec.fileName, fingerprint: status.found });
      }
    }
    const bytes = await backupSqliteFile(store, path.join(partial, base), opts.onProgress);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: now.toISOString(),
      source: path.resolve(store.location),
      database: base,
      bytes,
      schemaVersion: await schemaVersion(store),
      keys,
      recordedFingerprints: await recordedFingerprints(store),
    };
    fs.writeFileSync(path.join(partial, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(partial, folder); // a backup folder exists only once it is whole
    return { ...manifest, folder, warnings };
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

/** The manifest of a backup folder, or null when `folder` is not one. */
export function readBackup(folder: string): BackupInfo | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(folder, MANIFEST_FILE), 'utf8')) as BackupManifest;
    if (m.format !== BACKUP_FORMAT || typeof m.database !== 'string' || !fs.existsSync(path.join(folder, m.database))) return null;
    return { ...m, folder: path.resolve(folder) };
  } catch {
    return null;
  }
}

/** Backups in `outDir`, newest first (folders being written and other files are left out). */
export function listBackups(outDir: string): BackupInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(outDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !/\.partial-\d+$/.test(n))
    .map((n) => readBackup(path.join(outDir, n)))
    .filter((b): b is BackupInfo => b !== null)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.folder.localeCompare(a.folder));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove folders of backups that a process which is gone (killed, crashed) was writing: NAME-backup-TIME.partial-PID. */
export function removePartialBackups(outDir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(outDir);
  } catch {
    return removed; // no folder yet
  }
  for (const n of names) {
    const m = /-backup-.*\.partial-(\d+)$/.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(outDir, n), { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

export interface RestoreOptions {
  /** A backup folder (with its key files) or a single database file (a copy taken before a migration). */
  from: string;
  /** The workspace file to restore into. */
  to: string;
  /** Where the workspace's key files go. */
  dataDir: string;
  /** Replace a workspace that changed after the backup was taken, or has a newer schema. */
  force?: boolean;
  /** A process whose heartbeat is younger than this is running (default 10 s; runners beat every second). */
  aliveMs?: number;
  now?: number;
}

export interface RestoreResult {
  database: string;
  /** Where the workspace that was replaced was moved (null when there was none). */
  keptAside: string[];
  keys: string[];
  schemaVersion: number;
}

/** Files of a SQLite workspace (the database and its side files). */
const sideFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

/**
 * Restore a backup into `to`. Refused, with a sentence, when Chronicle is running on `to`, or (without `force`)
 * when `to` changed after the backup was taken or has a newer schema. What is replaced is moved aside, never
 * deleted: `FILE.before-restore-TIME` (and each key file the same way).
 */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  refuseHub(opts.to);
  const from = path.resolve(opts.from);
  const to = path.resolve(opts.to);
  const now = opts.now ?? Date.now();
  const backup = fs.statSync(from, { throwIfNoEntry: false })?.isDirectory() ? readBackup(from) : null;
  if (fs.statSync(from, { throwIfNoEntry: false })?.isDirectory() && !backup) throw new AppError('invalid_input', `${from} is not a Chronicle backup (it has no ${MANIFEST_FILE}).`);
  const sourceDb = backup ? path.join(backup.folder, backup.database) : from;
  if (!fs.existsSync(sourceDb)) throw new AppError('not_found', `There is no backup at ${from}.`);
  const check = checkSqliteFile(sourceDb, 'quick');
  if (!check.ok) throw new AppError('storage_corrupt', `The backup ${sourceDb} is damaged itself (${check.problems[0]}); pick another one.`);
  const takenAt = backup ? Date.parse(backup.createdAt) : fs.statSync(sourceDb).mtimeMs;
  const backupVersion = backup?.schemaVersion ?? (await versionOf(sourceDb));

  const keptAside: string[] = [];
  const aside = `before-restore-${stamp(new Date(now))}`;
  if (fs.existsSync(to) && fs.statSync(to).size > 0) {
    const current = await openStore(to, { migrate: false, check: false, readonly: true });
    let version: number;
    let running: { kind: string; hostname: string; pid: number }[];
    try {
      version = await schemaVersion(current);
      running = version >= 5 ? await activeProcesses(current, opts.aliveMs ?? 10_000, now) : [];
    } finally {
      await current.close();
    }
    if (running.length) {
      const who = running.map((p) => `${p.kind} (pid ${p.pid} on ${p.hostname})`).join(', ');
      throw new AppError('conflict', `Chronicle is running on ${to} (${who}): stop it before restoring, so nothing it writes is lost or mixed into the restored file. Nothing was changed.`);
    }
    const changedAt = Math.max(...sideFiles(to).map((f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0));
    if (!opts.force && version > backupVersion) {
      throw new AppError('conflict', `${to} has a newer schema (${version}) than the backup (${backupVersion}). Nothing was changed; add --force to replace it anyway (it is kept aside as ${path.basename(to)}.${aside}).`);
    }
    if (!opts.force && changedAt > takenAt) {
      throw new AppError('conflict', `${to} was changed at ${new Date(changedAt).toISOString()}, after the backup was taken (${new Date(takenAt).toISOString()}): restoring would lose those changes. Nothing was changed; add --force to replace it anyway (it is kept aside as ${path.basename(to)}.${aside}).`);
    }
    for (const f of sideFiles(to)) {
      if (!fs.existsSync(f)) continue;
      const dest = `${to}.${aside}${f.slice(to.length)}`;
      fs.renameSync(f, dest);
      keptAside.push(dest);
    }
  } else {
    for (const f of sideFiles(to)) fs.rmSync(f, { force: true }); // an empty file, or side files without one
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.restoring`;
  fs.copyFileSync(sourceDb, tmp);
  fs.chmodSync(tmp, 0o600);
  const fd = fs.openSync(tmp, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, to);

  const keys: string[] = [];
  if (backup) {
    fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    for (const k of backup.keys) {
      const dest = path.join(opts.dataDir, k.file);
      const incoming = fs.readFileSync(path.join(backup.folder, k.file));
      if (fs.existsSync(dest)) {
        if (fs.readFileSync(dest).equals(incoming)) {
          keys.push(dest);
          continue;
        }
        const keep = `${dest}.${aside}`;
        fs.renameSync(dest, keep);
        keptAside.push(keep);
      }
      fs.writeFileSync(dest, incoming, { mode: 0o600 });
      fs.chmodSync(dest, 0o600);
      keys.push(dest);
    }
  }
  return { database: to, keptAside, keys, schemaVersion: backupVersion };
}

async function versionOf(file: string): Promise<number> {
  const s = await openStore(file, { readonly: true, migrate: false, check: false });
  try {
    return await schemaVersion(s);
  } finally {
    await s.close();
  }
}
