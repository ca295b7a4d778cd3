// Writers side by side on one store. Another process writing the same store (the dispatcher, another host) must
// make commands wait, never fail: on SQLite the writers queue behind busy_timeout, on PostgreSQL they run
// concurrently. And two apps moving cards of one board at the same moment (two windows on one file, two hub
// processes) must keep every column's positions contiguous: a command reads the column and writes it under its
// account's lock.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { prng } from '../../main/demo.ts';
import { caller, onPostgres, openTestApp, sqlCount, sqlRows } from '../support/workspace.ts';

let app: App;
beforeAll(async () => {
  app = await openTestApp({ events: 200 });
});
afterAll(async () => {
  await app.close();
});

/** Another process: short write transactions (20 job rows each) for about two seconds, through its own driver. */
function otherWriter(location: string) {
  const sqlite = `
    const D = require('better-sqlite3');
    const db = new D(${JSON.stringify(location)});
    db.pragma('busy_timeout = 5000');
    const acct = db.prepare('SELECT id FROM accounts LIMIT 1').get().id;
    const ins = db.prepare("INSERT INTO jobs (id, account_id, queue, kind, args, run_at, created_at) VALUES (?, ?, 'noise', 'noise', '{}', 0, 0)");
    const end = Date.now() + 2000; let n = 0;
    process.stdout.write('ready\\n');
    while (Date.now() < end) { db.transaction(() => { for (let i = 0; i < 20; i++) ins.run(require('crypto').randomUUID(), acct); })(); n++; }
    process.stdout.write('done ' + n + '\\n');
  `;
  const postgres = `
    const pg = require('pg');
    (async () => {
      const c = new pg.Client({ connectionString: ${JSON.stringify(location)} });
      await c.connect();
      const acct = (await c.query('SELECT id FROM accounts LIMIT 1')).rows[0].id;
      const end = Date.now() + 2000; let n = 0;
      process.stdout.write('ready\\n');
      while (Date.now() < end) {
        await c.query('BEGIN');
        for (let i = 0; i < 20; i++) {
          await c.query("INSERT INTO jobs (id, account_id, queue, kind, args, run_at, created_at) VALUES ($1, $2, 'noise', 'noise', '{}', 0, 0)", [require('crypto').randomUUID(), acct]);
        }
        await c.query('COMMIT');
        n++;
      }
      await c.end();
      process.stdout.write('done ' + n + '\\n');
    })().catch((err) => { process.stderr.write(String(err) + '\\n'); process.exit(1); });
  `;
  return spawn(process.execPath, ['-e', onPostgres ? postgres : sqlite], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('writers side by side', () => {
  it('commands succeed while another process keeps writing to the same store', async () => {
    const { call } = await caller(app);
    const board = await call('boards.get', { boardId: (await call('boards.list', {})).items.find((b) => !b.archived)!.id });
    const card = board.columns[0].cards[0] ?? board.columns[1].cards[0];
    const writer = otherWriter(app.connectTo);
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
    expect(await sqlCount(app, `SELECT count(*) AS n FROM jobs WHERE queue = 'noise'`)).toBeGreaterThan(0);
  });

  it('two processes moving cards of one board at once keep every column contiguous and record every move', async () => {
    const a = await caller(app);
    const boardId = (await a.call('boards.list', {})).items.find((x) => !x.archived)!.id;
    const board = await a.call('boards.get', { boardId });
    const columns = board.columns.map((c) => c.id);
    // 8 workers with 8 cards each, all in the same columns: the workers contend for the same positions. Even
    // workers run here, odd ones in another process on the same store; on a hub the workers of one process run
    // their commands side by side too.
    const workers = 8;
    const MOVES = 25;
    const cards: { id: string; column: string }[][] = [];
    for (let w = 0; w < workers; w++) {
      cards.push([]);
      for (let i = 0; i < 8; i++) {
        const c = await a.call('cards.create', { boardId, columnId: columns[i % columns.length], title: `Contended ${w}.${i}` });
        cards[w].push({ id: c.id, column: c.columnId });
      }
    }
    const movedBefore = await sqlCount(app, 'SELECT count(*) AS n FROM card_moved');
    /** Worker w's moves: its own random sequence, the same in either process. */
    const work = async (w: number, mine: { id: string; column: string }[], move: (cardId: string, to: string, position?: number) => Promise<unknown>) => {
      const rand = prng(100 + w);
      const failures: string[] = [];
      for (let i = 0; i < MOVES; i++) {
        const card = rand.pick(mine);
        const to = rand.pick(columns.filter((c) => c !== card.column));
        try {
          await move(card.id, to, rand.next() < 0.5 ? rand.int(6) : undefined);
          card.column = to;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      return failures;
    };
    const childWorkers = cards.map((mine, w) => ({ w, mine })).filter(({ w }) => w % 2 === 1);
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { createApp } = await import(${JSON.stringify(new URL('../../main/app.ts', import.meta.url).pathname)});
      const { invoke } = await import(${JSON.stringify(new URL('../../main/rpc.ts', import.meta.url).pathname)});
      const { prng } = await import(${JSON.stringify(new URL('../../main/demo.ts', import.meta.url).pathname)});
      const app = await createApp({ location: ${JSON.stringify(app.connectTo)}, dataDir: ${JSON.stringify(app.dataDir)}, background: false });
      const slot = { session: await app.defaultSession() };
      const columns = ${JSON.stringify(columns)};
      process.stdout.write('ready\\n');
      const mine = ${JSON.stringify(childWorkers)};
      const failures = [];
      // The same loop as work() in the test, over invoke(): worker w's own random sequence.
      await Promise.all(mine.map(async ({ w, mine }) => {
        const rand = prng(100 + w);
        for (let i = 0; i < ${MOVES}; i++) {
          const card = rand.pick(mine);
          const to = rand.pick(columns.filter((c) => c !== card.column));
          const r = await invoke(app, slot, 'cards.move', { cardId: card.id, toColumnId: to, position: rand.next() < 0.5 ? rand.int(6) : undefined });
          if (r.ok) card.column = to;
          else failures.push(r.error.code + ': ' + r.error.message);
        }
      }));
      await app.close();
      process.stdout.write(JSON.stringify({ failures, cards: mine.map((x) => x.mine) }) + '\\n');
    `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`the other process ended (${code}) before it was ready`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const here = await Promise.all(
      cards.map((mine, w) => (w % 2 === 0 ? work(w, mine, (cardId, toColumnId, position) => a.call('cards.move', { cardId, toColumnId, position })) : Promise.resolve([]))),
    );
    expect(await exited).toBe(0);
    const there = JSON.parse(out.slice(out.indexOf('ready') + 'ready'.length).trim()) as { failures: string[]; cards: { id: string; column: string }[][] };
    expect([...here.flat(), ...there.failures]).toEqual([]);
    childWorkers.forEach(({ w }, i) => (cards[w] = there.cards[i]));
    expect((await sqlCount(app, 'SELECT count(*) AS n FROM card_moved')) - movedBefore).toBe(workers * MOVES);
    for (const column of columns) {
      const positions = (await sqlRows<{ position: number }>(app, 'SELECT position FROM cards WHERE column_id = ? ORDER BY position', column)).map((r) => r.position);
      expect(positions, column).toEqual(positions.map((_, i) => i));
    }
    // Each card is where its worker last moved it.
    for (const mine of cards) {
      for (const card of mine) expect((await a.call('cards.get', { cardId: card.id })).columnId).toBe(card.column);
    }
  });
});
