// `chronicle reports`: the summary as JSON, and --check / --rebuild of the rollups, through the real CLI, on a
// SQLite file and on a hub's PostgreSQL database.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../db/open.ts';
import { dumpRollups } from '../../db/reports.ts';
import { openTestApp, sqlCount, sqlRows, tempLocation } from '../support/workspace.ts';

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['main/bin/chronicle.mjs', 'reports', ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('chronicle reports', () => {
  it('prints the summary, detects rollups that drifted (changing nothing), and rebuilds them', async () => {
    const location = await tempLocation();
    const app = await openTestApp({ location, events: 300 });
    const total = await sqlCount(app, 'SELECT count(*) AS n FROM activities a JOIN accounts c ON c.id = a.account_id WHERE c.name = ?', 'Acme Product');
    await app.close();

    const out = await run(['--db', location, '--days', '3660', '--account', 'Acme Product']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ account: 'Acme Product', total });

    const ok = await run(['--db', location, '--check']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: \d+ rollup rows maintained/);
    const store = await openStore(location);
    await sqlRows(store, "UPDATE report_daily SET count = count + 1 WHERE scope = 'account' AND day = (SELECT max(day) FROM report_daily)");
    const drifted = await dumpRollups(store);
    await store.close();
    const check = await run(['--db', location, '--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/differ from a rebuild/);
    const after = await openStore(location);
    expect(await dumpRollups(after)).toEqual(drifted); // --check left the store as it was
    await after.close();
    const rebuilt = await run(['--db', location, '--rebuild']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/^rebuilt: \d+ rollup rows/);
    expect((await run(['--db', location, '--check'])).code).toBe(0);
    expect((await run(['--db', location, '--from', '2026-13-01'])).code).toBe(2);
  });
});
