// The Electron binary cannot be downloaded here, so no installer is built in the tests: this checks what the
// electron-builder configuration promises, against electron-builder's own schema.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ELECTRON_NATIVE_BINARY } from '../../main/shell/native.ts';

const require = createRequire(import.meta.url);
const config = JSON.parse(fs.readFileSync('electron-builder.json', 'utf8'));
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));

describe('electron-builder configuration', () => {
  it('is valid for the installed electron-builder (its JSON schema)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The check is real: a misspelt fuse is refused.
    await expect(validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNodeX: false } }, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('builds Linux AppImage and deb, a macOS dmg and a Windows NSIS installer', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.appId).toBe('dev.chronicle.console');
    expect(config.productName).toBe('Chronicle');
  });

  it('sets the fuses: no RunAsNode, no NODE_OPTIONS or inspect arguments, asar integrity, only app.asar, encrypted cookies, no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs the app into asar with better-sqlite3 and its Electron binary unpacked, and never rebuilds node_modules in place', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/better-sqlite3/**/*', '.native/electron/*.node']));
    // The Electron build comes from .native/electron (prepare-electron.mjs); a rebuild would replace the Node build
    // that the tests, the CLI and the host load from node_modules.
    expect(config.npmRebuild).toBe(false);
    expect(config.files).toEqual(expect.arrayContaining(['out/**/*', 'package.json', '.native/electron/better_sqlite3.node', '!**/*.map']));
    // The binary the shell loads is the one packed, and it is unpacked (a .node file cannot load from asar).
    expect(config.files).toContain(ELECTRON_NATIVE_BINARY);
    expect(config.asarUnpack).toContain(path.posix.join(path.posix.dirname(ELECTRON_NATIVE_BINARY), '*.node'));
  });

  it('npm run package prepares the Electron binary, builds, then packages', () => {
    expect(pkg.scripts.package).toBe('node main/bin/prepare-electron.mjs && electron-vite build && electron-builder --config electron-builder.json --publish never');
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
    expect(pkg.main).toBe('out/main/index.js');
  });

  it.skipIf(!fs.existsSync('out/main/index.js'))('every package the built main process imports is a dependency (so it is packed) and not excluded', () => {
    const files = fs.readdirSync('out/main', { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
    const imported = new Set<string>();
    for (const f of files) {
      const text = fs.readFileSync(path.join('out/main', f), 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*["']([^"'./][^"']*)["']|import\(["']([^"'./][^"']*)["']\)/g)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('node:') || spec === 'electron') continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
    expect([...imported].sort()).toEqual(expect.arrayContaining(['better-sqlite3', 'ipaddr.js', 'kysely', 'undici', 'uuid', 'zod']));
    for (const name of imported) {
      expect(pkg.dependencies[name], `${name} is imported by out/main but is not in dependencies`).toBeDefined();
      expect(config.files.some((f: string) => f.startsWith('!node_modules/{') && f.includes(name)), `${name} is excluded from the package`).toBe(false);
    }
  });
});
