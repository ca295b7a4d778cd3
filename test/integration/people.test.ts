// People and permissions (issue 9): the role matrix over every contract method, the attack sequence of the issue
// refused step by step, invitations (accept, decline, revoke), and access changes as audit events.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { invoke, roleRefusal } from '../../main/rpc.ts';
import { methods, type MethodName } from '../../preload/contract.ts';
import { roleAllows, roles, type RoleName } from '../../preload/contract/common.ts';
import { accessEventTableNames } from '../../preload/contract/foundation.ts';
import { addMember, callerAs } from '../support/people.ts';
import { caller, onPostgres, openTestApp, sqlCount, sqlRow, sqlRows, tableCounts } from '../support/workspace.ts';

describe('the role matrix', () => {
  let app: App;
  let accountId: string;
  const who = {} as Record<RoleName, string>;

  beforeAll(async () => {
    app = await openTestApp({ events: 120 });
    const owner = await caller(app);
    accountId = owner.slot.session!.accountId;
    const members = (await owner.call('members.list', {})).items;
    for (const role of roles) {
      const m = members.find((x) => x.role === role);
      who[role] = m ? m.user.id : await addMember(app, owner, { email: `${role}@matrix.test`, name: `The ${role}`, role: role as 'admin' | 'member' | 'viewer' });
    }
  });
  afterAll(async () => {
    await app.close();
  });

  it('every method declares a role, and the roles the issue names are the ones declared', () => {
    for (const [name, spec] of Object.entries(methods)) expect([...roles, 'anyone'], name).toContain(spec.role);
    // Spot checks written by hand (the matrix below is generated from the contract, so these pin its meaning).
    const need = (m: MethodName) => methods[m].role;
    expect(need('webhooks.endpoints.create')).toBe('admin'); // a member sees no "New endpoint"
    expect(need('cards.move')).toBe('member'); // a viewer has no "Move…"
    expect(need('members.invite')).toBe('admin'); // a viewer cannot invite an admin
    expect(need('tokens.create')).toBe('admin');
    expect(need('members.transferOwnership')).toBe('owner');
    expect(need('activity.list')).toBe('viewer');
    expect(need('session.switchUser')).toBe('viewer');
    expect(methods['session.switchUser']).toMatchObject({ demo: true });
  });

  it('calls every method with every role: the roles below the minimum are refused with a sentence and nothing is written', async () => {
    const names = Object.keys(methods) as MethodName[];
    let refused = 0;
    let allowed = 0;
    for (const method of names) {
      const spec = methods[method];
      const before = await tableCounts(app);
      for (const role of roles) {
        if (roleAllows(role, spec.role)) continue;
        // Input that would pass validation is irrelevant: the role is checked first (an empty input here).
        const r = await invoke(app, { session: { accountId, userId: who[role] } }, method, {});
        expect(r.ok, `${method} as ${role}`).toBe(false);
        if (!r.ok) {
          expect(r.error.code, `${method} as ${role}`).toBe('forbidden');
          expect(r.error.message).toBe(roleRefusal(spec.role as RoleName, role).message);
          expect(r.error.message).toMatch(/^(Only|Viewers)/);
        }
        refused++;
      }
      expect(await tableCounts(app), `${method}: a refusal wrote something`).toEqual(before);
      for (const role of roles) {
        if (!roleAllows(role, spec.role)) continue;
        // Allowed roles get past the check: whatever happens next (an invalid empty input, a missing id), it is not
        // the role refusal. Fresh sessions each time: a switching method must not change the next call's person.
        const r = await invoke(app, { session: { accountId, userId: who[role] } }, method, {});
        if (!r.ok) expect(r.error.message, `${method} as ${role}`).not.toBe(roleRefusal(spec.role === 'anyone' ? 'viewer' : spec.role, role).message);
        allowed++;
      }
    }
    // 4 roles per method: as many checks as the contract has methods × roles.
    expect(refused + allowed).toBe(names.length * roles.length);
    expect(refused).toBeGreaterThan(40);
  });

  it('a member is refused webhook management and a viewer is refused moving cards, with their sentences', async () => {
    const member = await callerAs(app, accountId, who.member);
    const ep = await member.raw('webhooks.endpoints.create', { url: 'https://hooks.example.com/x', eventTypes: ['*'] });
    expect(ep).toEqual({ ok: false, error: { code: 'forbidden', message: 'Only owners and admins of this account can do this; you are a member.' } });
    const viewer = await callerAs(app, accountId, who.viewer);
    const move = await viewer.raw('cards.move', { cardId: '019a0000-0000-7000-8000-000000000001', toColumnId: '019a0000-0000-7000-8000-000000000002' });
    expect(move).toEqual({ ok: false, error: { code: 'forbidden', message: 'Viewers can read this account but not change it: this needs the member role or higher.' } });
  });
});

