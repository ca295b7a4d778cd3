// Workspace files and key files are for their owner only (POSIX modes; Windows has none).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../db/open.ts';
import { rawRun } from '../../db/sql.ts';
import { loadDataKey } from '../../main/crypto/at-rest.ts';
import { SIGNING_KEY_FILE } from '../../main/audit/keys.ts';
import { KEY_FILE, loadSecretKey } from '../../main/webhooks/secrets.ts';
import { tempDir } from '../support/workspace.ts';

const mode = (file: string) => fs.statSync(file).mode & 0o777;
let umask: number;
beforeEach(() => {
  umask = process.umask(0o022); // the usual default, which makes new files 0644
});
afterEach(() => {
  process.umask(umask);
});

describe.skipIf(process.platform === 'win32')('file modes', () => {
  it('a new workspace file and its -wal and -shm are created 0600', async () => {
    const file = path.join(tempDir(), 'workspace.db');
    const db = await openStore(file);
    await rawRun(db, 'CREATE TABLE t (x)');
    await rawRun(db, 'INSERT INTO t VALUES (1)');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      expect(fs.existsSync(f), f).toBe(true);
      expect(mode(f).toString(8), f).toBe('600');
    }
    await db.close();
  });

  it('key files are created 0600, even under a permissive umask', () => {
    process.umask(0);
    const dir = tempDir();
    loadSecretKey(dir);
    loadDataKey(dir, SIGNING_KEY_FILE, { create: true });
    expect(mode(path.join(dir, KEY_FILE)).toString(8)).toBe('600');
    expect(mode(path.join(dir, SIGNING_KEY_FILE)).toString(8)).toBe('600');
  });

  it('an existing key file readable by others is tightened to 0600, with a sentence, and still loads', () => {
    const dir = tempDir();
    const key = loadSecretKey(dir);
    const file = path.join(dir, KEY_FILE);
    fs.chmodSync(file, 0o644);
    const said: string[] = [];
    const again = loadDataKey(dir, KEY_FILE, { create: true, warn: (s) => said.push(s) });
    expect(again.equals(key)).toBe(true);
    expect(mode(file).toString(8)).toBe('600');
    expect(said).toEqual([`The key file (${file}) had mode 0644, readable by other users of this machine; it is now 0600.`]);
    // Already private: nothing to say.
    loadDataKey(dir, KEY_FILE, { create: true, warn: (s) => said.push(s) });
    expect(said).toHaveLength(1);
  });

  it.skipIf(process.getuid?.() !== 0)('a key file owned by another user is refused with a sentence, not used', () => {
    const dir = tempDir();
    loadDataKey(dir, SIGNING_KEY_FILE, { create: true });
    const file = path.join(dir, SIGNING_KEY_FILE);
    fs.chownSync(file, 12345, 12345);
    expect(() => loadDataKey(dir, SIGNING_KEY_FILE, { create: true })).toThrow(
      `The key file (${file}) belongs to another user (uid 12345), so Chronicle will not use it. Move it back to your own account (chown) with mode 0600.`,
    );
  });
});
