// The audit hash chain on real stores (a workspace file, or a database on a real PostgreSQL server): every event
// is linked in its command's transaction, the chain verifies, commands of one account running side by side in
// two processes never fork it, and tampering through raw SQL on the store (edited, deleted, inserted, swapped
// rows) is detected and named, through the API and through `chronicle audit verify` (exit codes).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAINED_TABLES, GENESIS, canonicalRow, linkHash, sha256Hex, linkPreimage } from '../../db/audit-canonical.ts';
import { migrate, openStore } from '../../db/open.ts';
import { rawAll, rawFirst, rawRun } from '../../db/sql.ts';
import type { Db, Store } from '../../db/store.ts';
import { listBoardsOfProjects, listColumns } from '../../db/workspace.ts';
import { createApp, type App } from '../../main/app.ts';
import { inCommand } from '../../main/domain/context.ts';
import { createCard } from '../../main/domain/cards.ts';
import { verifyChain } from '../../main/audit/verify.ts';
import { caller, onPostgres, onSqlite, openTestApp, sqlCount, sqlRow, sqlRows, tempLocation } from '../support/workspace.ts';

const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

/** A demo workspace, closed, plus its first account. `location` includes credentials (for the CLI and raw SQL). */
async function demoWorkspace(events = 400): Promise<{ location: string; accountId: string }> {
  const app = await openTestApp({ events });
  const accountId = (await app.defaultSession())!.accountId;
  const location = app.connectTo;
  await app.close();
  return { location, accountId };
}

/** Another connection to the store, behind Chronicle's back (what someone with database access can do). */
async function raw(location: string): Promise<Store> {
  const s = await openStore(location, { migrate: false });
  opened.push(s);
  return s;
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['main/bin/chronicle.mjs', 'audit', ...args], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });

async function verifyAt(location: string, accountId: string) {
  const s = await openStore(location, { readonly: true });
  try {
    return await verifyChain(s, accountId, { chunk: 97 });
  } finally {
    await s.close();
  }
}

interface Link { seq: number; event_table: string; event_id: string; prev_hash: string; hash: string; created_at: number }

/** The link at seq. */
async function linkAt(s: Db | App, accountId: string, seq: number): Promise<Link> {
  return (await sqlRow<Link>(s, 'SELECT seq, event_table, event_id, prev_hash, hash, created_at FROM audit_chain WHERE account_id = ? AND seq = ?', accountId, seq))!;
}

async function seqOfFirst(s: Db, accountId: string, table: string, after = 1): Promise<number> {
  return (await sqlRow<{ seq: number }>(s, 'SELECT min(seq) AS seq FROM audit_chain WHERE account_id = ? AND event_table = ? AND seq > ?', accountId, table, after))!.seq;
}

