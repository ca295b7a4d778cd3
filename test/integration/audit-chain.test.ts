// The audit hash chain on real workspace files: every event is linked in its command's transaction, the chain
// verifies, and tampering through raw SQL on the file (edited, deleted, inserted, swapped rows) is detected and
// named, through the API and through `chronicle audit verify` (exit codes).
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, migrate } from '../../db/open.ts';
import type { Sqlite } from '../../db/sql.ts';
import { CHAINED_TABLES, GENESIS, canonicalRow, linkHash, sha256Hex, linkPreimage } from '../../main/audit/canonical.ts';
import { verifyChain } from '../../main/audit/verify.ts';
import type { App } from '../../main/app.ts';
import { caller, openTestApp, tempDbFile } from '../support/workspace.ts';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

/** A demo workspace file, closed, plus its first account. */
async function demoFile(events = 400): Promise<{ file: string; accountId: string }> {
  const app = await openTestApp({ events });
  const accountId = app.defaultSession()!.accountId;
  const file = app.dbFile;
  await app.close();
  return { file, accountId };
}

function raw(file: string): Sqlite {
  const s = new Database(file);
  opened.push(s);
  return s;
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['main/bin/chronicle.mjs', 'audit', ...args], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });

async function verifyFile(file: string, accountId: string) {
  const s = openDatabase(file, { readonly: true });
  try {
    return await verifyChain(s, accountId, { chunk: 97 });
  } finally {
    s.close();
  }
}

/** The link at seq, with the event row it points at. */
function linkAt(s: Sqlite, accountId: string, seq: number) {
  return s.prepare('SELECT * FROM audit_chain WHERE account_id = ? AND seq = ?').get(accountId, seq) as {
    seq: number; event_table: string; event_id: string; prev_hash: string; hash: string; created_at: number;
  };
}

function seqOfFirst(s: Sqlite, accountId: string, table: string, after = 1): number {
  return (s.prepare('SELECT min(seq) AS seq FROM audit_chain WHERE account_id = ? AND event_table = ? AND seq > ?').get(accountId, table, after) as { seq: number }).seq;
}

