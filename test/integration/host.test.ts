import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { openTestApp, openTestHost, sqlCount } from '../support/workspace.ts';

let app: App;
let t: Awaited<ReturnType<typeof openTestHost>>;

beforeAll(async () => {
  app = await openTestApp({ events: 300 });
  t = await openTestHost(app);
});
afterAll(async () => {
  await t.host.close();
  await app.close();
});

describe('browser host', () => {
  it('binds to loopback and prints a URL with the token', () => {
    expect(t.host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=test-token-0123456789$/);
  });

  it('refuses calls without the right token', async () => {
    const c = t.client();
    for (const token of [null, 'wrong-token-0123456789']) {
      const r = await c.post('session.get', {}, token);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('unauthorized');
    }
    const events = await fetch(`${t.base}/api/events`);
    expect(events.status).toBe(401);
  });

  it('answers session.get with user, account and accounts', async () => {
    const r = await t.client().post('session.get', {});
    expect(r.status).toBe(200);
    expect(r.body.user.name).toBe('Ana Lima');
    expect(r.body.accounts.map((a: { name: string }) => a.name)).toEqual(['Acme Product', 'Globex Ops']);
  });

  it('refuses bad input with 400 invalid_input and its issues, writing nothing', async () => {
    const c = t.client();
    const before = await sqlCount(app, 'SELECT count(*) AS n FROM activities');
    const r = await c.post('cards.move', { cardId: 'not-a-uuid', toColumnId: 42 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_input');
    expect(r.body.error.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual(['cardId', 'toColumnId']);
    const after = await sqlCount(app, 'SELECT count(*) AS n FROM activities');
    expect(after).toBe(before);
  });

  it('answers 404 not_found for an unknown method and for another account’s board', async () => {
    const c = t.client();
    expect((await c.post('cards.teleport', {})).status).toBe(404);
    const accounts = (await c.post('session.get', {})).body.accounts;
    await c.post('session.switchAccount', { accountId: accounts[1].id });
    const foreignBoard = (await c.post('boards.list', {})).body.items[0].id;
    await c.post('session.switchAccount', { accountId: accounts[0].id });
    const r = await c.post('boards.get', { boardId: foreignBoard });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts/); // never a stack trace
  });

  it('rejects a body that is not JSON', async () => {
    const res = await fetch(`${t.base}/api/session.get`, { method: 'POST', headers: { authorization: `Bearer ${t.host.token}` }, body: '{nope' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_input');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: t.host.port, path: '/api/session.get', method: 'POST', headers: { host: 'evil.example:80', authorization: `Bearer ${t.host.token}` } }, (res) => resolve(res.statusCode ?? 0));
      req.end('{}');
    });
    expect(status).toBe(403);
  });
});
