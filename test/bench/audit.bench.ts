// `npm run bench audit`: verify a chain of 1,000,000 events (rows/s, and the ratio to raw SHA-256 over the same
// bytes in the same run), and card history of a card with 10,000 versions (p99 per page, against a raw indexed
// read of the same page). The chain is generated with bulk inserts in big transactions (not measured).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readChainChunk, readEventRows, readLinks, verifyColumnOffsets } from '../../db/audit.ts';
import { openDatabase } from '../../db/open.ts';
import { GENESIS, canonicalRow, canonicalValues, isChainedTable, linkHash, linkPreimage } from '../../main/audit/canonical.ts';
import { auditList, cardHistory } from '../../main/audit/history.ts';
import { verifyChain } from '../../main/audit/verify.ts';
import { prng } from '../../main/demo.ts';

const EVENTS = Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000);
const HOT_VERSIONS = 10_000;
const CARDS = 2_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n: number) => `${n.toFixed(2)} ms`;
const uuid = (n: number) => {
  const h = n.toString(16).padStart(20, '0');
  return `019a0000-0000-7${h.slice(0, 3)}-8${h.slice(3, 6)}-${h.slice(8, 20)}`;
};

export default async function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-audit-bench-'));
  const file = path.join(dir, 'bench.db');
  const sqlite = openDatabase(file);
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF');
  const rand = prng(11);
  let id = 1;
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const account = uuid(id++);
  const users = [uuid(id++), uuid(id++), uuid(id++), uuid(id++)];
  const project = uuid(id++);
  const board = uuid(id++);
  const columns = [uuid(id++), uuid(id++), uuid(id++)];

  // ---- generation (not measured) -------------------------------------------------------------------------
  const genStart = performance.now();
  sqlite.transaction(() => {
    sqlite.prepare('INSERT INTO accounts VALUES (?, ?, ?)').run(account, 'Bench', t0);
    users.forEach((u, i) => {
      sqlite.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?)').run(u, account, `User ${i}`, `u${i}@bench.test`, t0);
      sqlite.prepare('INSERT INTO memberships VALUES (?, ?, ?, ?, ?)').run(uuid(id++), account, u, i === 0 ? 'owner' : 'member', t0);
    });
    sqlite.prepare('INSERT INTO projects VALUES (?, ?, ?, NULL, NULL, ?)').run(project, account, 'Bench', t0);
    sqlite.prepare('INSERT INTO boards VALUES (?, ?, ?, ?, ?)').run(board, account, project, 'Board', t0);
    columns.forEach((c, i) => sqlite.prepare('INSERT INTO columns VALUES (?, ?, ?, ?, ?, ?)').run(c, account, board, `Column ${i}`, i, t0));
  })();
  const insCard = sqlite.prepare('INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insCreated = sqlite.prepare('INSERT INTO card_created VALUES (@id, @account_id, @creator_id, @created_at, @card_id, @board_id, @column_id, @title)');
  const insUpdated = sqlite.prepare('INSERT INTO card_updated VALUES (@id, @account_id, @creator_id, @created_at, @card_id, @changes)');
  const insMoved = sqlite.prepare('INSERT INTO card_moved VALUES (@id, @account_id, @creator_id, @created_at, @card_id, @from_column_id, @to_column_id, @from_position, @to_position)');
  const insLink = sqlite.prepare('INSERT INTO audit_chain VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insActivity = sqlite.prepare('INSERT INTO activities VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const cards = Array.from({ length: CARDS }, () => uuid(id++));
  const hot = cards[0];
  const cardColumn = new Map<string, number>(cards.map((c) => [c, 0]));
  let seq = 0;
  let prev = GENESIS;
  let clock = t0;
  const link = (table: 'card_created' | 'card_updated' | 'card_moved', row: Record<string, unknown> & { id: string; created_at: number }) => {
    seq++;
    const hash = linkHash(prev, table, canonicalRow(table, row));
    insLink.run(account, seq, table, row.id, prev, hash, row.created_at);
    insActivity.run(uuid(id++), account, table, row.id, row.creator_id, board, project, row.created_at);
    prev = hash;
  };
  // Hot card versions are spread evenly through the chain.
  const hotEvery = Math.max(1, Math.floor((EVENTS - CARDS) / HOT_VERSIONS));
  let hotDone = 0;
  const BATCH = 100_000;
  let made = 0;
  while (made < EVENTS) {
    sqlite.transaction(() => {
      const end = Math.min(EVENTS, made + BATCH);
      for (; made < end; made++) {
        clock += 1 + rand.int(2000);
        const creator = users[rand.int(users.length)];
        if (made < CARDS) {
          const card = cards[made];
          insCard.run(card, account, board, columns[0], made, `Card ${made}`, 'Start.', null, null, creator, clock, clock);
          const row = { id: uuid(id++), account_id: account, creator_id: creator, created_at: clock, card_id: card, board_id: board, column_id: columns[0], title: `Card ${made}` };
          insCreated.run(row);
          link('card_created', row);
          continue;
        }
        const card = hotDone < HOT_VERSIONS && made % hotEvery === 0 ? (hotDone++, hot) : cards[1 + rand.int(CARDS - 1)];
        if (rand.next() < 0.25) {
          const from = cardColumn.get(card)!;
          const to = (from + 1 + rand.int(2)) % 3;
          cardColumn.set(card, to);
          const row = { id: uuid(id++), account_id: account, creator_id: creator, created_at: clock, card_id: card, from_column_id: columns[from], to_column_id: columns[to], from_position: 0, to_position: 0 };
          insMoved.run(row);
          link('card_moved', row);
        } else {
          const changes = rand.next() < 0.5
            ? { title: [`Card v${made - 1}`, `Card v${made}`] }
            : { description: [`Text ${made - 1} with several words in it.`, `Text ${made} with several more words in it.`] };
          const row = { id: uuid(id++), account_id: account, creator_id: creator, created_at: clock, card_id: card, changes: JSON.stringify(changes) };
          insUpdated.run(row);
          link('card_updated', row);
        }
      }
    })();
  }
  for (const [card, col] of cardColumn) sqlite.prepare('UPDATE cards SET column_id = ? WHERE id = ?').run(columns[col], card);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  console.log(`generated ${seq.toLocaleString('en')} chained events (hot card: ${hotDone.toLocaleString('en')} versions) in ${((performance.now() - genStart) / 1000).toFixed(1)} s; file ${(fs.statSync(file).size / 1e6).toFixed(0)} MB`);

  // ---- verify ------------------------------------------------------------------------------------------------
  // Warm the page cache once so both measurements read from memory.
  readChainChunk(sqlite, account, 0, seq, seq);
  const vStart = performance.now();
  const result = await verifyChain(sqlite, account);
  const verifyMs = performance.now() - vStart;
  if (!result.ok || result.checked !== seq) throw new Error(`verify failed: ${JSON.stringify(result.firstBroken)}`);

  // Raw baseline: SHA-256 of exactly the preimages the verifier hashes (built outside the timer).
  let rawMs = 0;
  let bytes = 0;
  for (let after = 0; after < seq; after += 50_000) {
    const rows = readChainChunk(sqlite, account, after, seq, 50_000);
    const pre: string[] = rows.map((row) => {
      const table = row[1] as string;
      if (!isChainedTable(table)) throw new Error(table);
      return linkPreimage(row[3] as string, table, canonicalValues(table, row, verifyColumnOffsets[table]));
    });
    for (const p of pre) bytes += Buffer.byteLength(p);
    const h0 = performance.now();
    for (const p of pre) createHash('sha256').update(p, 'utf8').digest('hex');
    rawMs += performance.now() - h0;
  }
  // The verifier's reads alone (links, then each event table sequentially), to show where the time goes.
  const r0 = performance.now();
  const cursors: Record<string, number> = {};
  for (let after = 0; after < seq; after += 2_000) {
    const links = readLinks(sqlite, account, after, seq, 2_000);
    const need: Record<string, number> = {};
    for (const l of links) need[l[1]] = (need[l[1]] ?? 0) + 1;
    for (const [t, n] of Object.entries(need)) {
      const rows = readEventRows(sqlite, t as 'card_updated', account, cursors[t] ?? 0, n);
      cursors[t] = rows[rows.length - 1][0] as number;
    }
  }
  const readMs = performance.now() - r0;
  console.log(`verify ${seq.toLocaleString('en')} links: ${(verifyMs / 1000).toFixed(2)} s = ${Math.round(seq / (verifyMs / 1000)).toLocaleString('en')} rows/s`);
  console.log(`raw SHA-256 over the same ${(bytes / 1e6).toFixed(0)} MB (${seq.toLocaleString('en')} digests): ${(rawMs / 1000).toFixed(2)} s = ${Math.round(seq / (rawMs / 1000)).toLocaleString('en')} rows/s`);
  console.log(`ratio verify / raw SHA-256: ${(verifyMs / rawMs).toFixed(2)}x   (of which reading links and rows: ${(readMs / 1000).toFixed(2)} s)`);

  // ---- card history of the hot card ----------------------------------------------------------------------------
  const pageTimes: number[] = [];
  const rawTimes: number[] = [];
  const rawPage = sqlite.prepare(
    'SELECT id, creator_id, created_at, changes FROM card_updated WHERE card_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT 50',
  );
  let pages = 0;
  for (let round = 0; round < 3; round++) {
    let cursor: string | undefined;
    let key = { t: Number.MAX_SAFE_INTEGER, i: 'g' };
    do {
      const a = performance.now();
      const page = cardHistory(sqlite, account, { cardId: hot, cursor, limit: 50 });
      pageTimes.push(performance.now() - a);
      cursor = page.nextCursor;
      pages++;
      const b = performance.now();
      const rows = rawPage.all(hot, key.t, key.i) as { id: string; created_at: number }[];
      rawTimes.push(performance.now() - b);
      const last = rows[rows.length - 1];
      if (last) key = { t: last.created_at, i: last.id };
    } while (cursor);
  }
  console.log(
    `card history, ${hotDone.toLocaleString('en')} versions, pages of 50 (${pages} pages over 3 rounds): p50 ${ms(pct(pageTimes, 50))}, p99 ${ms(pct(pageTimes, 99))}; ` +
      `raw indexed page read p99 ${ms(pct(rawTimes, 99))} (ratio p99 ${(pct(pageTimes, 99) / pct(rawTimes, 99)).toFixed(1)}x)`,
  );

  // ---- account-wide audit list on the same 1M-version account -------------------------------------------------
  const listTimes: Record<string, number[]> = { all: [], attribute: [], person: [] };
  for (const [name, filter] of [['all', {}], ['attribute', { attribute: 'description' }], ['person', { personId: users[2] }]] as const) {
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const a = performance.now();
      const page = auditList(sqlite, account, { ...filter, cursor, limit: 100 });
      listTimes[name].push(performance.now() - a);
      cursor = page.nextCursor;
    }
  }
  console.log(
    `audit list, pages of 100 (100 pages each): all p99 ${ms(pct(listTimes.all, 99))}, attribute=description p99 ${ms(pct(listTimes.attribute, 99))}, one person p99 ${ms(pct(listTimes.person, 99))}`,
  );
  sqlite.close();
  if (process.env.AUDIT_BENCH_KEEP) console.log(`kept ${file}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
