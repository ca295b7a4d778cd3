// Personal access tokens (issue 9): created by owners and admins for a member, shown once, kept as a hash only,
// used through the real host on 127.0.0.1 (a Bearer token is its person, fixed), last use shown, revoked at once;
// the host's own token keeps working for the local desktop. And `chronicle tokens` from the shell.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { addMember, callerAs } from '../support/people.ts';
import { caller, onSqlite, openTestApp, openTestHost, sqlCount, sqlRow, sqlRows, tableCounts, tableNames } from '../support/workspace.ts';

let app: App;
let hostHandle: Awaited<ReturnType<typeof openTestHost>>;
let owner: Awaited<ReturnType<typeof caller>>;
let accountId: string;
let kim: string;

beforeAll(async () => {
  app = await openTestApp({ events: 60 });
  owner = await caller(app);
  accountId = owner.slot.session!.accountId;
  kim = await addMember(app, owner, { email: 'kim@tokens.test', name: 'Kim Member', role: 'member' });
  hostHandle = await openTestHost(app);
});
afterAll(async () => {
  await hostHandle.host.close();
  await app.close();
});

/** Every text value of every table, to prove a secret is nowhere at rest. */
async function everyStoredText(): Promise<string> {
  const parts: string[] = [];
  for (const t of await tableNames(app)) for (const r of await sqlRows(app, `SELECT * FROM "${t}"`)) parts.push(JSON.stringify(r));
  return parts.join('\n');
}