describe('the chain', () => {
  it('links every event row of every account, in the event’s transaction', async () => {
    const app = await openTestApp({ events: 500 });
    opened.push(app);
    const accounts = await sqlRows<{ id: string }>(app, 'SELECT id FROM accounts');
    expect(accounts.length).toBeGreaterThan(1);
    for (const { id } of accounts) {
      let events = 0;
      for (const t of CHAINED_TABLES) events += await sqlCount(app, `SELECT count(*) AS n FROM ${t} WHERE account_id = ?`, id);
      const r = await verifyChain(app.store, id);
      expect(r).toMatchObject({ ok: true, checked: events, total: events });
      expect(r.head?.seq).toBe(events);
    }
    // A command adds exactly one link, chained to the previous head.
    const api = await caller(app);
    const before = (await api.call('audit.verify', {})).head!;
    const board = (await api.call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await api.call('boards.get', { boardId: board.id });
    const card = await api.call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Chained' });
    const link = await linkAt(app, api.slot.session!.accountId, before.seq + 1);
    expect(link).toMatchObject({ event_table: 'card_created', prev_hash: before.hash });
    const eventRow = (await sqlRow(app, 'SELECT * FROM card_created WHERE card_id = ?', card.id))!;
    expect(link.event_id).toBe(eventRow.id);
    // The hash is exactly the documented form.
    const preimage = `chronicle.audit.v1\n${before.hash}\ncard_created\n` +
      `{"account_id":"${eventRow.account_id}","board_id":"${eventRow.board_id}","card_id":"${card.id}","column_id":"${eventRow.column_id}",` +
      `"created_at":${eventRow.created_at},"creator_id":"${eventRow.creator_id}","id":"${eventRow.id}","title":"Chained"}`;
    expect(linkPreimage(before.hash, 'card_created', canonicalRow('card_created', eventRow))).toBe(preimage);
    expect(link.hash).toBe(sha256Hex(preimage));
    const after = await api.call('audit.verify', {});
    expect(after).toMatchObject({ ok: true, head: { seq: before.seq + 1, hash: link.hash } });
  });

  it('a refused command leaves no link behind', async () => {
    const app = await openTestApp({ events: 100 });
    opened.push(app);
    const api = await caller(app);
    const head = (await api.call('audit.verify', {})).head!;
    const r = await api.raw('cards.update', { cardId: '019a0000-0000-7000-8000-000000000999', title: 'x' });
    expect(r.ok).toBe(false);
    expect((await api.call('audit.verify', {})).head).toEqual(head);
  });

  it('never forks when commands of one account run side by side (two hub processes, or one app)', async () => {
    const { location, accountId } = await demoWorkspace(200);
    // On a hub, two apps with their own pools stand for two processes: the account lock orders their appends.
    // On SQLite the file's write lock does that between processes, and better-sqlite3 waits for it synchronously,
    // so two connections of ONE process would only wait for each other: there, one app's commands overlap.
    const apps = onPostgres
      ? [await createApp({ location, background: false }), await createApp({ location, background: false })]
      : [await createApp({ location, background: false })];
    opened.push(...apps);
    const apis = await Promise.all(apps.map((a) => caller(a)));
    const head = (await apis[0].call('audit.verify', {})).head!;
    const board = (await apis[0].call('boards.list', {})).items.find((b) => !b.archived)!;
    const columnId = (await apis[0].call('boards.get', { boardId: board.id })).columns[0].id;
    const perApp = 25;
    const results = await Promise.allSettled(
      Array.from({ length: perApp * 2 }, (_, i) => apis[i % apis.length].call('cards.create', { boardId: board.id, columnId, title: `Side by side ${i}` })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const r = await verifyChain(apps[apps.length - 1].store, accountId);
    expect(r).toMatchObject({ ok: true, head: { seq: head.seq + perApp * 2 } });
    // One link per seq, each following the one before it: a fork would show as two links with one prev_hash.
    const prevs = await sqlRows<{ n: number }>(apps[0], 'SELECT count(*) AS n FROM audit_chain WHERE account_id = ? GROUP BY prev_hash HAVING count(*) > 1', accountId);
    expect(prevs).toEqual([]);
  });

  it('one command recording several events, the first in a savepoint that rolls back: each links to the one before', async () => {
    // On a hub the head is read with the command's BEGIN and taken by the first event; the rest read the table.
    const app = await openTestApp({ events: 60 });
    opened.push(app);
    const session = (await app.defaultSession())!;
    const ctx = { store: app.store, session, push: app.push };
    const before = (await verifyChain(app.store, session.accountId)).head!;
    const board = (await listBoardsOfProjects(app.store, session.accountId))[0];
    const columnId = (await listColumns(app.store, board.id))[0].id;
    const titles: string[] = [];
    await inCommand(ctx, async () => {
      await expect(inCommand(ctx, async () => {
        await createCard(ctx, { boardId: board.id, columnId, title: 'Rolled back' });
        throw new Error('undone');
      })).rejects.toThrow('undone');
      for (const title of ['First kept', 'Second kept']) {
        await createCard(ctx, { boardId: board.id, columnId, title });
        titles.push(title);
      }
    });
    const r = await verifyChain(app.store, session.accountId);
    expect(r).toMatchObject({ ok: true, head: { seq: before.seq + 2 } });
    const first = await linkAt(app, session.accountId, before.seq + 1);
    const second = await linkAt(app, session.accountId, before.seq + 2);
    expect(first.prev_hash).toBe(before.hash);
    expect(second.prev_hash).toBe(first.hash);
    const titleOf = async (l: Link) => (await sqlRow<{ title: string }>(app, `SELECT title FROM card_created WHERE id = ?`, l.event_id))!.title;
    expect([await titleOf(first), await titleOf(second)]).toEqual(titles);
    expect(await sqlCount(app, `SELECT count(*) AS n FROM card_created WHERE title = 'Rolled back'`)).toBe(0);
  });

  it('canonical values: escapes, integers, nulls', () => {
    const row = { account_id: 'a"\\\n\u0001é', card_id: 'c', changes: '{"title":["a","b"]}', created_at: -5, creator_id: 'u', id: 'i' };
    expect(canonicalRow('card_updated', row)).toBe(
      '{"account_id":"a\\"\\\\\\n\\u0001é","card_id":"c","changes":"{\\"title\\":[\\"a\\",\\"b\\"]}","created_at":-5,"creator_id":"u","id":"i"}',
    );
    expect(canonicalRow('project_archived', { account_id: 'a', created_at: 1, creator_id: 'u', id: 'i', project_id: null, reason: 'r' })).toContain('"project_id":null');
    expect(linkHash(GENESIS, 'card_updated', '{}')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('tampering through raw SQL on the store', () => {
  it('an edited row is named as the first broken link', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const seq = await seqOfFirst(s, accountId, 'card_updated', 50);
    const link = await linkAt(s, accountId, seq);
    const { changes } = (await rawFirst<{ changes: string }>(s, 'SELECT changes FROM card_updated WHERE id = ?', [link.event_id]))!;
    await rawRun(s, 'UPDATE card_updated SET changes = ? WHERE id = ?', [JSON.stringify({ ...JSON.parse(changes), sneaky: [1, 2] }), link.event_id]);
    const r = await verifyAt(location, accountId);
    expect(r.ok).toBe(false);
    expect(r.checked).toBe(seq - 1);
    expect(r.firstBroken).toMatchObject({ seq, table: 'card_updated', id: link.event_id, kind: 'edited' });
    expect(r.firstBroken!.message).toContain('changed after it was recorded');
  });

  it('an edited time (a single integer) is detected too', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const seq = await seqOfFirst(s, accountId, 'card_moved', 20);
    const link = await linkAt(s, accountId, seq);
    await rawRun(s, 'UPDATE card_moved SET created_at = created_at + 1 WHERE id = ?', [link.event_id]);
    expect((await verifyAt(location, accountId)).firstBroken).toMatchObject({ seq, kind: 'edited', id: link.event_id });
  });

  it('a row moved to another account is named as deleted from this one', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const other = (await rawFirst<{ id: string }>(s, 'SELECT id FROM accounts WHERE id <> ? ORDER BY id LIMIT 1', [accountId]))!.id;
    const seq = await seqOfFirst(s, accountId, 'comment_added', 10);
    const link = await linkAt(s, accountId, seq);
    await rawRun(s, 'UPDATE comment_added SET account_id = ? WHERE id = ?', [other, link.event_id]);
    expect((await verifyAt(location, accountId)).firstBroken).toMatchObject({ seq, table: 'comment_added', id: link.event_id, kind: 'deleted' });
  });

  it('a deleted event row is named', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const seq = await seqOfFirst(s, accountId, 'comment_added', 30);
    const link = await linkAt(s, accountId, seq);
    await rawRun(s, "DELETE FROM activities WHERE subject_type = 'comment_added' AND subject_id = ?", [link.event_id]);
    await rawRun(s, 'DELETE FROM comment_added WHERE id = ?', [link.event_id]);
    expect((await verifyAt(location, accountId)).firstBroken).toMatchObject({ seq, table: 'comment_added', id: link.event_id, kind: 'deleted' });
  });

  it('a row deleted together with its link (and the chain renumbered to hide the gap) is detected', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const seq = 77;
    const link = await linkAt(s, accountId, seq);
    await rawRun(s, 'DELETE FROM activities WHERE subject_type = ? AND subject_id = ?', [link.event_table, link.event_id]);
    await rawRun(s, `DELETE FROM ${link.event_table} WHERE id = ?`, [link.event_id]);
    await rawRun(s, 'DELETE FROM audit_chain WHERE account_id = ? AND seq = ?', [accountId, seq]);
    // Left with a gap first.
    expect((await verifyAt(location, accountId)).firstBroken).toMatchObject({ seq, kind: 'deleted' });
    await rawRun(s, 'UPDATE audit_chain SET seq = seq + 1000000 WHERE account_id = ? AND seq > ?', [accountId, seq]);
    await rawRun(s, 'UPDATE audit_chain SET seq = seq - 1000001 WHERE account_id = ? AND seq > 1000000', [accountId]);
    const r = await verifyAt(location, accountId);
    expect(r.firstBroken).toMatchObject({ seq, kind: 'deleted' });
    expect(r.checked).toBe(seq - 1);
  });

  it('an event row inserted without a link is named, at the place its time puts it', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const seq = 120;
    const link = await linkAt(s, accountId, seq);
    const victim = (await rawFirst<{ card_id: string; creator_id: string }>(s, 'SELECT card_id, creator_id FROM card_updated WHERE account_id = ? ORDER BY id LIMIT 1', [accountId]))!;
    const forged = '019a0000-0000-7000-8000-00000000f00d';
    await rawRun(s, 'INSERT INTO card_updated (id, account_id, creator_id, created_at, card_id, changes) VALUES (?, ?, ?, ?, ?, ?)', [
      forged, accountId, victim.creator_id, link.created_at - 1, victim.card_id, '{"title":["a","b"]}',
    ]);
    const r = await verifyAt(location, accountId);
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toMatchObject({ table: 'card_updated', id: forged, kind: 'inserted' });
    expect(r.firstBroken!.seq).toBeLessThanOrEqual(seq);
  });

  it('a row inserted with a correctly hashed link (the rest renumbered) is named', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const seq = 60;
    const before = await linkAt(s, accountId, seq - 1);
    const victim = (await rawFirst<{ card_id: string; creator_id: string }>(s, 'SELECT card_id, creator_id FROM card_updated WHERE account_id = ? ORDER BY id LIMIT 1', [accountId]))!;
    const row = { id: '019a0000-0000-7000-8000-00000000beef', account_id: accountId, creator_id: victim.creator_id, created_at: before.created_at, card_id: victim.card_id, changes: '{"title":["x","y"]}' };
    await rawRun(s, 'INSERT INTO card_updated (id, account_id, creator_id, created_at, card_id, changes) VALUES (?, ?, ?, ?, ?, ?)', [
      row.id, row.account_id, row.creator_id, row.created_at, row.card_id, row.changes,
    ]);
    await rawRun(s, 'UPDATE audit_chain SET seq = seq + 1000000 WHERE account_id = ? AND seq >= ?', [accountId, seq]);
    await rawRun(s, 'UPDATE audit_chain SET seq = seq - 999999 WHERE account_id = ? AND seq > 1000000', [accountId]);
    await rawRun(s, 'INSERT INTO audit_chain (account_id, seq, event_table, event_id, prev_hash, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      accountId, seq, 'card_updated', row.id, before.hash, linkHash(before.hash, 'card_updated', canonicalRow('card_updated', row)), row.created_at,
    ]);
    const r = await verifyAt(location, accountId);
    expect(r.firstBroken).toMatchObject({ seq, table: 'card_updated', id: row.id, kind: 'inserted' });
  });

  it('two swapped rows are reported as reordered at the first of them', async () => {
    const { location, accountId } = await demoWorkspace();
    const s = await raw(location);
    const a = 200;
    const first = await linkAt(s, accountId, a);
    const second = await linkAt(s, accountId, a + 1);
    await rawRun(s, 'UPDATE audit_chain SET seq = 999999 WHERE account_id = ? AND seq = ?', [accountId, a]);
    await rawRun(s, 'UPDATE audit_chain SET seq = ? WHERE account_id = ? AND seq = ?', [a, accountId, a + 1]);
    await rawRun(s, 'UPDATE audit_chain SET seq = ? WHERE account_id = ? AND seq = 999999', [a + 1, accountId]);
    const r = await verifyAt(location, accountId);
    expect(r.checked).toBe(a - 1);
    expect(r.firstBroken).toMatchObject({ seq: a, table: second.event_table, id: second.event_id, kind: 'reordered' });
    expect(r.firstBroken!.message).toContain(`after #${a + 1}`);
    expect(first.event_id).not.toBe(second.event_id);
  });

  it('the CLI exits 0 only when intact, and names the first broken link', async () => {
    const { location, accountId } = await demoWorkspace();
    const ok = cli('verify', '--db', location);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok {6}Acme Product .*links verified/m);
    const s = await raw(location);
    const seq = await seqOfFirst(s, accountId, 'card_created', 10);
    const link = await linkAt(s, accountId, seq);
    await rawRun(s, "UPDATE card_created SET title = title || '!' WHERE id = ?", [link.event_id]);
    const bad = cli('verify', '--db', location, '--account', accountId);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`first broken link #${seq} (edited, card_created ${link.event_id})`);
    const unknown = cli('verify', '--db', location, '--account', 'nope');
    expect(unknown.status).toBe(2);
    // A hub URL is never printed with its password.
    if (onPostgres) expect(unknown.stderr).not.toContain(new URL(location).password);
    expect(cli('verify').status).toBe(2);
    expect(cli('frobnicate').status).toBe(2);
  });
});

