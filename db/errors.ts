// What a store failure means to a person. SQLite's and PostgreSQL's error codes are mapped here, once, to the
// contract's codes and a sentence; main/ never looks at a driver's error class.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export interface StorageFailure {
  code: 'conflict' | 'read_only' | 'storage_busy' | 'storage_unavailable' | 'storage_corrupt' | 'storage_full' | 'storage_read_only' | 'storage_io';
  message: string;
}

/** SQLite's primary result code names (extended codes such as SQLITE_IOERR_WRITE are reported under their primary). */
function primary(code: string): string {
  const m = /^SQLITE_[A-Z]+/.exec(code);
  return m ? m[0] : code;
}

const canWrite = (p: string) => {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why SQLite could not write: the folder (SQLite writes its -wal, -shm and journal files beside the database, so
 * a read-only folder refuses writes to a writable file) or the file itself. Named as what it is, never
 * "attempt to write a readonly database".
 */
function readOnlySentence(code: string, file: string | undefined): string {
  if (!file || file === ':memory:') return 'The workspace cannot be written to (its file or folder is read-only); nothing was saved.';
  const dir = path.dirname(path.resolve(file));
  if (code === 'SQLITE_READONLY_DIRECTORY' || !canWrite(dir)) {
    return `The folder ${dir} is read-only, so Chronicle cannot write the workspace ${path.basename(file)} in it; nothing was saved. Make the folder writable (or move the workspace to a writable folder) and try again.`;
  }
  return `The workspace file ${file} is read-only (or was opened read-only), so nothing was saved. Make it writable for this user and open it again.`;
}

/** A SQLite failure of the file or the disk under it, with a sentence that names the file; null for other codes. */
function describeSqliteFileError(err: InstanceType<typeof BetterSqlite3.SqliteError>, file: string | undefined): StorageFailure | null {
  const where = file && file !== ':memory:' ? file : 'the workspace file';
  switch (primary(err.code)) {
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return {
        code: 'storage_corrupt',
        message: `${where} is damaged (SQLite: ${err.message}). Chronicle stopped writing to it; restore the last backup (Settings → Backups, or \`chronicle restore\`).`,
      };
    case 'SQLITE_FULL':
      return { code: 'storage_full', message: `The disk holding ${where} is full (or the file reached its size limit); nothing was saved. Free some space and try again.` };
    case 'SQLITE_READONLY':
      return { code: 'storage_read_only', message: readOnlySentence(err.code, file) };
    case 'SQLITE_IOERR':
    case 'SQLITE_CANTOPEN':
      return {
        code: 'storage_io',
        message: `Reading or writing ${where} failed (${err.code}: ${err.message}); nothing was saved. Check the disk and its connection; if it goes on, restore the last backup.`,
      };
  }
  return null;
}

/**
 * A store error that is the caller's situation rather than a bug, or null. `location`: the workspace file (or the
 * hub's redacted URL), named in sentences about the file.
 */
export function describeStorageError(err: unknown, location?: string): StorageFailure | null {
  if (err instanceof BetterSqlite3.SqliteError) {
    if (err.code.startsWith('SQLITE_CONSTRAINT')) return { code: 'conflict', message: 'The change conflicts with existing data and was not saved.' };
    if (err.code === 'SQLITE_BUSY') return { code: 'storage_busy', message: 'The workspace is busy; try again in a moment.' };
    return describeSqliteFileError(err, location);
  }
  const pgCode = (err as { code?: unknown })?.code;
  if (typeof pgCode === 'string' && /^[0-9A-Z]{5}$/.test(pgCode) && 'severity' in (err as object)) {
    if (pgCode.startsWith('23')) return { code: 'conflict', message: 'The change conflicts with existing data and was not saved.' };
    if (pgCode === '40001' || pgCode === '40P01' || pgCode === '55P03') {
      return { code: 'storage_busy', message: 'The hub is busy with a conflicting change; try again in a moment.' };
    }
    if (pgCode === '25006') return { code: 'read_only', message: 'The hub is read-only right now.' };
    if (pgCode === '53100') return { code: 'storage_full', message: 'The hub’s database server is out of disk space; nothing was saved. Its administrator needs to free space.' };
    if (pgCode === 'XX001' || pgCode === 'XX002') {
      return { code: 'storage_corrupt', message: 'The hub’s database reports damaged data; nothing was saved. Its administrator should check it (pg_amcheck) and restore from a pg_dump backup.' };
    }
    if (pgCode === '58030') return { code: 'storage_io', message: 'The hub’s database server could not read or write its files; nothing was saved. Its administrator should check its disk.' };
    if (pgCode.startsWith('08') || pgCode.startsWith('57P')) return { code: 'storage_unavailable', message: 'The hub’s database is not reachable right now; nothing was saved.' };
    return null;
  }
  const sys = (err as { code?: unknown })?.code;
  if (sys === 'ECONNREFUSED' || sys === 'ECONNRESET' || sys === 'ETIMEDOUT' || sys === 'ENOTFOUND' || sys === 'EPIPE') {
    return { code: 'storage_unavailable', message: 'The hub’s database is not reachable right now; nothing was saved.' };
  }
  if (err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message)) {
    return { code: 'storage_unavailable', message: 'The hub’s database is not reachable right now; nothing was saved.' };
  }
  return null;
}

/** Why a connection to a PostgreSQL server failed, in a sentence. */
export function describeConnectError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e?.code) {
    case 'ECONNREFUSED': return 'nothing is listening there (connection refused). Is the server running, on that port?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'the host name does not resolve.';
    case 'ETIMEDOUT': return 'the server did not answer in time.';
    case '28P01':
    case '28000': return 'the server refused the user name or password.';
    case '3D000': return 'that database does not exist on the server (create it first: CREATE DATABASE …).';
    case '53300': return 'the server has no free connection slots.';
  }
  if (e?.message && /timeout/i.test(e.message)) return 'the server did not answer in time.';
  return e?.message ?? String(err);
}
