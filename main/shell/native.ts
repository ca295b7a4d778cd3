import fs from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3 is a native module with one binary per ABI. node_modules keeps the Node build (tests, CLI,
 * host); `npm start` prepares an Electron build under .native/electron (main/bin/prepare-electron.mjs), and
 * the app loads that one. So neither `npm test` nor `npm start` has to rebuild what the other needs.
 */
export function electronNativeBinding(appPath: string): string | undefined {
  const candidate = path.join(appPath, '.native', 'electron', 'better_sqlite3.node');
  return fs.existsSync(candidate) ? candidate : undefined;
}
