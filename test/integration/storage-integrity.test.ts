// A damaged, full or read-only workspace file, for real: pages zeroed in a real SQLite file, a real size limit
// (max_page_count: SQLite's own SQLITE_FULL, as a full disk gives it), a real read-only folder (a process of
// another user, since tests run as root and root writes anywhere). Each is said with a code and a sentence, never
// "internal"; damage stops writes and points at the last backup.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../db/store-sqlite.ts';
import { createApp, type App } from '../../main/app.ts';
import { storageDamage } from '../../main/storage/health.ts';
import { chronicleBin, hasNoStack, repoRoot, runChronicle } from '../support/cli.ts';
import { caller, onSqlite, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';
import { waitFor } from './webhooks-support.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
const keep = <T extends { close(): Promise<unknown> }>(x: T) => (cleanups.push(() => x.close()), x);

/** Overwrite page `pageno` (1-based) of a closed SQLite file with zeros. */
function zeroPage(file: string, pageno: number): void {
  const c = new Database(file, { readonly: true });
  const size = c.pragma('page_size', { simple: true }) as number;
  c.close();
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(size), 0, size, (pageno - 1) * size);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A leaf page of table or index `name` (dbstat), from the middle of its pages. */
function leafPageOf(file: string, name: string): number {
  const c = new Database(file, { readonly: true });
  try {
    const pages = c.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno`).all(name) as { pageno: number }[];
    if (pages.length < 3) throw new Error(`${name} has only ${pages.length} leaf pages`);
    return pages[Math.floor(pages.length / 2)].pageno;
  } finally {
    c.close();
  }
}

async function errorOf(app: App, method: string, input: unknown) {
  const r = await (await caller(app)).raw(method, input);
  return r.ok ? { code: 'ok', message: '' } : r.error;
}

async function firstColumn(app: App) {
  const { call } = await caller(app);
  const board = (await call('boards.list', {})).items.find((b) => !b.archived)!;
  return { boardId: board.id, columnId: (await call('boards.get', { boardId: board.id })).columns[0].id };
}

/** A closed workspace file with `events` demo events (its WAL checkpointed into the file). */
async function closedWorkspace(events: number) {
  const app = await openTestApp({ events });
  const file = app.connectTo;
  const dataDir = app.dataDir;
  await app.close();
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
  return { file, dataDir };
}

describe.runIf(onSqlite)('SQLite integrity checks', () => {
  it('a sound file: the quick check soon after opening records ok; chronicle check says sound', async () => {
    const { file, dataDir } = await closedWorkspace(50);
    const app = keep(await createApp({ location: file, dataDir, background: false, storageChecks: { quickCheckDelayMs: 0 } }));
    const row = await waitFor(async () => (await sqlRows(app, `SELECT kind, ok, problems FROM storage_checks`))[0], 'the quick check');
    expect({ ...row, ok: Boolean(row.ok) }).toEqual({ kind: 'quick', ok: true, problems: '[]' });
    expect(storageDamage(app)).toBeNull();
    const r = await runChronicle(['check', '--db', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: sound \\(integrity_check, \\d+ ms\\)\\.\\n$`));
  });

  it('a zeroed index page: found by the quick check, writes stop with a sentence, chronicle check exits 1', async () => {
    const { file, dataDir } = await closedWorkspace(400);
    const c = new Database(file, { readonly: true });
    const index = (c.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities' AND sql IS NOT NULL ORDER BY name LIMIT 1`).get() as { name: string }).name;
    c.close();
    zeroPage(file, leafPageOf(file, index));

    const check = await runChronicle(['check', '--db', file]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`${file} is damaged: integrity_check found`);
    expect(check.stderr).toContain(`chronicle check: ${file} is damaged. Stop Chronicle on it and restore the last backup`);
    expect(hasNoStack(check.stderr)).toBe(true);
    expect((await runChronicle(['check', '--db', file, '--quick'])).code).toBe(1);

    const app = keep(await createApp({ location: file, dataDir, background: false, storageChecks: { quickCheckDelayMs: 0 } }));
    // The window is not held up: the workspace answers while the check runs in its worker.
    expect((await caller(app)).slot.session).not.toBeNull();
    const damage = await waitFor(() => storageDamage(app), 'the quick check to find the damage');
    expect(damage.sentence).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: SQLite's quick integrity check found`));
    expect(damage.sentence).toContain('Chronicle stopped writing to it.');
    expect(damage.sentence).toContain(`There is no backup in ${path.join(path.dirname(file), 'backups')}`);
    const row = await sqlRow(app, `SELECT ok, problems FROM storage_checks WHERE kind = 'quick'`);
    expect(Boolean(row.ok)).toBe(false);
    expect(JSON.parse(row.problems).length).toBeGreaterThan(0);

    const cards = await sqlCount(app, `SELECT count(*) AS n FROM cards`);
    const e = await errorOf(app, 'cards.create', { ...(await firstColumn(app)), title: 'On top of the damage' });
    expect(e).toEqual({ code: 'storage_corrupt', message: damage.sentence });
    expect(await sqlCount(app, `SELECT count(*) AS n FROM cards`)).toBe(cards);
    // Reading still works (to look, and to export what can be read).
    expect((await (await caller(app)).call('boards.list', {})).items.length).toBeGreaterThan(0);
  });

  it('a zeroed page of activities: the timeline answers storage_corrupt (not internal) and writes stop', async () => {
    const { file, dataDir } = await closedWorkspace(2500);
    zeroPage(file, leafPageOf(file, 'activities'));
    const app = keep(await createApp({ location: file, dataDir, background: false, storageChecks: false }));
    const { raw } = await caller(app);
    let cursor: string | undefined;
    let error: { code: string; message: string } | null = null;
    let items = 0;
    for (let i = 0; i < 100 && !error; i++) {
      const r = await raw('activity.list', { limit: 200, ...(cursor ? { cursor } : {}) });
      if (!r.ok) error = r.error;
      else {
        const p = r.result as { items: unknown[]; nextCursor?: string };
        items += p.items.length;
        if (!p.nextCursor) break;
        cursor = p.nextCursor;
      }
    }
    expect(error, `read ${items} items without an error`).not.toBeNull();
    expect(error!.code).toBe('storage_corrupt');
    expect(error!.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(SQLite: database disk image is malformed\\)\\. Chronicle stopped writing to it; restore the last backup`));
    expect(storageDamage(app)).not.toBeNull();
    const e = await errorOf(app, 'cards.create', { ...(await firstColumn(app)), title: 'After the damage' });
    expect(e.code).toBe('storage_corrupt');
  });
});

describe.runIf(onSqlite)('storage errors are named', () => {
  it('a full disk (SQLite’s own SQLITE_FULL at a page limit): storage_full with the file named, nothing saved', async () => {
    const app = keep(await openTestApp({ events: 20 }));
    const store = app.store as SqliteStore;
    const pages = store.pragma('page_count') as number;
    store.pragma(`max_page_count = ${pages}`);
    const where = await firstColumn(app);
    const { raw } = await caller(app);
    let error: { code: string; message: string } | null = null;
    let saved = 0;
    for (let i = 0; i < 500 && !error; i++) {
      const before = await sqlCount(app, `SELECT count(*) AS n FROM cards`);
      const r = await raw('cards.create', { ...where, title: `Filling ${i}`, description: 'x'.repeat(4000) });
      if (r.ok) saved++;
      else {
        error = r.error;
        expect(await sqlCount(app, `SELECT count(*) AS n FROM cards`)).toBe(before);
      }
    }
    expect(error, `${saved} cards saved without reaching the limit`).not.toBeNull();
    expect(error).toEqual({
      code: 'storage_full',
      message: `The disk holding ${app.location} is full (or the file reached its size limit); nothing was saved. Free some space and try again.`,
    });
    expect(storageDamage(app)).toBeNull(); // full is not damaged: writes work again once there is room
    store.pragma('max_page_count = 4294967294');
    expect((await raw('cards.create', { ...where, title: 'Room again' })).ok).toBe(true);
  });

  it('a read-only folder is named as the folder, by a process that cannot write there', async () => {
    const { file } = await closedWorkspace(10);
    const dir = path.dirname(file);
    // Root may write anywhere (CAP_DAC_OVERRIDE): under root the command runs without that capability (setpriv,
    // util-linux), so a 0555 folder refuses it as it would anyone. (Not as another user: the repository of a
    // clean clone in a private temporary folder is not readable by them.)
    fs.chmodSync(dir, 0o555);
    try {
      const argv = [chronicleBin, 'migrate', '--db', file];
      const asRoot = process.getuid?.() === 0;
      const r = asRoot
        ? spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-dac_override,-dac_read_search', process.execPath, ...argv], { cwd: repoRoot, encoding: 'utf8' })
        : spawnSync(process.execPath, argv, { cwd: repoRoot, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toBe(`chronicle migrate: Cannot open ${file}: The folder ${dir} is read-only, so Chronicle cannot write the workspace ${path.basename(file)} in it; nothing was saved. Make the folder writable (or move the workspace to a writable folder) and try again.\n`);
      expect(r.stderr).not.toMatch(/readonly database/);
    } finally {
      fs.chmodSync(dir, 0o700);
    }
  });
});
