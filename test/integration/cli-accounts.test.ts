// `--account` takes an account's id or its name in every command that has it (audit verify, audit export,
// reports), on a workspace file and on a hub; a name two accounts share is refused with their ids.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../main/demo.ts';
import { openTestApp, sqlRows, tempDir, tempLocation } from '../support/workspace.ts';

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['main/bin/chronicle.mjs', ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

let location: string;
let acme: { id: string; name: string };
let globex: { id: string; name: string };
const keys = tempDir('chronicle-cli-keys-');

beforeAll(async () => {
  location = await tempLocation();
  const app = await openTestApp({ location, events: 120, dataDir: keys });
  const accounts = await sqlRows<{ id: string; name: string }>(app, 'SELECT id, name FROM accounts ORDER BY name, id');
  acme = accounts.find((a) => a.name === 'Acme Product')!;
  globex = accounts.find((a) => a.name === 'Globex Ops')!;
  await app.close();
});

describe('--account ID|NAME', { timeout: 120_000 }, () => {
  it('audit verify, audit export and reports accept an id or a name', async () => {
    const byName = await run(['audit', 'verify', '--db', location, '--account', 'Globex Ops']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toContain(`ok      Globex Ops (${globex.id})`);
    expect(byName.stdout).not.toContain('Acme Product');
    const byId = await run(['audit', 'verify', '--db', location, '--account', acme.id]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toContain(`ok      Acme Product (${acme.id})`);

    const out = path.join(tempDir(), 'globex.chronicle-bundle');
    const exported = await run(['audit', 'export', '--db', location, '--data-dir', keys, '--account', 'globex ops', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`account      Globex Ops (${globex.id})`);

    const reportById = await run(['reports', '--db', location, '--days', '3660', '--account', acme.id]);
    expect(reportById.code, reportById.stderr).toBe(0);
    expect(JSON.parse(reportById.stdout).account).toBe('Acme Product');
    const reportByName = await run(['reports', '--db', location, '--days', '3660', '--account', 'Globex Ops']);
    expect(reportByName.code, reportByName.stderr).toBe(0);
    expect(JSON.parse(reportByName.stdout).account).toBe('Globex Ops');

    const unknown = await run(['reports', '--db', location, '--account', 'Initech']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no account with the id or name “Initech”');
    expect(unknown.stderr).toContain(acme.id);
  });

  it('a name two accounts share is refused in every command, with both ids', async () => {
    const { openStore } = await import('../../db/open.ts');
    const store = await openStore(location);
    const twin = await createAccount(store, { name: 'Acme Product', owner: { name: 'Tom Twin', email: 'tom@twin.test' } });
    await store.close();
    for (const args of [
      ['audit', 'verify', '--db', location, '--account', 'Acme Product'],
      ['audit', 'export', '--db', location, '--data-dir', keys, '--account', 'Acme Product', '--out', path.join(tempDir(), 'x.chronicle-bundle')],
      ['reports', '--db', location, '--account', 'Acme Product'],
    ]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(2);
      expect(r.stderr).toContain('2 accounts in');
      expect(r.stderr).toContain('are named “Acme Product”');
      expect(r.stderr).toContain(acme.id);
      expect(r.stderr).toContain(twin.accountId);
    }
    // Either of them by id still works.
    const one = await run(['audit', 'verify', '--db', location, '--account', twin.accountId]);
    expect(one.code, one.stderr).toBe(0);
  });
});


