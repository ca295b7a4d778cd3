// A reorder within a column records no event, yet every open window must see it: `board.changed` is pushed after
// the commit to this process's windows and, inside the command's transaction, to other processes on the store.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { caller, openTestApp, sqlCount } from '../support/workspace.ts';
import { waitFor } from './webhooks-support.ts';

let app: App;
let other: ChildProcess;
/** What the other process's windows were told. */
const there: { accountId: string; topic: string; payload: unknown }[] = [];
beforeAll(async () => {
  app = await openTestApp({ events: 120 });
  // Another process on the same store: its own app and push relay, as a second `chronicle serve` has.
  other = spawn(process.execPath, ['--import', 'tsx', 'test/integration/fixtures/push-listener.ts', app.connectTo, app.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  other.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: other.stdout! }).on('line', (line) => {
      if (line === 'ready') return resolve();
      const m = JSON.parse(line);
      if (m.topic === 'board.changed') there.push(m);
    });
    other.once('exit', (code) => reject(new Error(`the listener exited with ${code}: ${err}`)));
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    if (other.exitCode !== null) return resolve();
    other.once('exit', () => resolve());
    other.kill('SIGTERM');
  });
  await app.close();
});

describe('board.changed', () => {
  it('a reorder within a column reaches this process and another one sharing the store, with no event', async () => {
    const { call } = await caller(app);
    const boards = (await call('boards.list', {})).items.filter((b) => !b.archived);
    let board = await call('boards.get', { boardId: boards[0].id });
    for (const b of boards) {
      board = await call('boards.get', { boardId: b.id });
      if (board.columns.some((c) => c.cards.length >= 2)) break;
    }
    const column = board.columns.find((c) => c.cards.length >= 2)!;
    const card = column.cards[0];
    const here: unknown[] = [];
    const offHere = app.push.subscribe((_a, topic, payload) => topic === 'board.changed' && void here.push(payload));
    const events = await sqlCount(app, 'SELECT count(*) AS n FROM activities');
    try {
      const moved = await call('cards.move', { cardId: card.id, toColumnId: column.id, position: 1 });
      expect(moved.position).toBe(1);
      expect(here).toEqual([{ boardId: board.id }]);
      const session = await call('session.get', {});
      await waitFor(() => there.length > 0, 'the other process heard board.changed', 10_000);
      expect(there).toEqual([{ accountId: session.account.id, topic: 'board.changed', payload: { boardId: board.id } }]);
      // Still no event for a reorder: positions only.
      expect(await sqlCount(app, 'SELECT count(*) AS n FROM activities')).toBe(events);
      // A refused reorder (already there) announces nothing.
      await expect(call('cards.move', { cardId: card.id, toColumnId: column.id, position: 1 })).rejects.toThrow(/conflict/);
      await new Promise((r) => setTimeout(r, 500));
      expect(here).toHaveLength(1);
      expect(there).toHaveLength(1);
    } finally {
      offHere();
    }
  });
});
