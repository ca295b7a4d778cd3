// A method that changes the caller's session answers for the new session (found by the shell start-up test:
// workspace.create committed the account and then answered not_found).
import { expect, it } from 'vitest';
import { caller, openTestApp } from '../support/workspace.ts';

it('workspace.create on an empty workspace answers with the new person and account', async () => {
  const app = await openTestApp({ demo: false });
  try {
    const { call } = await caller(app);
    const created = await call('workspace.create', { accountName: 'Fresh Co', userName: 'Fran First', email: 'fran@fresh.example' });
    expect(created).toMatchObject({ user: { name: 'Fran First' }, account: { name: 'Fresh Co' } });
  } finally {
    await app.close();
  }
});

it('session.switchAccount and session.switchUser answer with the session they switched to', async () => {
  const app = await openTestApp({ events: 20 });
  try {
    const { call } = await caller(app);
    const { accounts, account } = await call('session.get', {});
    const other = accounts.find((a) => a.id !== account.id)!;
    expect((await call('session.switchAccount', { accountId: other.id })).account).toEqual(other);
    const me = (await call('session.get', {})).user.id;
    const someoneElse = (await call('members.list', {})).items.find((m) => m.user.id !== me)!;
    expect((await call('session.switchUser', { userId: someoneElse.user.id })).user.id).toBe(someoneElse.user.id);
  } finally {
    await app.close();
  }
});
