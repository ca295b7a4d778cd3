// Two connections writing the same file (the UI's and another process's, as with the webhook dispatcher)
// must queue behind busy_timeout, never fail with SQLITE_BUSY.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { caller, openTestApp } from '../support/workspace.ts';

let app: App;
beforeAll(async () => {
  app = await openTestApp({ events: 200 });
});
afterAll(async () => {
  await app.close();
});

it('commands succeed while another process keeps writing to the same file', async () => {
  const { call } = caller(app);
  const board = await call('boards.get', { boardId: (await call('boards.list', {})).items.find((b) => !b.archived)!.id });
  const card = board.columns[0].cards[0] ?? board.columns[1].cards[0];
  // Another process: short write transactions for about two seconds.
  const writer = spawn(process.execPath, ['-e', `
    const D = require('better-sqlite3');
    const db = new D(${JSON.stringify(app.dbFile)});
    db.pragma('busy_timeout = 5000');
    const acct = db.prepare('SELECT id FROM accounts LIMIT 1').get().id;
    const ins = db.prepare("INSERT INTO jobs (id, account_id, queue, kind, args, run_at, created_at) VALUES (?, ?, 'noise', 'noise', '{}', 0, 0)");
    const end = Date.now() + 2000; let n = 0;
    process.stdout.write('ready\\n');
    while (Date.now() < end) { db.transaction(() => { for (let i = 0; i < 20; i++) ins.run(require('crypto').randomUUID(), acct); })(); n++; }
    process.stdout.write('done ' + n + '\\n');
  `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  writer.stdout.on('data', (d) => (out += d));
  await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));

  const columns = board.columns.map((c) => c.id);
  const failures: string[] = [];
  let moves = 0;
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    const current = await call('cards.get', { cardId: card.id });
    const to = columns.find((c) => c !== current.columnId)!;
    try {
      await call('cards.move', { cardId: card.id, toColumnId: to });
      moves++;
    } catch (err) {
      failures.push((err as Error).message);
    }
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((resolve) => writer.once('exit', resolve));
  expect(out).toMatch(/done \d+/);
  expect(failures).toEqual([]);
  expect(moves).toBeGreaterThan(0);
});
