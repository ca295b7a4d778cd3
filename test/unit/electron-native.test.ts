// The order in which `npm start` gets better-sqlite3 for Electron: keep, fetch the prebuilt, compile as a
// fallback, trust only the ABI read from the binary. The steps are stand-ins for the network and the compiler.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { prepareElectronNative } from '../../main/bin/electron-native.mjs';

type Step = { ok: boolean; file?: string; abi?: number | null; detail?: string };

function run(opts: { installed?: number | null; fetch?: Step; compile?: Step }) {
  const calls: string[] = [];
  const lines: string[] = [];
  const installed: string[] = [];
  return prepareElectronNative({
    electronVersion: '45.5.0',
    electronAbi: 140,
    installedAbi: () => opts.installed ?? null,
    fetchPrebuilt: async () => (calls.push('fetch'), opts.fetch ?? { ok: false, detail: 'not asked' }),
    compile: async () => (calls.push('compile'), opts.compile ?? { ok: false, detail: 'not asked' }),
    install: (file: string) => installed.push(file),
    log: (l: string) => lines.push(l),
  }).then((outcome: { outcome: string; message: string }) => ({ ...outcome, calls, lines, installed }));
}

describe('getting better-sqlite3 for Electron', () => {
  it('keeps a binary that already has Electron’s ABI, without fetching or compiling', async () => {
    const r = await run({ installed: 140 });
    expect(r).toMatchObject({ outcome: 'ready', calls: [], installed: [] });
  });

  it('fetches the prebuilt binary first, and does not compile when it has the right ABI', async () => {
    const r = await run({ installed: 115, fetch: { ok: true, file: '/w/prebuilt.node', abi: 140 } });
    expect(r).toMatchObject({ outcome: 'fetched', calls: ['fetch'], installed: ['/w/prebuilt.node'] });
    expect(r.lines[0]).toBe('Fetching the prebuilt better-sqlite3 for Electron 45.5.0 (ABI 140) …');
  });

  it('compiles only when the download fails, and says why and what compiling needs', async () => {
    const r = await run({ fetch: { ok: false, detail: 'prebuild-install exited 1 (getaddrinfo ENOTFOUND github.com)' }, compile: { ok: true, file: '/w/built.node', abi: 140 } });
    expect(r).toMatchObject({ outcome: 'compiled', calls: ['fetch', 'compile'], installed: ['/w/built.node'] });
    expect(r.lines[1]).toMatch(/^The prebuilt binary could not be used: prebuild-install exited 1 \(getaddrinfo ENOTFOUND github\.com\)\.\nCompiling better-sqlite3 from source instead \(this needs a C\+\+ toolchain and Python 3: Xcode Command Line Tools on macOS, Visual Studio Build Tools on Windows, build-essential on Linux\)/);
  });

  it('trusts the ABI in the binary, not the tool’s exit code: a "successful" fetch or build of the wrong ABI is not installed', async () => {
    const r = await run({ fetch: { ok: true, file: '/w/prebuilt.node', abi: 115 }, compile: { ok: true, file: '/w/built.node', abi: 115 } });
    expect(r.outcome).toBe('failed');
    expect(r.installed).toEqual([]);
    expect(r.message).toContain("The prebuilt binary: it produced a binary for ABI 115, not Electron's 140.");
    expect(r.message).toContain("Compiling from source: it produced a binary for ABI 115, not Electron's 140.");
  });

  it('when both fail, says what failed, what to do, and that the Node build is untouched', async () => {
    const r = await run({ fetch: { ok: false, detail: 'prebuild-install exited 1' }, compile: { ok: false, detail: 'node-gyp exited 1 (see its output above)' } });
    expect(r.outcome).toBe('failed');
    expect(r.message).toBe(
      'Could not get better-sqlite3 for Electron 45.5.0 (ABI 140).\n' +
        "  - The prebuilt binary: prebuild-install exited 1. It is downloaded from better-sqlite3's GitHub releases; check the network or a proxy.\n" +
        "  - Compiling from source: node-gyp exited 1 (see its output above). It needs Electron's headers (downloaded from electronjs.org) and a C++ toolchain (see above).\n" +
        'Check the network (or proxy) and the toolchain, then run `npm start` again.\n' +
        'The Node build in node_modules is untouched: `npm test` and `npm run serve` (the same console in a browser) still work.',
    );
  });

  it('a wrong-ABI binary already in place is replaced, not kept', async () => {
    const r = await run({ installed: 115, fetch: { ok: true, file: '/w/p.node', abi: 140 } });
    expect(r.outcome).toBe('fetched');
  });
});
