// `npm run bench record`: the cost of recording an event through the real domain command.
//
// 20,000 card moves through `moveCard` (main/domain/cards.ts: guards, position bookkeeping, the card update, the
// card_moved row, its activity, the in-transaction hooks and the follow-up jobs) against raw better-sqlite3
// prepared statements writing the same rows (card update + card_moved + activity + fan-out job), one transaction
// per move on both sides, both files opened the same way (WAL, synchronous=FULL).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 } from 'uuid';
import { openDatabase } from '../../db/open.ts';
import type { Sqlite } from '../../db/sql.ts';
import { moveCard } from '../../main/domain/cards.ts';
import type { DomainContext } from '../../main/domain/context.ts';
import { followUps, inTransactionHooks } from '../../main/domain/hooks.ts';
import { createProject } from '../../main/domain/projects.ts';
import { createAccount } from '../../main/demo.ts';
import { PushBus } from '../../main/push.ts';

const MOVES = Number(process.env.RECORD_BENCH_MOVES ?? 20_000);
const BOARDS = 20;
const CARDS_PER_BOARD = 60;

interface Workspace {
  sqlite: Sqlite;
  ctx: DomainContext;
  /** Per board: its project, and per column the card ids in position order. */
  boards: { id: string; projectId: string; columns: { id: string; cards: string[] }[] }[];
}

function setup(file: string): Workspace {
  const sqlite = openDatabase(file);
  const { accountId, userId } = createAccount(sqlite, { name: 'Bench', owner: { name: 'Ana Lima', email: 'ana@bench.test' } });
  const ctx: DomainContext = { sqlite, session: { accountId, userId }, push: new PushBus() };
  const boards: Workspace['boards'] = [];
  const insertCard = sqlite.prepare(`INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, '', NULL, NULL, ?, ?, ?)`);
  sqlite.transaction(() => {
    for (let b = 0; b < BOARDS; b++) {
      const { project, board } = createProject(ctx, { name: `Project ${b}` });
      const columns = board.columns.map((c) => ({ id: c.id, cards: [] as string[] }));
      for (let i = 0; i < CARDS_PER_BOARD; i++) {
        const column = columns[i % columns.length];
        const id = v7();
        insertCard.run(id, accountId, board.board.id, column.id, column.cards.length, `Card ${b}.${i}`, userId, Date.now(), Date.now());
        column.cards.push(id);
      }
      boards.push({ id: board.board.id, projectId: project.id, columns });
    }
  })();
  return { sqlite, ctx, boards };
}

/**
 * The i-th move, the same on both sides: round-robin over boards, the last card of one column goes to the end
 * of the next column (so the position bookkeeping touches no other card and both sides update one card row).
 */
function plan(w: Workspace, i: number) {
  const board = w.boards[i % w.boards.length];
  const round = Math.floor(i / w.boards.length);
  const from = board.columns[round % board.columns.length];
  const to = board.columns[(round + 1) % board.columns.length];
  const cardId = from.cards.pop()!;
  const fromPosition = from.cards.length;
  const toPosition = to.cards.length;
  to.cards.push(cardId);
  return { board, cardId, from, to, fromPosition, toPosition };
}

function viaDomain(w: Workspace, from: number, to: number): number {
  const t = performance.now();
  for (let i = from; i < to; i++) {
    const m = plan(w, i);
    const card = moveCard(w.ctx, { cardId: m.cardId, toColumnId: m.to.id });
    if (card.position !== m.toPosition) throw new Error(`move ${i}: position ${card.position}, expected ${m.toPosition}`);
  }
  return performance.now() - t;
}

