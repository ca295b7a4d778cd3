#!/usr/bin/env node
// Before `npm start`: make sure a better-sqlite3 binary built for Electron's ABI exists under .native/electron.
// node_modules keeps the Node build (tests, CLI, host); the app loads the Electron one through
// `nativeBinding` (main/shell/native.ts). Neither command rebuilds what the other needs, in either order.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { abiOfBinary } from './native-abi.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const electronPkg = path.join(root, 'node_modules/electron');
const electronVersion = JSON.parse(fs.readFileSync(path.join(electronPkg, 'package.json'), 'utf8')).version;
const electronAbi = Number(fs.readFileSync(path.join(electronPkg, 'abi_version'), 'utf8').trim());
const target = path.join(root, '.native/electron/better_sqlite3.node');

if (fs.existsSync(target) && abiOfBinary(target) === electronAbi) process.exit(0);

console.log(`Building better-sqlite3 for Electron ${electronVersion} (ABI ${electronAbi}) into .native/electron …`);
const work = path.join(root, '.native/build/better-sqlite3');
fs.rmSync(work, { recursive: true, force: true });
fs.cpSync(path.join(root, 'node_modules/better-sqlite3'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) });
const nodeGyp =
  process.env.npm_config_node_gyp ??
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
const build = spawnSync(
  process.execPath,
  [nodeGyp, 'rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'],
  { cwd: work, stdio: 'inherit' },
);
const built = path.join(work, 'build/Release/better_sqlite3.node');
const abi = fs.existsSync(built) ? abiOfBinary(built) : null;
if (build.status !== 0 || abi !== electronAbi) {
  console.error(
    `\nCould not build better-sqlite3 for Electron ${electronVersion}: ` +
      (abi !== null && abi !== electronAbi ? `the build produced ABI ${abi}, not ${electronAbi} (Electron's headers were probably not reachable).` : 'the build failed (see above).') +
      '\nThe Node build in node_modules is untouched: `npm test` and `npm run serve` (the same console in a browser) still work.',
  );
  process.exit(1);
}
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(built, target);
console.log(`Ready: ${path.relative(root, target)} (ABI ${abi}).`);
