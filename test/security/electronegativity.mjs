#!/usr/bin/env node
// Electron's security checklist, checked by @doyensec/electronegativity on the shell's sources (main/,
// preload/, renderer/). Every finding must be in electronegativity-reviewed.json with a one-line reason (an entry
// covers one occurrence of its check in its file, or `count` of them);
// anything new fails (exit 1), and so does a reviewed entry that is no longer reported (keep the list true).
//   node test/security/electronegativity.mjs
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));

// electronegativity parses TypeScript with typescript-estree 4, which needs TypeScript 4's JS API. npm hoists
// the project's TypeScript 7 (the native compiler, without that API) above it, so point electronegativity's
// `typescript` requests at the TypeScript 4.2 it ships with.
const scannerDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
const ts4 = path.join(scannerDir, 'node_modules/typescript');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  return resolveFilename.call(this, request === 'typescript' ? ts4 : request, parent, ...rest);
};
const run = require('@doyensec/electronegativity');

// Scan a copy of the sources (the scanner walks every file under its input, node_modules included).
const input = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-electronegativity-'));
for (const dir of ['main', 'preload', 'renderer']) fs.cpSync(path.join(root, dir), path.join(input, dir), { recursive: true });
fs.copyFileSync(path.join(root, 'package.json'), path.join(input, 'package.json'));
const electronVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version;

const log = console.log;
console.log = () => {}; // the scanner's notices about fetching translations and release lists (no network here)
let result;
try {
  result = await run({ input, isRelative: true, electronVersionOverride: electronVersion, severitySet: undefined, confidenceSet: undefined });
} finally {
  console.log = log;
  fs.rmSync(input, { recursive: true, force: true });
}

const reviewed = JSON.parse(fs.readFileSync(path.join(root, 'test/security/electronegativity-reviewed.json'), 'utf8'));
const keyOf = (f) => `${f.check} ${f.file}`;
const reviewedKeys = new Map(reviewed.map((r) => [keyOf(r), r]));
const found = result.issues.map((i) => ({ check: i.id, file: i.file.split(path.sep).join('/'), at: `${i.location.line}:${i.location.column}`, description: i.description, severity: i.severity.name }));
// A reviewed entry covers `count` occurrences (default 1) of its check in its file: a second one is new.
const seen = new Map();
const fresh = found.filter((f) => {
  const n = (seen.get(keyOf(f)) ?? 0) + 1;
  seen.set(keyOf(f), n);
  return !reviewedKeys.has(keyOf(f)) || n > (reviewedKeys.get(keyOf(f)).count ?? 1);
});
const stale = reviewed.filter((r) => !found.some((f) => keyOf(f) === keyOf(r)));
const unparsed = result.errors.filter((e) => !e.tolerable);

console.log(`electronegativity ${require('@doyensec/electronegativity/package.json').version} (Electron ${electronVersion}): ${result.atomicChecks + result.globalChecks} checks, ${found.length} findings, ${found.length - fresh.length} reviewed.`);
for (const f of found.filter((x) => !fresh.includes(x))) console.log(`  reviewed  ${f.check}  ${f.file}:${f.at}  — ${reviewedKeys.get(keyOf(f)).reason}`);
let failed = false;
for (const f of fresh) {
  failed = true;
  console.error(`  NEW       ${f.check} (${f.severity})  ${f.file}:${f.at}  ${f.description}`);
}
for (const r of stale) {
  failed = true;
  console.error(`  STALE     ${r.check}  ${r.file}: reviewed but no longer reported; remove it from test/security/electronegativity-reviewed.json`);
}
for (const e of unparsed) {
  failed = true;
  console.error(`  UNPARSED  ${e.file}: ${e.message}`);
}
if (failed) {
  console.error('electronegativity: fix the new findings, or review each (add it with a one-line reason to test/security/electronegativity-reviewed.json).');
  process.exit(1);
}
console.log('electronegativity: no new findings.');
