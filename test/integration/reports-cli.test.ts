// `chronicle reports`: the summary as JSON, and --check / --rebuild of the rollups, through the real CLI.
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openTestApp, tempDbFile } from '../support/workspace.ts';

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['main/bin/chronicle.mjs', 'reports', ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('chronicle reports', () => {
  it('prints the summary, detects rollups that drifted, and rebuilds them', async () => {
    const file = tempDbFile();
    const app = await openTestApp({ dbFile: file, events: 300 });
    const total = (app.sqlite.prepare('SELECT count(*) AS n FROM activities a JOIN accounts c ON c.id = a.account_id WHERE c.name = ?').get('Acme Product') as { n: number }).n;
    await app.close();

    const out = await run(['--db', file, '--days', '3660', '--account', 'Acme Product']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ account: 'Acme Product', total });

    expect((await run(['--db', file, '--check'])).code).toBe(0);
    const db = new Database(file);
    db.prepare("UPDATE report_daily SET count = count + 1 WHERE scope = 'account' AND day = (SELECT max(day) FROM report_daily)").run();
    db.close();
    const drifted = await run(['--db', file, '--check']);
    expect(drifted.code).toBe(1);
    expect(drifted.stderr).toMatch(/differ from a rebuild/);
    expect((await run(['--db', file, '--rebuild'])).code).toBe(0);
    expect((await run(['--db', file, '--check'])).code).toBe(0);
    expect((await run(['--db', file, '--from', '2026-13-01'])).code).toBe(2);
  });
});
