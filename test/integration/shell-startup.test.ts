// The Electron shell has no Electron binary here: start the BUILT main bundle (out/main/index.js, from
// `npm run build`) under plain Node with a stand-in for the `electron` module (test/shell/electron-double.mjs),
// and check what it does with the real workspace, contract and handlers.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
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
    expect(seen.statusBefore).toEqual({ ok: true, result: { empty: true, readOnly: false, kind: 'file', dbFile: run.dbFile } });
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

  describe('Connect to a team hub', () => {
    const hubs: ChildProcess[] = [];
    afterEach(async () => {
      await Promise.all(hubs.splice(0).map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      })));
    });

    it('checks the token with the hub, keeps it sealed under a keychain-wrapped key, forwards the contract and relays the hub’s pushes, downloads an offline copy and opens it in a read-only window; disconnect goes back to the workspace', async () => {
      const dir = tempDir('chronicle-shell-hub-');
      const hubToken = 'personal-token-for-the-desktop-42';
      const child = spawn(process.execPath, ['main/bin/chronicle.mjs', 'serve', '--db', path.join(dir, 'hub.db'), '--demo', '--port', '0', '--token', hubToken], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      hubs.push(child);
      const hubUrl = new URL(await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`the hub exited with ${code}`)));
      })).origin;

      const run = bootShell({ DOUBLE_IS_PACKAGED: '1', DOUBLE_SAFE_STORAGE: '1', DOUBLE_HUB_URL: hubUrl, DOUBLE_HUB_TOKEN: hubToken });
      const { code, stderr, seen } = await run.result();
      expect(seen.errors).toEqual([]);
      const hub = seen.hub;
      expect(hub.before).toEqual({ ok: true, result: { hub: null } });
      expect(hub.refused).toEqual({ ok: false, error: { code: 'hub_token_refused', message: `The hub at ${hubUrl} did not accept the personal token: it may have been revoked or mistyped.` } });
      expect(hub.afterRefused).toEqual({ ok: true, result: { hub: null } }); // a refused token is not kept
      expect(hub.connected).toMatchObject({ ok: true, result: { hub: { url: hubUrl, reachable: true, user: { name: 'Ana Lima' }, account: { name: 'Acme Product' } } } });
      // The window now reads the hub: the hub's person, not the local workspace's.
      expect(hub.session).toMatchObject({ ok: true, result: { user: { name: 'Ana Lima' }, account: { name: 'Acme Product' } } });
      expect(hub.created).toMatchObject({ ok: true, result: { title: 'Made from the desktop' } });
      expect(hub.pushTopics).toContain('activity.created');
      expect(hub.connection.result.hub.url).toBe(hubUrl);
      expect(hub.offline).toMatchObject({ ok: true, result: { account: { name: 'Acme Product' } } });
      expect(hub.openedOffline).toEqual({ ok: true, result: { opened: true } });
      expect(hub.bundleWindowTitle).toMatch(/^Chronicle — review bundle \(read-only\): .+\.chronicle-bundle$/);
      expect(hub.bundleSession).toMatchObject({ ok: true, result: { readOnly: true, account: { name: 'Acme Product' } } });
      expect(hub.bundleWrite).toMatchObject({ ok: false, error: { code: 'read_only' } });

      // At rest: the token is sealed (never in clear), under a data key wrapped by the keychain; both files 0600.
      const files = hub.files as Record<string, { text: string; mode: number }>;
      expect(Object.keys(files).sort()).toEqual(['hub-connection.json', 'hub-token.key']);
      for (const f of Object.values(files)) {
        expect(f.text).not.toContain(hubToken);
        expect(f.mode).toBe(0o600);
      }
      expect(JSON.parse(files['hub-connection.json']!.text)).toMatchObject({ v: 1, url: hubUrl, token: expect.stringMatching(/^v1:/) });
      expect(JSON.parse(files['hub-token.key']!.text).wrap).toBe('electron-safeStorage');
      expect(hub.keychainWraps).toBeGreaterThan(0);

      expect(hub.disconnected).toEqual({ ok: true, result: { hub: null } });
      expect(hub.localAgain).toMatchObject({ ok: true, result: { user: { name: 'Shell Tester' } } });
      expect(hub.filesAfter).toEqual(['hub-token.key', 'offline']); // the offline copy stays for the next connection
      expect(code, stderr).toBe(0);
    });
  });
});
