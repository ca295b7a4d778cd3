// The Electron shell has no Electron binary here: start the BUILT main bundle (out/main/index.js, from
// `npm run build`) under plain Node with a stand-in for the `electron` module (test/shell/electron-double.mjs),
// and check what it does with the real workspace, contract and handlers.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/workspace.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bundle = path.join(root, 'out/main/index.js');

function bootShell(env: Record<string, string>) {
  const dir = tempDir('chronicle-shell-');
  const dbFile = path.join(dir, 'workspace.db');
  const child = spawn(process.execPath, ['--import', './test/shell/register-electron-double.mjs', 'test/shell/boot-shell.mjs'], {
    cwd: root,
    env: { ...process.env, CHRONICLE_DB: dbFile, DOUBLE_USER_DATA: dir, DOUBLE_APP_PATH: dir, ELECTRON_RUN_AS_NODE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    dbFile,
    async result() {
      const code = await exited;
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (!line.startsWith('{')) throw new Error(`the shell printed no result (exit ${code}): ${stderr}`);
      return { code, stderr, seen: JSON.parse(line) };
    },
  };
}

describe.skipIf(!fs.existsSync(bundle))('the built Electron shell starts, serves its contract and quits', () => {
  it('packaged: opens the workspace, a locked-down window on app://, answers the trusted frame, refuses others, quits cleanly', async () => {
    // ELECTRON_RENDERER_URL must be ignored by a packaged build.
    const run = bootShell({ DOUBLE_IS_PACKAGED: '1', ELECTRON_RENDERER_URL: 'http://localhost:5173/' });
    const { code, stderr, seen } = await run.result();
    expect(seen.errors).toEqual([]);

    expect(seen.loaded).toEqual(['app://chronicle/index.html']);
    expect(seen.privilegedSchemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, bypassCSP: false }) }]);
    expect(seen.schemeRegisteredAfterReady).toBe(false);
    expect(seen.protocolSchemes).toEqual(['app']);
    expect(seen.windowOptions.webPreferences).toMatchObject({
      contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false,
      webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, disableBlinkFeatures: 'Auxclick',
    });
    expect(seen.windowOptions.webPreferences.preload).toBe(path.join(root, 'out/preload/index.cjs'));
    expect(seen.windowOpen).toEqual({ action: 'deny' });
    expect(seen.permissionRequest).toBe(false);
    expect(seen.permissionCheck).toBe(false);
    expect(seen.menuLabels).toContain('File');

    expect(seen.page).toMatchObject({ status: 200, hasRoot: true });
    expect(seen.page.csp).toContain("script-src 'self'; style-src 'self';");
    expect(seen.traversal).toBe(404);

    expect(seen.ipcChannels).toEqual(['chronicle:rpc']);
    expect(seen.statusBefore).toEqual({ ok: true, result: { empty: true, readOnly: false, dbFile: run.dbFile } });
    expect(seen.created.ok).toBe(true);
    expect(seen.session).toMatchObject({ ok: true, result: { user: { name: 'Shell Tester' } } });
    expect(seen.invalid).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    for (const refused of seen.untrusted) {
      expect(refused).toEqual({ ok: false, error: { code: 'forbidden', message: 'Calls are only accepted from Chronicle’s own window.' } });
    }

    // Quit: the process ended by itself with 0 after the workspace was closed (the last connection gone, the
    // WAL checkpointed into the file and removed), and what the contract wrote is in the file.
    expect(code, stderr).toBe(0);
    expect(fs.existsSync(`${run.dbFile}-wal`)).toBe(false);
    const db = new Database(run.dbFile, { readonly: true });
    expect(db.prepare('SELECT name FROM accounts').all()).toEqual([{ name: 'Shell Test Co' }]);
    db.close();
  });

  it('unpackaged: the dev server URL is honoured, and then only its origin is trusted', async () => {
    const run = bootShell({ DOUBLE_IS_PACKAGED: '0', ELECTRON_RENDERER_URL: 'http://localhost:5173' });
    const { code, seen } = await run.result();
    expect(seen.loaded).toEqual(['http://localhost:5173/']);
    expect(seen.statusBefore.ok).toBe(true);
    expect(seen.untrusted.every((r: { ok: boolean }) => !r.ok)).toBe(true);
    expect(code).toBe(0);
  });
});