describe('the attack sequence of the issue, refused step by step', () => {
  let app: App;
  beforeAll(async () => {
    app = await openTestApp({ demo: false });
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses each step and changes nothing when refused', async () => {
    // 0. An empty workspace: workspace.create answers with the person and account it made (it used to answer 404).
    const ana = await caller(app, { session: null });
    const made = await ana.call('workspace.create', { accountName: 'Acme', userName: 'Ana Lima', email: 'ana@acme.test' });
    expect(made).toMatchObject({ user: { name: 'Ana Lima', email: 'ana@acme.test' }, account: { name: 'Acme' } });
    expect(ana.slot.session).toEqual({ accountId: made.account.id, userId: made.user.id });
    const acme = made.account.id;
    const vic = await addMember(app, ana, { email: 'vic@acme.test', name: 'Vic Viewer', role: 'viewer' });
    const v = await callerAs(app, acme, vic);
    const refusedWithoutWrites = async (run: () => Promise<{ ok: boolean; error?: { code: string; message: string } }>, code: string, message: RegExp) => {
      const before = await tableCounts(app);
      const r = await run();
      expect(r.ok).toBe(false);
      expect(r.error).toMatchObject({ code });
      expect(r.error!.message).toMatch(message);
      expect(await tableCounts(app)).toEqual(before);
    };

    // 1. A viewer switching to the owner: not a demo workspace, so nobody acts as someone else.
    await refusedWithoutWrites(() => v.raw('session.switchUser', { userId: made.user.id }), 'forbidden', /only possible in a demo/);
    expect(v.slot.session).toEqual({ accountId: acme, userId: vic });
    expect((await v.call('session.get', {})).role).toBe('viewer');

    // 2. A viewer creating a project and inviting an admin.
    await refusedWithoutWrites(() => v.raw('projects.create', { name: 'Mine now' }), 'forbidden', /^Viewers can read/);
    await refusedWithoutWrites(() => v.raw('members.invite', { email: 'eve@evil.test', name: 'Eve', role: 'admin' }), 'forbidden', /^Only owners and admins/);

    // 3. A new account made with an existing person's e-mail does not make its caller that person.
    const mal = await caller(app, { session: null });
    await refusedWithoutWrites(() => mal.raw('workspace.create', { accountName: 'Evil', userName: 'Ana Lima', email: 'ANA@acme.test' }), 'conflict', /already belongs to someone/);
    expect(mal.slot.session).toBeNull();
    const evil = await mal.call('workspace.create', { accountName: 'Evil', userName: 'Mal', email: 'mal@evil.test' });
    expect(evil.user.email).toBe('mal@evil.test');
    await refusedWithoutWrites(() => mal.raw('workspace.create', { accountName: 'Evil 2', userName: 'Ana', email: 'ana@acme.test' }), 'conflict', /Give your own e-mail \(mal@evil\.test\)/);

    // 4. That account inviting Ana makes a pending invitation: she is not attached, and nobody can switch to her.
    const inv = await mal.call('members.invite', { email: 'ana@acme.test', name: 'Ana', role: 'member' });
    expect(inv).toMatchObject({ status: 'pending', invitee: { id: made.user.id } });
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM memberships WHERE account_id = ? AND user_id = ?', evil.account.id, made.user.id)).toBe(0);
    await refusedWithoutWrites(() => mal.raw('session.switchUser', { userId: made.user.id }), 'forbidden', /only possible in a demo/);
    await refusedWithoutWrites(() => mal.raw('session.switchAccount', { accountId: acme }), 'not_found', /account was not found/);
    // Mal's session never reached Acme: every read there is refused.
    await refusedWithoutWrites(() => invoke(app, { session: { accountId: acme, userId: evil.user.id } }, 'members.list', {}), 'not_found', /not found among yours/);

    // 5. Ana sees the invitation in her inbox (Acme) and decides; until then nothing changed for her.
    const inbox = (await ana.call('invitations.list', {})).mine;
    expect(inbox.map((i) => [i.id, i.account.name, i.status])).toEqual([[inv.id, 'Evil', 'pending']]);
    expect((await ana.call('invitations.decline', { invitationId: inv.id })).status).toBe('declined');
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM memberships WHERE user_id = ?', made.user.id)).toBe(1);
  });

  it('switching answers with the person and account switched to, and each switch is recorded (demo only)', async () => {
    const demo = await openTestApp({ events: 40 });
    try {
      const c = await caller(demo);
      const me = (await c.call('session.get', {})).user.id;
      expect((await c.call('session.get', {})).demo).toBe(true);
      const other = (await c.call('members.list', {})).items.find((m) => m.user.id !== me)!;
      const before = await sqlCount(demo, 'SELECT count(*) AS n FROM session_switched');
      const r = await c.call('session.switchUser', { userId: other.user.id });
      expect(r.user.id).toBe(other.user.id);
      expect((await c.call('session.get', {})).user.id).toBe(other.user.id);
      expect(await sqlRow(demo, 'SELECT from_user_id, to_user_id, creator_id FROM session_switched ORDER BY id DESC LIMIT 1')).toEqual({ from_user_id: me, to_user_id: other.user.id, creator_id: me });
      expect(await sqlCount(demo, 'SELECT count(*) AS n FROM session_switched')).toBe(before + 1);
      const { accounts, account } = await c.call('session.get', {});
      const elsewhere = accounts.find((a) => a.id !== account.id);
      if (elsewhere) expect((await c.call('session.switchAccount', { accountId: elsewhere.id })).account).toEqual(elsewhere);
    } finally {
      await demo.close();
    }
  });
});

