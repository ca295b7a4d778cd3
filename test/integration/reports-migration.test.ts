// Migration 0004 (reports), on each store's own DDL: a store at version 3 with events in it is migrated to 4; the
// rollups count the events already there, the new tables carry account_id (STRICT on SQLite; booleans and JSONB
// on PostgreSQL), and the triggers keep rollups exact from then on.
import { describe, expect, it } from 'vitest';
import { migrate, openStore, schemaVersion } from '../../db/open.ts';
import { checkRollups, dumpRollups, rebuildRollups } from '../../db/reports.ts';
import { onPostgres, onSqlite, sqlCount, sqlRow, sqlRows, tempLocation } from '../support/workspace.ts';

const ids = Array.from({ length: 40 }, (_, i) => `019a0000-0000-7000-8000-${String(i + 1).padStart(12, '0')}`);
const DAY = 86_400_000;
const NEW_TABLES = ['report_daily', 'report_user_daily', 'tracking_events', 'notifications', 'notification_reads', 'report_settings', 'user_preferences', 'activity_last_seen'];

describe('migration 0004 (reports)', () => {
  it('creates its tables, counts the events recorded before it, and keeps counting deletions', async () => {
    const s = await openStore(await tempLocation(), { migrate: false, check: false });
    try {
      await migrate(s, { upTo: 3 });
      expect(await schemaVersion(s)).toBe(3);
      const [acc, ana, bo, proj, board, col, card] = ids;
      const sql = (text: string, ...params: unknown[]) => sqlRows(s, text, ...params);
      await sql('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, 0)', acc, 'Acme');
      await sql('INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, ?, ?, 0), (?, ?, ?, ?, 0)', ana, acc, 'Ana', 'ana@x.test', bo, acc, 'Bo', 'bo@x.test');
      await sql("INSERT INTO memberships (id, account_id, user_id, role, created_at) VALUES (?, ?, ?, 'owner', 0), (?, ?, ?, 'member', 0)", ids[20], acc, ana, ids[21], acc, bo);
      await sql('INSERT INTO projects (id, account_id, name, created_at) VALUES (?, ?, ?, 0)', proj, acc, 'Web');
      await sql('INSERT INTO boards (id, account_id, project_id, name, created_at) VALUES (?, ?, ?, ?, 0)', board, acc, proj, 'Design');
      await sql('INSERT INTO columns (id, account_id, board_id, name, position, created_at) VALUES (?, ?, ?, ?, 0, 0), (?, ?, ?, ?, 1, 0)', col, acc, board, 'To do', ids[22], acc, board, 'Done');
      await sql('INSERT INTO cards (id, account_id, board_id, column_id, position, title, creator_id, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, 0, 0)', card, acc, board, col, 'Fix login', ana);
      // Three moves (two on day 10 by Ana, one on day 11 by Bo) and an invitation on day 11, with their activities.
      const moves: [string, string, number][] = [[ids[10], ana, 10 * DAY + 5], [ids[11], ana, 10 * DAY + 9], [ids[12], bo, 11 * DAY]];
      for (const [id, who, at] of moves) {
        await sql(
          'INSERT INTO card_moved (id, account_id, creator_id, created_at, card_id, from_column_id, to_column_id, from_position, to_position) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)',
          id, acc, who, at, card, col, ids[22],
        );
        await sql(
          "INSERT INTO activities (id, account_id, subject_type, subject_id, creator_id, board_id, project_id, created_at) VALUES (?, ?, 'card_moved', ?, ?, ?, ?, ?)",
          `a${id.slice(1)}`, acc, id, who, board, proj, at,
        );
      }
      await sql("INSERT INTO member_invited (id, account_id, creator_id, created_at, membership_id, invitee_id, role) VALUES (?, ?, ?, ?, ?, ?, 'member')", ids[13], acc, ana, 11 * DAY + 1, ids[21], bo);
      await sql(
        "INSERT INTO activities (id, account_id, subject_type, subject_id, creator_id, board_id, project_id, created_at) VALUES (?, ?, 'member_invited', ?, ?, NULL, NULL, ?)",
        ids[14], acc, ids[13], ana, 11 * DAY + 1,
      );

      await migrate(s, { upTo: 4 });
      expect(await schemaVersion(s)).toBe(4);
      if (onSqlite) {
        for (const t of NEW_TABLES) {
          const ddl = (await sqlRow<{ sql: string }>(s, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, t)).sql;
          expect(ddl, t).toMatch(/\bSTRICT\b/);
          expect(ddl, t).toMatch(/account_id TEXT NOT NULL/);
        }
      }
      if (onPostgres) {
        const columns = await sqlRows<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
          s,
          `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, column_name`,
        );
        const col = (t: string, c: string) => columns.find((x) => x.table_name === t && x.column_name === c);
        for (const t of NEW_TABLES) expect(col(t, 'account_id'), t).toMatchObject({ data_type: 'text', is_nullable: 'NO' });
        expect(col('tracking_events', 'metadata')?.data_type).toBe('jsonb');
        expect(col('tracking_events', 'created_at')?.data_type).toBe('bigint');
        expect(col('report_settings', 'tracking_enabled')?.data_type).toBe('boolean');
        expect(col('user_preferences', 'os_notifications')?.data_type).toBe('boolean');
      }
      const daily = await sqlRows(s, `SELECT scope, day, event_type, count FROM report_daily ORDER BY scope, day, event_type`);
      expect(daily).toEqual([
        { scope: 'account', day: 10, event_type: 'card_moved', count: 2 },
        { scope: 'account', day: 11, event_type: 'card_moved', count: 1 },
        { scope: 'account', day: 11, event_type: 'member_invited', count: 1 },
        { scope: 'board', day: 10, event_type: 'card_moved', count: 2 },
        { scope: 'board', day: 11, event_type: 'card_moved', count: 1 },
        { scope: 'project', day: 10, event_type: 'card_moved', count: 2 },
        { scope: 'project', day: 11, event_type: 'card_moved', count: 1 },
      ]);
      expect(await sqlCount(s, `SELECT sum(count) AS n FROM report_user_daily WHERE scope = 'board' AND user_id = ?`, ana)).toBe(2);

      // Deleting an event row removes its activity and decrements every scope; empty cells disappear.
      await sql('DELETE FROM card_moved WHERE id = ?', ids[12]);
      expect(await sqlCount(s, `SELECT count(*) AS n FROM activities WHERE subject_id = ?`, ids[12])).toBe(0);
      expect(await sqlCount(s, `SELECT count(*) AS n FROM report_daily WHERE day = 11 AND event_type = 'card_moved'`)).toBe(0);
      expect(await sqlCount(s, `SELECT count(*) AS n FROM report_user_daily WHERE user_id = ?`, bo)).toBe(0);
      const maintained = await dumpRollups(s);
      expect(maintained).toHaveLength(8);
      expect((await checkRollups(s)).rebuilt).toEqual(maintained);
      await rebuildRollups(s);
      expect(await dumpRollups(s)).toEqual(maintained);
    } finally {
      await s.close();
    }
  });
});
