// Ties in the reports are broken by text in byte order on both stores, whatever the hub database's collation: a
// file and a hub list the same rows in the same order (and a LIMIT keeps the same ones). On PostgreSQL the test
// runs on a database created with ICU's en-US collation, where "adam" sorts before "Zoe"; in byte order (SQLite's
// BINARY, PostgreSQL's "C") "Zoe" comes first.
import pg from 'pg';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../db/ids.ts';
import type { App } from '../../main/app.ts';
import { caller, onPostgres, openTestApp, pgServerUrl, sqlRows, tempLocation } from '../support/workspace.ts';

const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const dayNumber = Math.floor(Date.now() / DAY);

/** On PostgreSQL: a new database whose default collation is en-US (ICU), not byte order. */
async function location(): Promise<string> {
  if (!onPostgres) return tempLocation();
  const name = `t_icu_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: pgServerUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    // The premise of the test: this database really orders text the other way.
    const check = new pg.Client({ connectionString: pgServerUrl(name) });
    await check.connect();
    try {
      const r = await check.query(`SELECT x FROM (VALUES ('Zoe'), ('adam')) AS v(x) ORDER BY x`);
      expect(r.rows.map((row) => row.x)).toEqual(['adam', 'Zoe']);
    } finally {
      await check.end();
    }
  } finally {
    await client.end();
  }
  return pgServerUrl(name);
}

let app: App;
let c: Awaited<ReturnType<typeof caller>>;
let accountId: string;
let userId: string;

beforeAll(async () => {
  app = await openTestApp({ location: await location(), events: 60 });
  c = await caller(app);
  const s = await c.call('session.get', {});
  accountId = s.account.id;
  userId = s.user.id;
});
afterAll(async () => {
  await app.close();
});

describe('report order', () => {
  it('ranks tracked routes, elements and metadata keys with equal counts in byte order', async () => {
    const events = ['/b', '/B', '/a'].map((url) => ({ eventType: 'page_view' as const, url }));
    const clicks = ['alpha', 'Zed'].map((element) => ({ eventType: 'button_click' as const, url: '/', metadata: { element, [element === 'Zed' ? 'Zkey' : 'akey']: 1 } }));
    expect((await c.call('tracking.track', { events: [...events, ...clicks] })).accepted).toBe(5);
    const explored = await c.call('tracking.explore', { from: today, to: today });
    expect(explored.topRoutes).toEqual([{ url: '/B', count: 1 }, { url: '/a', count: 1 }, { url: '/b', count: 1 }]);
    expect(explored.topElements).toEqual([{ element: 'Zed', count: 1 }, { element: 'alpha', count: 1 }]);
    expect(explored.metaKeys).toEqual(['Zkey', 'akey', 'element']);
    const summary = await c.call('reports.summary', { from: today, to: today });
    expect(summary.topRoutes.map((r) => r.url)).toEqual(['/B', '/a', '/b']);
  });

  it('ranks people and webhook endpoints with equal counts in byte order', async () => {
    // Two people with the same activity count in the account's rollups today.
    const people = [];
    for (const name of ['adam', 'Zoe']) {
      const id = newId();
      await sqlRows(app, 'INSERT INTO users (id, account_id, name, email, created_at) VALUES (?, ?, ?, ?, 0)', id, accountId, name, `${name}@order.test`);
      await sqlRows(app, "INSERT INTO memberships (id, account_id, user_id, role, created_at) VALUES (?, ?, ?, 'member', 0)", newId(), accountId, id);
      await sqlRows(app, "INSERT INTO report_user_daily (account_id, scope, scope_id, day, user_id, count) VALUES (?, 'account', ?, ?, ?, 1000000)", accountId, accountId, dayNumber, id);
      people.push(id);
    }
    const summary = await c.call('reports.summary', { from: today, to: today, });
    expect(summary.mostActiveUsers.slice(0, 2).map((u) => u.name)).toEqual(['Zoe', 'adam']);

    for (const description of ['adam hooks', 'Zoe hooks']) {
      await sqlRows(
        app,
        `INSERT INTO webhook_endpoints (id, account_id, url, description, event_types, secret_enc, creator_id, created_at, updated_at)
         VALUES (?, ?, 'https://hooks.example.test/x', ?, '["*"]', 'enc', ?, 0, 0)`,
        newId(), accountId, description, userId,
      );
    }
    const hooks = await c.call('reports.webhooks', { from: today, to: today });
    expect(hooks.endpoints.map((e) => e.name)).toEqual(['Zoe hooks', 'adam hooks']);
  });
});