describe('invitations', () => {
  let app: App;
  let owner: Awaited<ReturnType<typeof caller>>;
  let acme: string;
  let globex: string;
  let gus: string;

  beforeAll(async () => {
    app = await openTestApp({ events: 80 });
    owner = await caller(app);
    acme = owner.slot.session!.accountId;
    gus = (await sqlRow<{ id: string }>(app, "SELECT id FROM users WHERE email = 'gus@globex.test'")).id;
    globex = (await sqlRow<{ account_id: string }>(app, 'SELECT account_id FROM memberships WHERE user_id = ?', gus)).account_id;
  });
  afterAll(async () => {
    await app.close();
  });

  it('accept from the inbox: the membership begins with the invited role; answered once only', async () => {
    const inv = await owner.call('members.invite', { email: 'gus@globex.test', name: 'Gus', role: 'viewer' });
    const g = await callerAs(app, globex, gus);
    const mine = (await g.call('invitations.list', {})).mine;
    expect(mine.map((i) => ({ id: i.id, account: i.account.id, role: i.role, status: i.status }))).toEqual([{ id: inv.id, account: acme, role: 'viewer', status: 'pending' }]);
    // Someone else cannot answer it by id (it is not theirs): not found, nothing written.
    const before = await tableCounts(app);
    expect(await owner.raw('invitations.accept', { invitationId: inv.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await tableCounts(app)).toEqual(before);

    const accepted = await g.call('invitations.accept', { invitationId: inv.id });
    expect(accepted).toMatchObject({ account: { id: acme }, member: { role: 'viewer', user: { id: gus } } });
    expect(await sqlRow(app, 'SELECT role FROM memberships WHERE account_id = ? AND user_id = ?', acme, gus)).toEqual({ role: 'viewer' });
    expect(await sqlRow(app, 'SELECT status, decided_by, join_token_hash FROM invitations WHERE id = ?', inv.id)).toEqual({ status: 'accepted', decided_by: gus, join_token_hash: null });
    expect(await sqlRow(app, 'SELECT creator_id, role, account_id FROM invitation_accepted WHERE invitation_id = ?', inv.id)).toEqual({ creator_id: gus, role: 'viewer', account_id: acme });
    // Twice: refused, and the join token died with the first answer.
    expect(await g.raw('invitations.accept', { invitationId: inv.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await invoke(app, { session: null }, 'invitations.accept', { joinToken: inv.joinToken })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  it('a join token accepts for whoever holds it, once; on a hub the new member also gets a personal access token', async () => {
    const inv = await owner.call('members.invite', { email: 'jo.new@new.test', name: 'Jo New', role: 'member' });
    const r = await invoke(app, { session: null }, 'invitations.accept', { joinToken: inv.joinToken });
    if (!r.ok) throw new Error(r.error.message);
    const result = r.result as { member: { role: string; user: { id: string } }; token?: string };
    expect(result.member).toMatchObject({ role: 'member', user: { id: inv.invitee.id } });
    if (onPostgres) {
      expect(result.token).toMatch(/^chr_[A-Za-z0-9_-]{43}$/);
      expect(await sqlRow(app, 'SELECT user_id, account_id FROM access_tokens WHERE token_hash = ?', createHash('sha256').update(result.token!).digest('hex'))).toEqual({ user_id: inv.invitee.id, account_id: acme });
      expect(await sqlRow(app, 'SELECT source, person_id FROM token_created WHERE person_id = ?', inv.invitee.id)).toEqual({ source: 'invitation', person_id: inv.invitee.id });
    } else {
      expect(result.token).toBeUndefined();
    }
  });

  it('decline and revoke: no membership, each recorded', async () => {
    const a = await owner.call('members.invite', { email: 'dee@new.test', name: 'Dee', role: 'member' });
    const declined = await invoke(app, { session: null }, 'invitations.decline', { joinToken: a.joinToken });
    expect(declined).toMatchObject({ ok: true, result: { status: 'declined' } });
    const b = await owner.call('members.invite', { email: 'rae@new.test', name: 'Rae', role: 'admin' });
    expect((await owner.call('invitations.revoke', { invitationId: b.id })).status).toBe('revoked');
    expect(await invoke(app, { session: null }, 'invitations.accept', { joinToken: b.joinToken })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    for (const id of [a.invitee.id, b.invitee.id]) expect(await sqlCount(app, 'SELECT count(*) AS n FROM memberships WHERE user_id = ?', id)).toBe(0);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM invitation_declined WHERE invitation_id = ?', a.id)).toBe(1);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM invitation_revoked WHERE invitation_id = ?', b.id)).toBe(1);
    // A member cannot revoke (admins do), and the refusal writes nothing.
    const c = await owner.call('members.invite', { email: 'sol@new.test', name: 'Sol', role: 'viewer' });
    const memberId = (await owner.call('members.list', {})).items.find((m) => m.role === 'member')!.user.id;
    const before = await tableCounts(app);
    expect(await (await callerAs(app, acme, memberId)).raw('invitations.revoke', { invitationId: c.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await tableCounts(app)).toEqual(before);
  });

  it('role changes and ownership moves are access events in the chained trail', async () => {
    const id = await addMember(app, owner, { email: 'rolf@new.test', name: 'Rolf', role: 'member' });
    expect((await owner.call('members.setRole', { userId: id, role: 'admin' })).role).toBe('admin');
    expect(await sqlRow(app, 'SELECT from_role, to_role, member_id FROM member_role_changed ORDER BY id DESC LIMIT 1')).toEqual({ from_role: 'member', to_role: 'admin', member_id: id });
    const access = await owner.call('activity.list', { types: [...accessEventTableNames], limit: 20 });
    expect(access.items.map((i) => i.subjectType)).toEqual(expect.arrayContaining(['member_role_changed', 'invitation_accepted', 'invitation_sent']));
    expect(access.items[0].description).toBe("Ana Lima changed Rolf's role from member to admin");
    expect((await owner.call('audit.verify', {})).ok).toBe(true);
    const links = await sqlRows<{ event_table: string }>(app, "SELECT event_table FROM audit_chain WHERE account_id = ? AND event_table IN ('member_role_changed', 'invitation_sent', 'invitation_accepted', 'invitation_declined', 'invitation_revoked')", acme);
    expect(links.length).toBeGreaterThanOrEqual(6);
  });
});
