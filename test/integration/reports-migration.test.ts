// Migration 0004 (reports): a file at version 3 with events in it is migrated to 4; the rollups count the events
// already there, the new tables are STRICT with account_id, and the triggers keep rollups exact from then on.
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase, schemaVersion } from '../../db/open.ts';
import { dumpRollups, rebuildRollups } from '../../db/reports.ts';
import { tempDbFile } from '../support/workspace.ts';

const ids = Array.from({ length: 40 }, (_, i) => `019a0000-0000-7000-8000-${String(i + 1).padStart(12, '0')}`);
const DAY = 86_400_000;

describe('migration 0004 (reports)', () => {
  it('creates its tables, counts the events recorded before it, and keeps counting deletions', () => {
    const file = tempDbFile();
    const s = openDatabase(file, { migrate: false });
    migrate(s, file, 3);
    expect(schemaVersion(s)).toBe(3);
    const [acc, ana, bo, proj, board, col, card] = ids;
    s.exec(`
      INSERT INTO accounts VALUES ('${acc}', 'Acme', 0);
      INSERT INTO users VALUES ('${ana}', '${acc}', 'Ana', 'ana@x.test', 0), ('${bo}', '${acc}', 'Bo', 'bo@x.test', 0);
      INSERT INTO memberships VALUES ('${ids[20]}', '${acc}', '${ana}', 'owner', 0), ('${ids[21]}', '${acc}', '${bo}', 'member', 0);
      INSERT INTO projects (id, account_id, name, created_at) VALUES ('${proj}', '${acc}', 'Web', 0);
      INSERT INTO boards VALUES ('${board}', '${acc}', '${proj}', 'Design', 0);
      INSERT INTO columns VALUES ('${col}', '${acc}', '${board}', 'To do', 0, 0), ('${ids[22]}', '${acc}', '${board}', 'Done', 1, 0);
      INSERT INTO cards (id, account_id, board_id, column_id, position, title, creator_id, created_at, updated_at)
        VALUES ('${card}', '${acc}', '${board}', '${col}', 0, 'Fix login', '${ana}', 0, 0);
    `);
    // Three moves (two on day 10 by Ana, one on day 11 by Bo) and an invitation on day 11, with their activities.
    const moves: [string, string, number][] = [[ids[10], ana, 10 * DAY + 5], [ids[11], ana, 10 * DAY + 9], [ids[12], bo, 11 * DAY]];
    for (const [id, who, at] of moves) {
      s.prepare(`INSERT INTO card_moved VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)`).run(id, acc, who, at, card, col, ids[22]);
      s.prepare(`INSERT INTO activities VALUES (?, ?, 'card_moved', ?, ?, ?, ?, ?)`).run(`a${id.slice(1)}`, acc, id, who, board, proj, at);
    }
    s.prepare(`INSERT INTO member_invited VALUES (?, ?, ?, ?, ?, ?, 'member')`).run(ids[13], acc, ana, 11 * DAY + 1, ids[21], bo);
    s.prepare(`INSERT INTO activities VALUES (?, ?, 'member_invited', ?, ?, NULL, NULL, ?)`).run(ids[14], acc, ids[13], ana, 11 * DAY + 1);

    migrate(s, file, 4);
    expect(schemaVersion(s)).toBe(4);
    for (const t of ['report_daily', 'report_user_daily', 'tracking_events', 'notifications', 'notification_reads', 'report_settings', 'user_preferences', 'activity_last_seen']) {
      const sql = (s.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t) as { sql: string }).sql;
      expect(sql, t).toMatch(/\bSTRICT\b/);
      expect(sql, t).toMatch(/account_id TEXT NOT NULL/);
    }
    const daily = s.prepare(`SELECT scope, day, event_type, count FROM report_daily ORDER BY scope, day, event_type`).all();
    expect(daily).toEqual([
      { scope: 'account', day: 10, event_type: 'card_moved', count: 2 },
      { scope: 'account', day: 11, event_type: 'card_moved', count: 1 },
      { scope: 'account', day: 11, event_type: 'member_invited', count: 1 },
      { scope: 'board', day: 10, event_type: 'card_moved', count: 2 },
      { scope: 'board', day: 11, event_type: 'card_moved', count: 1 },
      { scope: 'project', day: 10, event_type: 'card_moved', count: 2 },
      { scope: 'project', day: 11, event_type: 'card_moved', count: 1 },
    ]);
    const anaOnBoard = s.prepare(`SELECT sum(count) AS n FROM report_user_daily WHERE scope = 'board' AND user_id = ?`).get(ana) as { n: number };
    expect(anaOnBoard.n).toBe(2);

    // Deleting an event row removes its activity and decrements every scope; empty cells disappear.
    s.prepare('DELETE FROM card_moved WHERE id = ?').run(ids[12]);
    expect(s.prepare(`SELECT count(*) AS n FROM report_daily WHERE day = 11 AND event_type = 'card_moved'`).get()).toEqual({ n: 0 });
    expect(s.prepare(`SELECT count(*) AS n FROM report_user_daily WHERE user_id = ?`).get(bo)).toEqual({ n: 0 });
    const maintained = dumpRollups(s);
    rebuildRollups(s);
    expect(dumpRollups(s)).toEqual(maintained);
    s.close();
  });
});