function rawMover(w: Workspace) {
  const { sqlite } = w;
  const { accountId, userId } = w.ctx.session;
  const updateCard = sqlite.prepare('UPDATE cards SET column_id = ?, position = ?, updated_at = ? WHERE account_id = ? AND id = ?');
  const insertEvent = sqlite.prepare('INSERT INTO card_moved (id, account_id, creator_id, created_at, card_id, from_column_id, to_column_id, from_position, to_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertActivity = sqlite.prepare('INSERT INTO activities (id, account_id, subject_type, subject_id, creator_id, board_id, project_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertJob = sqlite.prepare('INSERT INTO jobs (id, account_id, queue, kind, args, priority, run_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)');
  const move = sqlite.transaction((m: ReturnType<typeof plan>) => {
    const at = Date.now();
    const eventId = v7({ msecs: at });
    updateCard.run(m.to.id, m.toPosition, at, accountId, m.cardId);
    insertEvent.run(eventId, accountId, userId, at, m.cardId, m.from.id, m.to.id, m.fromPosition, m.toPosition);
    insertActivity.run(v7({ msecs: at }), accountId, 'card_moved', eventId, userId, m.board.id, m.board.projectId, at);
    insertJob.run(v7({ msecs: at }), accountId, 'webhooks', 'webhooks.fanout', JSON.stringify({ table: 'card_moved', eventId }), at, at);
  });
  return (from: number, to: number) => {
    const t = performance.now();
    for (let i = from; i < to; i++) move(plan(w, i));
    return performance.now() - t;
  };
}

function check(w: Workspace, label: string) {
  const n = (sql: string) => (w.sqlite.prepare(sql).get() as { n: number }).n;
  const moved = n('SELECT count(*) AS n FROM card_moved');
  const activities = n(`SELECT count(*) AS n FROM activities WHERE subject_type = 'card_moved'`);
  const jobs = n(`SELECT count(*) AS n FROM jobs WHERE kind = 'webhooks.fanout'`);
  if (moved !== MOVES || activities !== MOVES || jobs !== MOVES) throw new Error(`${label}: ${moved} events, ${activities} activities, ${jobs} jobs`);
  // Positions stay contiguous on both sides.
  const gaps = n(`SELECT count(*) AS n FROM (SELECT column_id, max(position) + 1 - count(*) AS gap FROM cards GROUP BY column_id) WHERE gap <> 0`);
  if (gaps) throw new Error(`${label}: ${gaps} columns with position gaps`);
}

export default async function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronicle-bench-record-'));
  try {
    const domain = setup(path.join(dir, 'domain.db'));
    const raw = setup(path.join(dir, 'raw.db'));
    const bare = setup(path.join(dir, 'bare.db'));
    for (const w of [domain, raw, bare]) {
      if (w.sqlite.pragma('journal_mode', { simple: true }) !== 'wal' || w.sqlite.pragma('synchronous', { simple: true }) !== 2) {
        throw new Error('every file must be WAL + synchronous=FULL');
      }
    }
    const hooks = inTransactionHooks.length;
    const jobs = followUps.length;
    console.log(`${MOVES.toLocaleString('en')} card moves, one transaction each, WAL + synchronous=FULL`);
    // Each side on its own fresh file of the same shape, interleaved in chunks of 1,000 moves so that disk
    // noise (fsync time varies with whatever else the machine does) falls on all three alike.
    // "Foundation only": the same command with only the foundation's follow-up (the webhook fan-out) and no
    // other area's in-transaction hooks: what recording itself costs, apart from audit chains, rollups,
    // notifications.
    const areaHooks = [...inTransactionHooks];
    const areaFollowUps = followUps.slice(1);
    const rawMove = rawMover(raw);
    let rawMs = 0;
    let domainMs = 0;
    let bareMs = 0;
    const CHUNK = 1000;
    for (let from = 0; from < MOVES; from += CHUNK) {
      const to = Math.min(MOVES, from + CHUNK);
      rawMs += rawMove(from, to);
      domainMs += viaDomain(domain, from, to);
      inTransactionHooks.splice(0);
      followUps.splice(1);
      try {
        bareMs += viaDomain(bare, from, to);
      } finally {
        inTransactionHooks.push(...areaHooks);
        followUps.push(...areaFollowUps);
      }
    }
    check(raw, 'raw');
    check(domain, 'domain');
    check(bare, 'foundation only');
    const rate = (ms: number) => MOVES / (ms / 1000);
    const line = (label: string, ms: number) =>
      console.log(`${label.padEnd(52)} ${rate(ms).toFixed(0).padStart(6)} events/s  ${((ms / MOVES) * 1000).toFixed(0).padStart(5)} µs/event  ratio to raw ${(ms / rawMs).toFixed(2)}×`);
    line('raw prepared statements (card + event + activity + job)', rawMs);
    line('moveCard, foundation only (fan-out job, no area hooks)', bareMs);
    line(`moveCard, as registered (${hooks} in-tx hooks, ${jobs} follow-ups)`, domainMs);
    bare.sqlite.close();
    domain.sqlite.close();
    raw.sqlite.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