describe('a long chain', () => {
  it('the CLI shows progress while it walks 60,000 links', async () => {
    const location = await tempLocation();
    const s = await openStore(location);
    opened.push(s);
    const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    const account = id(1);
    await s.transaction(async (tx) => {
      await rawRun(tx, 'INSERT INTO accounts (id, name, created_at) VALUES (?, ?, 0)', [account, 'Long']);
      await rawRun(tx, 'INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, ?, ?, 0)', [id(2), account, 'Ana', 'ana@long.test']);
      await rawRun(tx, 'INSERT INTO projects (id, account_id, name, archived_at, archived_reason, created_at) VALUES (?, ?, ?, NULL, NULL, 0)', [id(3), account, 'P']);
      let prev = GENESIS;
      const batch = 500;
      for (let start = 1; start <= 60_000; start += batch) {
        const rows: unknown[] = [];
        const links: unknown[] = [];
        for (let n = start; n < start + batch; n++) {
          const row = { id: id(100 + n), account_id: account, creator_id: id(2), created_at: n, project_id: id(3), reason: `r${n}` };
          rows.push(row.id, row.account_id, row.creator_id, row.created_at, row.project_id, row.reason);
          const hash = linkHash(prev, 'project_archived', canonicalRow('project_archived', row));
          links.push(account, n, 'project_archived', row.id, prev, hash, n);
          prev = hash;
        }
        const values = (cols: number) => Array.from({ length: batch }, () => `(${Array(cols).fill('?').join(', ')})`).join(', ');
        await rawRun(tx, `INSERT INTO project_archived (id, account_id, creator_id, created_at, project_id, reason) VALUES ${values(6)}`, rows);
        await rawRun(tx, `INSERT INTO audit_chain (account_id, seq, event_table, event_id, prev_hash, hash, created_at) VALUES ${values(7)}`, links);
      }
    });
    const out = cli('verify', '--db', location);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('60000 links verified');
    const lines = out.stderr.split('\n').filter((l) => l.startsWith('Verifying Long: '));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe('Verifying Long: 60,000 / 60,000 links (100%)');
  });
});