describe('the chain', () => {
  let app: App;
  it('links every event row of every account, in the event’s transaction', async () => {
    app = await openTestApp({ events: 500 });
    opened.push(app);
    const accounts = app.sqlite.prepare('SELECT id FROM accounts').all() as { id: string }[];
    for (const { id } of accounts) {
      const events = CHAINED_TABLES.reduce((n, t) => n + (app.sqlite.prepare(`SELECT count(*) AS n FROM ${t} WHERE account_id = ?`).get(id) as { n: number }).n, 0);
      const r = await verifyChain(app.sqlite, id);
      expect(r).toMatchObject({ ok: true, checked: events, total: events });
      expect(r.head?.seq).toBe(events);
    }
    // A command adds exactly one link, chained to the previous head.
    const api = caller(app);
    const before = (await api.call('audit.verify', {})).head!;
    const board = (await api.call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await api.call('boards.get', { boardId: board.id });
    const card = await api.call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Chained' });
    const link = linkAt(app.sqlite, app.defaultSession()!.accountId, before.seq + 1);
    expect(link).toMatchObject({ event_table: 'card_created', prev_hash: before.hash });
    const eventRow = app.sqlite.prepare('SELECT * FROM card_created WHERE card_id = ?').get(card.id) as Record<string, unknown>;
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
    app = await openTestApp({ events: 100 });
    opened.push(app);
    const api = caller(app);
    const head = (await api.call('audit.verify', {})).head!;
    const r = await api.raw('cards.update', { cardId: '019a0000-0000-7000-8000-000000000999', title: 'x' });
    expect(r.ok).toBe(false);
    expect((await api.call('audit.verify', {})).head).toEqual(head);
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

describe('tampering through raw SQL on the file', () => {
  it('an edited row is named as the first broken link', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const seq = seqOfFirst(s, accountId, 'card_updated', 50);
    const link = linkAt(s, accountId, seq);
    s.prepare(`UPDATE card_updated SET changes = json_set(changes, '$.sneaky', json('[1,2]')) WHERE id = ?`).run(link.event_id);
    s.close();
    const r = await verifyFile(file, accountId);
    expect(r.ok).toBe(false);
    expect(r.checked).toBe(seq - 1);
    expect(r.firstBroken).toMatchObject({ seq, table: 'card_updated', id: link.event_id, kind: 'edited' });
    expect(r.firstBroken!.message).toContain('changed after it was recorded');
  });

  it('an edited time (a single integer) is detected too', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const seq = seqOfFirst(s, accountId, 'card_moved', 20);
    const link = linkAt(s, accountId, seq);
    s.prepare('UPDATE card_moved SET created_at = created_at + 1 WHERE id = ?').run(link.event_id);
    s.close();
    expect((await verifyFile(file, accountId)).firstBroken).toMatchObject({ seq, kind: 'edited', id: link.event_id });
  });

  it('a deleted event row is named', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const seq = seqOfFirst(s, accountId, 'comment_added', 30);
    const link = linkAt(s, accountId, seq);
    s.prepare("DELETE FROM activities WHERE subject_type = 'comment_added' AND subject_id = ?").run(link.event_id);
    s.prepare('DELETE FROM comment_added WHERE id = ?').run(link.event_id);
    s.close();
    expect((await verifyFile(file, accountId)).firstBroken).toMatchObject({ seq, table: 'comment_added', id: link.event_id, kind: 'deleted' });
  });

  it('a row deleted together with its link (and the chain renumbered to hide the gap) is detected', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const seq = 77;
    const link = linkAt(s, accountId, seq);
    s.prepare(`DELETE FROM activities WHERE subject_type = ? AND subject_id = ?`).run(link.event_table, link.event_id);
    s.prepare(`DELETE FROM ${link.event_table} WHERE id = ?`).run(link.event_id);
    s.prepare('DELETE FROM audit_chain WHERE account_id = ? AND seq = ?').run(accountId, seq);
    // Left with a gap first.
    s.close();
    expect((await verifyFile(file, accountId)).firstBroken).toMatchObject({ seq, kind: 'deleted' });
    const s2 = raw(file);
    s2.prepare('UPDATE audit_chain SET seq = seq + 1000000 WHERE account_id = ? AND seq > ?').run(accountId, seq);
    s2.prepare('UPDATE audit_chain SET seq = seq - 1000001 WHERE account_id = ? AND seq > 1000000').run(accountId);
    s2.close();
    const r = await verifyFile(file, accountId);
    expect(r.firstBroken).toMatchObject({ seq, kind: 'deleted' });
    expect(r.checked).toBe(seq - 1);
  });

  it('an event row inserted without a link is named, at the place its time puts it', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const seq = 120;
    const link = linkAt(s, accountId, seq);
    const victim = s.prepare("SELECT card_id, creator_id FROM card_updated WHERE account_id = ? LIMIT 1").get(accountId) as { card_id: string; creator_id: string };
    const forged = '019a0000-0000-7000-8000-00000000f00d';
    s.prepare('INSERT INTO card_updated (id, account_id, creator_id, created_at, card_id, changes) VALUES (?, ?, ?, ?, ?, ?)').run(
      forged, accountId, victim.creator_id, link.created_at - 1, victim.card_id, '{"title":["a","b"]}',
    );
    s.close();
    const r = await verifyFile(file, accountId);
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toMatchObject({ table: 'card_updated', id: forged, kind: 'inserted' });
    expect(r.firstBroken!.seq).toBeLessThanOrEqual(seq);
  });

  it('a row inserted with a correctly hashed link (the rest renumbered) is named', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const seq = 60;
    const before = linkAt(s, accountId, seq - 1);
    const victim = s.prepare("SELECT card_id, creator_id FROM card_updated WHERE account_id = ? LIMIT 1").get(accountId) as { card_id: string; creator_id: string };
    const row = { id: '019a0000-0000-7000-8000-00000000beef', account_id: accountId, creator_id: victim.creator_id, created_at: before.created_at, card_id: victim.card_id, changes: '{"title":["x","y"]}' };
    s.prepare('INSERT INTO card_updated (id, account_id, creator_id, created_at, card_id, changes) VALUES (@id, @account_id, @creator_id, @created_at, @card_id, @changes)').run(row);
    s.prepare('UPDATE audit_chain SET seq = seq + 1000000 WHERE account_id = ? AND seq >= ?').run(accountId, seq);
    s.prepare('UPDATE audit_chain SET seq = seq - 999999 WHERE account_id = ? AND seq > 1000000').run(accountId);
    s.prepare('INSERT INTO audit_chain (account_id, seq, event_table, event_id, prev_hash, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      accountId, seq, 'card_updated', row.id, before.hash, linkHash(before.hash, 'card_updated', canonicalRow('card_updated', row)), row.created_at,
    );
    s.close();
    const r = await verifyFile(file, accountId);
    expect(r.firstBroken).toMatchObject({ seq, table: 'card_updated', id: row.id, kind: 'inserted' });
  });

  it('two swapped rows are reported as reordered at the first of them', async () => {
    const { file, accountId } = await demoFile();
    const s = raw(file);
    const a = 200;
    const first = linkAt(s, accountId, a);
    const second = linkAt(s, accountId, a + 1);
    s.prepare('UPDATE audit_chain SET seq = 999999 WHERE account_id = ? AND seq = ?').run(accountId, a);
    s.prepare('UPDATE audit_chain SET seq = ? WHERE account_id = ? AND seq = ?').run(a, accountId, a + 1);
    s.prepare('UPDATE audit_chain SET seq = ? WHERE account_id = ? AND seq = 999999').run(a + 1, accountId);
    s.close();
    const r = await verifyFile(file, accountId);
    expect(r.checked).toBe(a - 1);
    expect(r.firstBroken).toMatchObject({ seq: a, table: second.event_table, id: second.event_id, kind: 'reordered' });
    expect(r.firstBroken!.message).toContain(`after #${a + 1}`);
    expect(first.event_id).not.toBe(second.event_id);
  });

  it('the CLI exits 0 only when intact, and names the first broken link', async () => {
    const { file, accountId } = await demoFile();
    const ok = cli('verify', '--db', file);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok {6}Acme Product .*links verified/m);
    const s = raw(file);
    const seq = seqOfFirst(s, accountId, 'card_created', 10);
    const link = linkAt(s, accountId, seq);
    s.prepare("UPDATE card_created SET title = title || '!' WHERE id = ?").run(link.event_id);
    s.close();
    const bad = cli('verify', '--db', file, '--account', accountId);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`first broken link #${seq} (edited, card_created ${link.event_id})`);
    expect(cli('verify', '--db', file, '--account', 'nope').status).toBe(2);
    expect(cli('verify').status).toBe(2);
    expect(cli('frobnicate').status).toBe(2);
  });
});

