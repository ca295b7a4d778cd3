import fs from 'node:fs';
import path from 'node:path';

/** Where the Electron build of better-sqlite3 lives, relative to the app (packed, unpacked from asar). */
export const ELECTRON_NATIVE_BINARY = '.native/electron/better_sqlite3.node';

/**
 * better-sqlite3 is a native module with one binary per ABI. node_modules keeps the Node build (tests, CLI,
 * host); `npm start` and `npm run package` prepare an Electron build under .native/electron
 * (main/bin/prepare-electron.mjs), and the app loads that one. So neither `npm test` nor `npm start` has to
 * rebuild what the other needs. The packaged app carries it (electron-builder.json).
 */
export function electronNativeBinding(appPath: string): string | undefined {
  const candidate = path.join(appPath, ELECTRON_NATIVE_BINARY);
  return fs.existsSync(candidate) ? candidate : undefined;
}
