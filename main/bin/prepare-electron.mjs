#!/usr/bin/env node
// Before `npm start` and `npm run package`: make sure a better-sqlite3 binary built for Electron's ABI exists
// under .native/electron. node_modules keeps the Node build (tests, CLI, host); the app loads the Electron one
// through `nativeBinding` (main/shell/native.ts). Neither command rebuilds what the other needs, in either order.
// The order of attempts (prebuilt first, compile as a fallback) is in electron-native.mjs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { abiOfBinary } from './native-abi.mjs';
import { prepareElectronNative } from './electron-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const electronPkg = path.join(root, 'node_modules/electron');
const electronVersion = JSON.parse(fs.readFileSync(path.join(electronPkg, 'package.json'), 'utf8')).version;
const electronAbi = Number(fs.readFileSync(path.join(electronPkg, 'abi_version'), 'utf8').trim());
const target = path.join(root, '.native/electron/better_sqlite3.node');
const sqlitePkg = path.join(root, 'node_modules/better-sqlite3');

/** A fresh copy of the better-sqlite3 package (without its Node build) to fetch or build into. */
function workCopy(name) {
  const work = path.join(root, '.native/build', name);
  fs.rmSync(work, { recursive: true, force: true });
  fs.cpSync(sqlitePkg, work, { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) && !src.endsWith(`${path.sep}build`) });
  return work;
}

const built = (work) => {
  const file = path.join(work, 'build/Release/better_sqlite3.node');
  return fs.existsSync(file) ? { file, abi: abiOfBinary(file) } : { file: undefined, abi: null };
};

const outcome = await prepareElectronNative({
  electronVersion,
  electronAbi,
  installedAbi: () => (fs.existsSync(target) ? abiOfBinary(target) : null),
  async fetchPrebuilt() {
    const work = workCopy('prebuilt');
    // prebuild-install is a dependency of better-sqlite3: resolve it from there.
    const bin = createRequire(path.join(sqlitePkg, 'package.json')).resolve('prebuild-install/bin.js');
    const r = spawnSync(process.execPath, [bin, '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform, '--verbose'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const said = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => /err|warn|fail|not found|ENOTFOUND|ECONN|timed? ?out/i.test(l)).slice(-2).join(' ');
    if (r.error || r.status !== 0) return { ok: false, detail: `prebuild-install ${r.error ? r.error.message : `exited ${r.status}`}${said ? ` (${said.replace(/^prebuild-install /, '')})` : ''}` };
    return { ok: true, ...built(work) };
  },
  async compile() {
    const work = workCopy('better-sqlite3');
    const nodeGyp =
      process.env.npm_config_node_gyp ??
      path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
    const r = spawnSync(
      process.execPath,
      [nodeGyp, 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'],
      { cwd: work, stdio: 'inherit' },
    );
    if (r.error || r.status !== 0) {
      const b = built(work);
      return b.file ? { ok: true, ...b } : { ok: false, detail: `node-gyp ${r.error ? r.error.message : `exited ${r.status}`} (see its output above)` };
    }
    return { ok: true, ...built(work) };
  },
  install(file) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  },
  log: (line) => console.log(line),
});

if (outcome.outcome === 'failed') {
  console.error(`\n${outcome.message}`);
  process.exit(1);
}
console.log(outcome.outcome === 'ready' ? outcome.message : `${outcome.message} (${path.relative(root, target)})`);