describe('migration 0003', () => {
  it('chains the events a workspace already had, per account, and they verify', async () => {
    const location = await tempLocation();
    const s = await openStore(location, { migrate: false, check: false });
    opened.push(s);
    await migrate(s, { upTo: 2 });
    const t = 1_767_225_600_000;
    const ids = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    await s.transaction(async (tx) => {
      await rawRun(tx, 'INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?), (?, ?, ?)', [ids(1), 'A', t, ids(2), 'B', t]);
      await rawRun(tx, 'INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, ?, ?, ?)', [ids(3), ids(1), 'Ana', 'ana@a.test', t]);
      await rawRun(tx, 'INSERT INTO projects (id, account_id, name, archived_at, archived_reason, created_at) VALUES (?, ?, ?, NULL, NULL, ?), (?, ?, ?, NULL, NULL, ?)', [
        ids(4), ids(1), 'P', t, ids(14), ids(2), 'Q', t,
      ]);
      const archived = 'INSERT INTO project_archived (id, account_id, creator_id, created_at, project_id, reason) VALUES (?, ?, ?, ?, ?, ?)';
      await rawRun(tx, archived, [ids(5), ids(1), ids(3), t + 2, ids(4), 'done']);
      await rawRun(tx, archived, [ids(6), ids(1), ids(3), t + 1, ids(4), 'first']);
      await rawRun(tx, archived, [ids(7), ids(2), ids(3), t + 5, ids(14), 'other account']);
    });
    await migrate(s, { upTo: 3 });
    const links = await rawAll<{ account_id: string; seq: number; event_id: string; prev_hash: string }>(
      s,
      'SELECT account_id, seq, event_id, prev_hash FROM audit_chain ORDER BY account_id, seq',
    );
    expect(links.map((l) => [l.account_id, l.seq, l.event_id])).toEqual([
      [ids(1), 1, ids(6)], [ids(1), 2, ids(5)], [ids(2), 1, ids(7)],
    ]);
    expect(links[0].prev_hash).toBe(GENESIS);
    // Today's verifier reads every event table of today's schema: bring the store up to date first.
    await migrate(s);
    expect(await verifyChain(s, ids(1), { chunk: 97 })).toMatchObject({ ok: true, checked: 2 });
    expect(await verifyChain(s, ids(2), { chunk: 97 })).toMatchObject({ ok: true, checked: 1 });
  });

  it.runIf(onSqlite)('creates audit_chain (clustered by account and seq) and audit_keys as STRICT tables', async () => {
    const location = await tempLocation();
    const s = await openStore(location);
    opened.push(s);
    const sql = async (t: string) => (await rawFirst<{ sql: string }>(s, `SELECT sql FROM sqlite_master WHERE name = ?`, [t]))!.sql;
    expect(await sql('audit_chain')).toMatch(/PRIMARY KEY \(account_id, seq\)\s*\) STRICT, WITHOUT ROWID$/);
    expect(await sql('audit_keys')).toMatch(/STRICT$/);
    expect(fs.existsSync(location)).toBe(true);
  });

  it.runIf(onPostgres)('keys audit_chain by (account, seq) on a hub, with integer times and sequence numbers', async () => {
    const location = await tempLocation();
    const s = await openStore(location);
    opened.push(s);
    const pk = await rawAll<{ column_name: string }>(
      s,
      `SELECT kcu.column_name FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
        WHERE tc.table_name = 'audit_chain' AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position`,
    );
    expect(pk.map((c) => c.column_name)).toEqual(['account_id', 'seq']);
    const types = await rawAll<{ column_name: string; data_type: string }>(
      s,
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'audit_chain' AND column_name IN ('seq', 'created_at') ORDER BY column_name`,
    );
    expect(types).toEqual([{ column_name: 'created_at', data_type: 'bigint' }, { column_name: 'seq', data_type: 'bigint' }]);
  });
});
