// What a store failure means to a person. SQLite's and PostgreSQL's error codes are mapped here, once, to the
// contract's codes and a sentence; main/ never looks at a driver's error class.
import BetterSqlite3 from 'better-sqlite3';

export interface StorageFailure {
  code: 'conflict' | 'read_only' | 'storage_busy' | 'storage_unavailable';
  message: string;
}

/** A store error that is the caller's situation rather than a bug, or null. */
export function describeStorageError(err: unknown): StorageFailure | null {
  if (err instanceof BetterSqlite3.SqliteError) {
    if (err.code.startsWith('SQLITE_CONSTRAINT')) return { code: 'conflict', message: 'The change conflicts with existing data and was not saved.' };
    if (err.code === 'SQLITE_BUSY') return { code: 'storage_busy', message: 'The workspace is busy; try again in a moment.' };
    if (err.code === 'SQLITE_READONLY') return { code: 'read_only', message: 'This workspace is open read-only.' };
    return null;
  }
  const pgCode = (err as { code?: unknown })?.code;
  if (typeof pgCode === 'string' && /^[0-9A-Z]{5}$/.test(pgCode) && 'severity' in (err as object)) {
    if (pgCode.startsWith('23')) return { code: 'conflict', message: 'The change conflicts with existing data and was not saved.' };
    if (pgCode === '40001' || pgCode === '40P01' || pgCode === '55P03') {
      return { code: 'storage_busy', message: 'The hub is busy with a conflicting change; try again in a moment.' };
    }
    if (pgCode === '25006') return { code: 'read_only', message: 'The hub is read-only right now.' };
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
