// How `npm start` (and `npm run package`) gets a better-sqlite3 binary for Electron's ABI into .native/electron:
// keep a binary that already has the right ABI; else fetch the prebuilt one that better-sqlite3 publishes for
// this Electron (prebuild-install, a dependency of better-sqlite3), so no C++ toolchain is needed; compile
// from source only when that fails. Every binary is trusted only after the ABI written in it is read
// (native-abi.mjs): build tools can report success and still produce the wrong ABI.
//
// The decision is a plain function over injected steps, unit-tested in test/unit/electron-native.test.ts;
// prepare-electron.mjs supplies the real steps.

/**
 * @typedef {{ ok: boolean, file?: string, abi?: number | null, detail?: string }} StepResult
 * @typedef {{
 *   electronVersion: string,
 *   electronAbi: number,
 *   installedAbi: () => number | null,
 *   fetchPrebuilt: () => Promise<StepResult>,
 *   compile: () => Promise<StepResult>,
 *   install: (file: string) => void,
 *   log: (line: string) => void,
 * }} Steps
 * @typedef {{ outcome: 'ready' | 'fetched' | 'compiled' | 'failed', message: string }} Outcome
 */

/** Why a step's binary cannot be used, or null when it can. */
function unusable(step, electronAbi) {
  if (!step.ok) return step.detail ?? 'it failed';
  if (!step.file) return 'it produced no binary';
  if (step.abi !== electronAbi) {
    return step.abi === null || step.abi === undefined
      ? 'the binary it produced names no Node ABI'
      : `it produced a binary for ABI ${step.abi}, not Electron's ${electronAbi}`;
  }
  return null;
}

/** @param {Steps} s @returns {Promise<Outcome>} */
export async function prepareElectronNative(s) {
  const target = `Electron ${s.electronVersion} (ABI ${s.electronAbi})`;
  if (s.installedAbi() === s.electronAbi) return { outcome: 'ready', message: `better-sqlite3 for ${target} is ready.` };

  s.log(`Fetching the prebuilt better-sqlite3 for ${target} …`);
  const fetched = await s.fetchPrebuilt();
  const fetchProblem = unusable(fetched, s.electronAbi);
  if (!fetchProblem) {
    s.install(/** @type {string} */ (fetched.file));
    return { outcome: 'fetched', message: `Ready: the prebuilt better-sqlite3 for ${target}.` };
  }

  s.log(
    `The prebuilt binary could not be used: ${fetchProblem}.\n` +
      'Compiling better-sqlite3 from source instead (this needs a C++ toolchain and Python 3: Xcode Command Line Tools on macOS, ' +
      'Visual Studio Build Tools on Windows, build-essential on Linux) …',
  );
  const compiled = await s.compile();
  const compileProblem = unusable(compiled, s.electronAbi);
  if (!compileProblem) {
    s.install(/** @type {string} */ (compiled.file));
    return { outcome: 'compiled', message: `Ready: better-sqlite3 compiled for ${target}.` };
  }

  return {
    outcome: 'failed',
    message:
      `Could not get better-sqlite3 for ${target}.\n` +
      `  - The prebuilt binary: ${fetchProblem}. It is downloaded from better-sqlite3's GitHub releases; check the network or a proxy.\n` +
      `  - Compiling from source: ${compileProblem}. It needs Electron's headers (downloaded from electronjs.org) and a C++ toolchain (see above).\n` +
      'Check the network (or proxy) and the toolchain, then run `npm start` again.\n' +
      'The Node build in node_modules is untouched: `npm test` and `npm run serve` (the same console in a browser) still work.',
  };
}