describe('a long chain', () => {
  it('the CLI shows progress while it walks 60,000 links', async () => {
    const file = tempDbFile();
    const s = openDatabase(file);
    s.pragma('synchronous = OFF');
    const id = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    const account = id(1);
    s.exec(`
      INSERT INTO accounts VALUES ('${account}', 'Long', 0);
      INSERT INTO users VALUES ('${id(2)}', '${account}', 'Ana', 'ana@long.test', 0);
      INSERT INTO projects VALUES ('${id(3)}', '${account}', 'P', NULL, NULL, 0);
    `);
    const ins = s.prepare('INSERT INTO project_archived VALUES (@id, @account_id, @creator_id, @created_at, @project_id, @reason)');
    const link = s.prepare('INSERT INTO audit_chain VALUES (?, ?, ?, ?, ?, ?, ?)');
    s.transaction(() => {
      let prev = GENESIS;
      for (let n = 1; n <= 60_000; n++) {
        const row = { id: id(100 + n), account_id: account, creator_id: id(2), created_at: n, project_id: id(3), reason: `r${n}` };
        ins.run(row);
        const hash = linkHash(prev, 'project_archived', canonicalRow('project_archived', row));
        link.run(account, n, 'project_archived', row.id, prev, hash, n);
        prev = hash;
      }
    })();
    s.close();
    const out = cli('verify', '--db', file);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('60000 links verified');
    const lines = out.stderr.split('\n').filter((l) => l.startsWith('Verifying Long: '));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe('Verifying Long: 60,000 / 60,000 links (100%)');
  });
});

describe('migration 0003', () => {
  it('chains the events a workspace already had, per account, and they verify', () => {
    const file = tempDbFile();
    const s = openDatabase(file, { migrate: false });
    migrate(s, file, 2);
    const t = 1_767_225_600_000;
    const ids = (n: number) => `019a0000-0000-7000-8000-${String(n).padStart(12, '0')}`;
    s.exec(`
      INSERT INTO accounts VALUES ('${ids(1)}', 'A', ${t}), ('${ids(2)}', 'B', ${t});
      INSERT INTO users VALUES ('${ids(3)}', '${ids(1)}', 'Ana', 'ana@a.test', ${t});
      INSERT INTO projects VALUES ('${ids(4)}', '${ids(1)}', 'P', NULL, NULL, ${t}), ('${ids(14)}', '${ids(2)}', 'Q', NULL, NULL, ${t});
      INSERT INTO project_archived VALUES ('${ids(5)}', '${ids(1)}', '${ids(3)}', ${t + 2}, '${ids(4)}', 'done');
      INSERT INTO project_archived VALUES ('${ids(6)}', '${ids(1)}', '${ids(3)}', ${t + 1}, '${ids(4)}', 'first');
      INSERT INTO project_archived VALUES ('${ids(7)}', '${ids(2)}', '${ids(3)}', ${t + 5}, '${ids(14)}', 'other account');
    `);
    migrate(s, file, 3);
    const links = s.prepare('SELECT account_id, seq, event_id, prev_hash FROM audit_chain ORDER BY account_id, seq').all() as { account_id: string; seq: number; event_id: string; prev_hash: string }[];
    expect(links.map((l) => [l.account_id, l.seq, l.event_id])).toEqual([
      [ids(1), 1, ids(6)], [ids(1), 2, ids(5)], [ids(2), 1, ids(7)],
    ]);
    expect(links[0].prev_hash).toBe(GENESIS);
    s.close();
    return Promise.all([verifyFile(file, ids(1)), verifyFile(file, ids(2))]).then(([a, b]) => {
      expect(a).toMatchObject({ ok: true, checked: 2 });
      expect(b).toMatchObject({ ok: true, checked: 1 });
    });
  });

  it('creates audit_chain (clustered by account and seq) and audit_keys as STRICT tables', () => {
    const file = tempDbFile();
    const s = openDatabase(file);
    const sql = (t: string) => (s.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(t) as { sql: string }).sql;
    expect(sql('audit_chain')).toMatch(/PRIMARY KEY \(account_id, seq\)\s*\) STRICT, WITHOUT ROWID$/);
    expect(sql('audit_keys')).toMatch(/STRICT$/);
    s.close();
    expect(fs.existsSync(file)).toBe(true);
  });
});
