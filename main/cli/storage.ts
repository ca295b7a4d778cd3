// `chronicle backup`, `chronicle restore`, `chronicle check`: a workspace file's copies and its integrity.
import fs from 'node:fs';
import path from 'node:path';
import { checkSqliteFile } from '../../db/integrity.ts';
import { openStore } from '../../db/open.ts';
import { isHubLocation } from '../../db/store.ts';
import { defaultDataDir } from '../data-dir.ts';
import { AppError } from '../errors.ts';
import { createBackup, HUB_BACKUP_SENTENCE, restoreBackup } from '../storage/backup.ts';
import { parseFlags, requireFlag } from './args.ts';

export const backupHelp = `chronicle backup --db FILE --out DIR [--data-dir DIR]
  Back up a workspace file while it stays in use (SQLite's online backup) together with its key files, into a new
  folder DIR/NAME-backup-TIME (mode 0700, files 0600). Without the key files a restored workspace could not open
  its webhook secrets or sign review bundles. A PostgreSQL hub is backed up with pg_dump instead.
  --db FILE        the workspace file
  --out DIR        folder that receives the backup folder
  --data-dir DIR   where its key files are (default: CHRONICLE_DATA_DIR, else the workspace file's folder)`;

export const restoreHelp = `chronicle restore --from BACKUP --db FILE [--data-dir DIR] [--force]
  Put a backup back as the workspace FILE, with its key files into the data folder. Refused while Chronicle runs
  on FILE; without --force also when FILE changed after the backup was taken or has a newer schema. What is
  replaced is kept aside as FILE.before-restore-TIME (key files the same way), never deleted.
  --from BACKUP    a folder made by \`chronicle backup\` (or Settings → Backups), or a copy taken before a migration
  --db FILE        the workspace file to restore into
  --data-dir DIR   where its key files go (default: CHRONICLE_DATA_DIR, else the workspace file's folder)
  --force          replace a workspace that changed after the backup`;

export const checkHelp = `chronicle check --db FILE [--quick]
  Run SQLite's integrity check on a workspace file (read-only; it may stay in use meanwhile). Exits 0 when the file
  is sound, 1 with SQLite's findings when it is damaged. On a hub use PostgreSQL's pg_amcheck.
  --db FILE   the workspace file
  --quick     quick_check only (every page's structure, not indexes against their tables)`;

const say = (text: string) => process.stdout.write(text + '\n');

function refuseHubFlag(location: string, what: string): void {
  if (isHubLocation(location)) throw new Error(what);
}

export async function backupCommand(argv: string[]) {
  const { values } = parseFlags(argv, { db: { type: 'string' }, out: { type: 'string' }, 'data-dir': { type: 'string' } });
  const location = requireFlag(values.db, '--db');
  refuseHubFlag(location, HUB_BACKUP_SENTENCE);
  const outDir = requireFlag(values.out, '--out');
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(location);
  // migrate: false: a backup takes the file as it is (an older schema is backed up at its own version).
  if (!fs.existsSync(location)) throw new Error(`There is no workspace file at ${path.resolve(location)}.`);
  const store = await openStore(location, { migrate: false, check: false });
  try {
    let shown = -1;
    const r = await createBackup(store, {
      dataDir, outDir,
      onProgress: (f) => {
        const pct = Math.floor(f * 10) * 10;
        if (pct > shown && process.stderr.isTTY) process.stderr.write(`\r${pct} %`);
        shown = pct;
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r');
    for (const w of r.warnings) process.stderr.write(`Warning: ${w}\n`);
    say(`Backed up ${store.location} (schema ${r.schemaVersion}, ${r.bytes} bytes) to ${r.folder}`);
    say(r.keys.length ? `Key files: ${r.keys.map((k) => `${k.file} (key fingerprint ${k.fingerprint})`).join(', ')}.` : 'Key files: none (nothing sealed yet).');
  } catch (err) {
    if (err instanceof AppError) throw new Error(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

export async function restoreCommand(argv: string[]) {
  const { values } = parseFlags(argv, { from: { type: 'string' }, db: { type: 'string' }, 'data-dir': { type: 'string' }, force: { type: 'boolean' } });
  const from = requireFlag(values.from, '--from');
  const to = requireFlag(values.db, '--db');
  refuseHubFlag(to, HUB_BACKUP_SENTENCE);
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(to);
  try {
    const r = await restoreBackup({ from, to, dataDir, force: values.force ?? false });
    say(`Restored ${r.database} (schema ${r.schemaVersion}) from ${path.resolve(from)}.`);
    if (r.keys.length) say(`Key files in place: ${r.keys.join(', ')}.`);
    if (r.keptAside.length) say(`Kept aside what it replaced: ${r.keptAside.join(', ')}.`);
  } catch (err) {
    if (err instanceof AppError) throw new Error(err.message);
    throw err;
  }
}

export async function checkCommand(argv: string[]) {
  const { values } = parseFlags(argv, { db: { type: 'string' }, quick: { type: 'boolean' } });
  const location = requireFlag(values.db, '--db');
  refuseHubFlag(location, 'chronicle check looks at a workspace file; a PostgreSQL hub is checked with its own tools (pg_amcheck).');
  const file = path.resolve(location);
  if (!fs.existsSync(file)) throw new Error(`There is no workspace file at ${file}.`);
  const r = checkSqliteFile(file, values.quick ? 'quick' : 'full', { limit: 100 });
  if (r.ok) {
    say(`${file}: sound (${r.kind === 'quick' ? 'quick_check' : 'integrity_check'}, ${r.durationMs} ms).`);
    return;
  }
  say(`${file} is damaged: ${r.kind === 'quick' ? 'quick_check' : 'integrity_check'} found ${r.problems.length}${r.problems.length >= 100 ? '+' : ''} problem(s):`);
  for (const p of r.problems) say(`  ${p}`);
  throw new Error(`${file} is damaged. Stop Chronicle on it and restore the last backup (chronicle restore --from BACKUP --db ${file}).`);
}
