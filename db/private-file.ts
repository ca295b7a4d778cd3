// Files that hold a workspace (the database and its -wal/-shm) or its keys are for their owner only: mode 0600.
import fs from 'node:fs';

const posix = process.platform !== 'win32'; // Windows has no mode bits; its ACLs follow the user's profile folder

/**
 * Create `file` empty with mode 0600 if it does not exist yet, so that SQLite opens an existing file instead of
 * creating one with the process umask (0644 by default). SQLite gives the -wal and -shm files the mode of the
 * database file, so they are 0600 too. An empty file is a valid empty SQLite database.
 */
export function createPrivateFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch {
    return; // it exists, or the folder refuses it: SQLite's own open then says why, as before
  }
  fs.closeSync(fd);
  if (posix) fs.chmodSync(file, 0o600); // whatever the umask
}

export class LooseFileError extends Error {
  readonly code = 'file_not_private';
}

/**
 * Make an existing secret file private. A file readable or writable by others (e.g. 0644 after a copy) is
 * tightened to 0600 and the sentence returned for the log; one that cannot be tightened (owned by another
 * user, or chmod refused) is refused with LooseFileError, since its secret may already be someone else's.
 */
export function tightenPrivateFile(file: string, what: string): string | null {
  if (!posix) return null;
  const st = fs.statSync(file);
  const loose = st.mode & 0o077;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new LooseFileError(
      `${what} (${file}) belongs to another user (uid ${st.uid}), so Chronicle will not use it. Move it back to your own account (chown) with mode 0600.`,
    );
  }
  if (!loose) return null;
  const was = (st.mode & 0o777).toString(8).padStart(4, '0');
  try {
    fs.chmodSync(file, 0o600);
  } catch (err) {
    throw new LooseFileError(
      `${what} (${file}) has mode ${was}, so other users of this machine can read it, and it could not be made private (${(err as NodeJS.ErrnoException).code}). Run \`chmod 600 ${file}\`.`,
    );
  }
  return `${what} (${file}) had mode ${was}, readable by other users of this machine; it is now 0600.`;
}