describe('personal access tokens', () => {
  it('lifecycle: create (shown once, hash only at rest), use through the host, last used, revoke', async () => {
    const created = await owner.call('tokens.create', { userId: kim, name: 'Kim’s laptop' });
    expect(created.token).toMatch(/^chr_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'Kim’s laptop', person: { id: kim, name: 'Kim Member' }, role: 'member', lastUsedAt: null, revokedAt: null });
    expect(created.prefix).toBe(`${created.token.slice(0, 10)}…`);
    // Shown once: the list never carries it; at rest only its SHA-256.
    const listed = (await owner.call('tokens.list', {})).items.find((t) => t.id === created.id)!;
    expect(listed).not.toHaveProperty('token');
    expect(JSON.stringify(await owner.call('tokens.list', { includeRevoked: true }))).not.toContain(created.token);
    expect(await sqlRow(app, 'SELECT token_hash FROM access_tokens WHERE id = ?', created.id)).toEqual({ token_hash: createHash('sha256').update(created.token).digest('hex') });
    expect(await everyStoredText()).not.toContain(created.token.slice(4));

    // Used through the host: the token is Kim, in her account, and cannot become anyone else.
    const c = hostHandle.client();
    const me = await c.post('session.get', {}, created.token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: kim }, account: { id: accountId }, role: 'member', fixed: true, accounts: [{ id: accountId }] });
    const switched = await c.post('session.switchUser', { userId: owner.slot.session!.userId }, created.token);
    expect(switched.status).toBe(403);
    expect(switched.body.error.message).toMatch(/personal access token acts for one person/);
    // Kim's role applies: a member cannot create an endpoint.
    expect((await c.post('webhooks.endpoints.create', { url: 'https://hooks.example.com/a', eventTypes: ['*'] }, created.token)).status).toBe(403);
    const used = (await owner.call('tokens.list', {})).items.find((t) => t.id === created.id)!;
    expect(used.lastUsedAt).not.toBeNull();
    expect(Date.parse(used.lastUsedAt!)).toBeLessThanOrEqual(Date.now());

    // The host's own token still works for the local desktop (its own session).
    const desk = await c.post('session.get', {});
    expect(desk.status).toBe(200);
    expect(desk.body).toMatchObject({ user: { id: owner.slot.session!.userId }, fixed: false });

    // Revoked: the next request with it is refused; the row stays (who, when), and both changes are audit events.
    const revoked = await owner.call('tokens.revoke', { tokenId: created.id });
    expect(revoked.revokedAt).not.toBeNull();
    const after = await c.post('session.get', {}, created.token);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    expect((await owner.call('tokens.list', {})).items.some((t) => t.id === created.id)).toBe(false);
    expect(await sqlRow(app, 'SELECT person_id, source FROM token_created WHERE token_id = ?', created.id)).toEqual({ person_id: kim, source: 'console' });
    expect(await sqlRow(app, 'SELECT person_id, creator_id FROM token_revoked WHERE token_id = ?', created.id)).toEqual({ person_id: kim, creator_id: owner.slot.session!.userId });
    expect((await owner.call('audit.verify', {})).ok).toBe(true);
  });

  it('members cannot make tokens (nothing written); they see only their own', async () => {
    const made = await owner.call('tokens.create', { userId: kim, name: 'Second' });
    await owner.call('tokens.create', { userId: owner.slot.session!.userId, name: 'Owner’s own' });
    const k = await callerAs(app, accountId, kim);
    const before = await tableCounts(app);
    const r = await k.raw('tokens.create', { userId: kim, name: 'Sneaky' });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await tableCounts(app)).toEqual(before);
    // Only Kim's own (on a hub she also holds the token she got on joining).
    const own = (await k.call('tokens.list', {})).items;
    expect(own.length).toBeGreaterThanOrEqual(1);
    expect(new Set(own.map((t) => t.person.id))).toEqual(new Set([kim]));
    expect((await k.call('tokens.list', {})).items.map((t) => t.id)).toContain(made.id);
    // A token for someone who is not in the account is not found.
    const outsider = (await sqlRow<{ id: string }>(app, "SELECT id FROM users WHERE email = 'gus@globex.test'")).id;
    expect(await owner.raw('tokens.create', { userId: outsider, name: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('a wrong or malformed token is refused like no token', async () => {
    const c = hostHandle.client();
    for (const bad of [`chr_${'A'.repeat(43)}`, 'chr_short', 'not-a-token']) {
      const r = await c.post('session.get', {}, bad);
      expect(r.status, bad).toBe(401);
    }
  });
});

describe.runIf(onSqlite)('chronicle tokens (the shell)', () => {
  const bin = path.resolve('main/bin/chronicle.mjs');
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, [bin, 'tokens', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', (code) => resolve({ code: code ?? 1, out, err }));
    });

  it('create prints the token once, list shows it without its value, revoke ends it', async () => {
    const file = app.location;
    const accountName = (await owner.call('session.get', {})).account.name;
    const made = await run(['create', '--db', file, '--account', accountName, '--email', 'kim@tokens.test', '--name', 'From the shell']);
    expect(made.code, made.err).toBe(0);
    const token = made.out.trim();
    expect(token).toMatch(/^chr_[A-Za-z0-9_-]{43}$/);
    const row = await sqlRow<{ id: string; name: string; user_id: string }>(app, 'SELECT id, name, user_id FROM access_tokens WHERE token_hash = ?', createHash('sha256').update(token).digest('hex'));
    expect(row).toMatchObject({ name: 'From the shell', user_id: kim });
    expect(await sqlRow(app, 'SELECT source FROM token_created WHERE token_id = ?', row.id)).toEqual({ source: 'shell' });
    const listed = await run(['list', '--db', file, '--account', accountName]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(row.id);
    expect(listed.out).toContain('Kim Member (member)');
    expect(listed.out).not.toContain(token);
    expect((await hostHandle.client().post('session.get', {}, token)).status).toBe(200);
    const revoked = await run(['revoke', '--db', file, '--account', accountName, '--id', row.id]);
    expect(revoked.code, revoked.err).toBe(0);
    expect((await hostHandle.client().post('session.get', {}, token)).status).toBe(401);
    // Mistakes are sentences with exit 2, not stack traces.
    const wrong = await run(['create', '--db', file, '--account', accountName, '--email', 'nobody@tokens.test']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/is not a member of/);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM token_revoked WHERE token_id = ?', row.id)).toBe(1);
  });
});
