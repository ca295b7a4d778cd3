// Notifications go to the right people and never to the author: handlers called with a JobContext on a real file,
// then the whole path through the real job runner, the inbox methods and the push topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import type { JobContext } from '../../main/jobs/types.ts';
import { notificationJobKinds, type NotificationResult } from '../../main/notifications/jobs.ts';
import { osNotificationFor } from '../../main/notifications/os.ts';
import { addMember } from '../support/people.ts';
import { caller, openTestApp, sqlCount, sqlRow, sqlRows } from '../support/workspace.ts';

let app: App;
let accountId: string;
let people: { owner: string; a: string; b: string; c: string; admin?: string };
type Call = Awaited<ReturnType<typeof caller>>['call'];
/** Calls as one person of the account. */
const as = (userId: string) => ({
  call: (async (method, input) => (await caller(app, { session: { accountId, userId } })).call(method, input)) as Call,
});
const published: [string, string, any][] = [];

function jobCtx(kind: string, jobId: string = crypto.randomUUID()): JobContext {
  return {
    store: app.store,
    publish: (acc, topic, payload) => void published.push([acc, topic, payload]),
    dataDir: app.dataDir,
    job: { id: jobId, accountId, kind, attempts: 1 },
    signal: new AbortController().signal,
    resources: new Map(),
    config: {},
    now: Date.now,
  };
}

/** Run a notification kind the way the runner does: handler, then its commit in a transaction. */
async function runKind(kind: string, args: Record<string, unknown>, jobId?: string): Promise<string[]> {
  const result = (await notificationJobKinds[kind].handle(jobCtx(kind, jobId), args)) as NotificationResult;
  await app.store.transaction((tx) => result.commit(tx, { ownsClaim: true }));
  return result.created;
}

async function recipientsOf(ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) out.push((await sqlRow<{ user_id: string }>(app, 'SELECT user_id FROM notifications WHERE id = ?', id)).user_id);
  return out.sort();
}

/** The job enqueued for an event (args is JSON text on both stores: read in JS, not with a dialect's JSON functions). */
const jobFor = async (kind: string, eventId: string) =>
  (await sqlRows<{ id: string; args: string }>(app, 'SELECT id, args FROM jobs WHERE kind = ? ORDER BY id', kind)).find((j) => JSON.parse(j.args).eventId === eventId);

const eventOfComment = async (commentId: string) => (await sqlRow<{ id: string }>(app, 'SELECT id FROM comment_added WHERE comment_id = ?', commentId)).id;

beforeAll(async () => {
  app = await openTestApp({ events: 150 });
  const c = await caller(app);
  const s = await c.call('session.get', {});
  accountId = s.account.id;
  const owner = s.user.id;
  const invite = (name: string, role: 'member' | 'admin') => addMember(app, c, { email: `${name.toLowerCase()}@notify.test`, name, role });
  people = { owner, a: await invite('Alpha', 'member'), b: await invite('Bravo', 'member'), c: await invite('Charlie', 'member') };
  people.admin = await invite('Delta', 'admin');
});
afterAll(async () => {
  await app.close();
});

describe('notification jobs', () => {
  it('a comment notifies the card creator, the assignee and earlier commenters, never the author', async () => {
    const board = (await as(people.a).call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await as(people.a).call('boards.get', { boardId: board.id });
    const card = await as(people.a).call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Notify me', assigneeId: people.b });

    // Charlie comments: Alpha (creator) and Bravo (assignee) hear about it; Charlie does not.
    const first = await as(people.c).call('comments.add', { cardId: card.id, body: 'First!' });
    const ev1 = await eventOfComment(first.id);
    const job1 = await jobFor('notifications.comment', ev1);
    expect(job1, 'the comment enqueued a notification job in its transaction').toBeTruthy();
    const ids1 = await runKind('notifications.comment', JSON.parse(job1!.args), job1!.id);
    expect(await recipientsOf(ids1)).toEqual([people.a, people.b].sort());

    // Alpha answers: Bravo and Charlie (an earlier commenter) hear about it; Alpha does not.
    const second = await as(people.a).call('comments.add', { cardId: card.id, body: 'Thanks, Charlie.' });
    const ev2 = await eventOfComment(second.id);
    const ids2 = await runKind('notifications.comment', { eventId: ev2 });
    expect(await recipientsOf(ids2)).toEqual([people.b, people.c].sort());
    const row = await sqlRow(app, 'SELECT * FROM notifications WHERE id = ?', ids2[0]);
    expect(row).toMatchObject({ kind: 'comment', title: 'Alpha commented on Notify me', body: 'Thanks, Charlie.', actor_id: people.a, link: `/boards/${board.id}?card=${card.id}` });

    // Running the same job again (a retried or reclaimed job) notifies nobody twice.
    expect(await runKind('notifications.comment', { eventId: ev2 })).toEqual([]);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM notifications WHERE source_key = ?', `comment_added:${ev2}`)).toBe(2);
    // A pushed topic per new notification, addressed to its person.
    expect(published.filter(([, t]) => t === 'notifications.created').map(([, , p]) => p.userId).sort()).toEqual([people.a, people.b, people.b, people.c].sort());
  });

  it('someone who subscribes after a comment is not told about that comment', async () => {
    const board = (await as(people.a).call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await as(people.a).call('boards.get', { boardId: board.id });
    const card = await as(people.a).call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Late joiner' });
    const comment = await as(people.b).call('comments.add', { cardId: card.id, body: 'Early.' });
    await as(people.c).call('comments.add', { cardId: card.id, body: 'Late.' }); // Charlie subscribes now
    const ev = await eventOfComment(comment.id);
    expect(await recipientsOf(await runKind('notifications.comment', { eventId: ev }))).toEqual([people.a]);
  });

  it('a pending invitation reaches the invitee in the accounts they already belong to, and nobody else', async () => {
    // Gus belongs to Globex only: he hears of Acme's invitation there (he is no member of Acme yet).
    const gus = await sqlRow<{ id: string }>(app, "SELECT id FROM users WHERE email = 'gus@globex.test'");
    const globex = await sqlRow<{ account_id: string }>(app, 'SELECT account_id FROM memberships WHERE user_id = ?', gus.id);
    const inv = await (await caller(app)).call('members.invite', { email: 'gus@globex.test', name: 'Gus', role: 'member' });
    expect(inv.invitee.id).toBe(gus.id);
    const ev = await sqlRow<{ id: string }>(app, 'SELECT id FROM invitation_sent WHERE invitation_id = ?', inv.id);
    const job = (await jobFor('notifications.invitationSent', ev.id))!;
    const ids = await runKind('notifications.invitationSent', JSON.parse(job.args));
    expect(await recipientsOf(ids)).toEqual([gus.id]);
    expect(await sqlRow(app, 'SELECT title, account_id FROM notifications WHERE id = ?', ids[0])).toEqual({ title: 'Ana Lima invited you to Acme Product', account_id: globex.account_id });
    // A brand-new person has no inbox yet (their way in is the join token): no notification at all.
    const echo = await (await caller(app)).call('members.invite', { email: 'echo@notify.test', name: 'Echo', role: 'member' });
    const ev2 = await sqlRow<{ id: string }>(app, 'SELECT id FROM invitation_sent WHERE invitation_id = ?', echo.id);
    expect(await runKind('notifications.invitationSent', JSON.parse((await jobFor('notifications.invitationSent', ev2.id))!.args))).toEqual([]);
  });

  it('a disabled endpoint and a burst of failed deliveries notify the owners and admins, not members', async () => {
    const admins = (await sqlRows<{ user_id: string }>(app, "SELECT user_id FROM memberships WHERE account_id = ? AND role IN ('owner', 'admin') ORDER BY user_id", accountId)).map((r) => r.user_id);
    expect(admins).toContain(people.admin);
    const endpointId = crypto.randomUUID();
    const disabled = await runKind('notifications.endpointDisabled', { endpointId, reason: 'Failing for 3 days (HTTP 500).' });
    expect(await recipientsOf(disabled)).toEqual(admins);
    // An endpoint that is gone is still named (generically).
    expect((await sqlRow(app, 'SELECT title FROM notifications WHERE id = ?', disabled[0])).title).toBe('A webhook endpoint was disabled');
    const failures = await runKind('notifications.deliveryFailures', { endpointId, failures: 12, since: new Date(Date.now() - 3_600_000).toISOString() });
    expect(await recipientsOf(failures)).toEqual(admins);
    expect(await recipientsOf(failures)).not.toContain(people.a);
    await expect((async () => notificationJobKinds['notifications.deliveryFailures'].handle(jobCtx('x'), { endpointId: 'nope' }))()).rejects.toThrow();

    // An endpoint of the account is named by its description, else its URL.
    const named = crypto.randomUUID();
    await sqlRows(
      app,
      `INSERT INTO webhook_endpoints (id, account_id, url, description, event_types, secret_enc, creator_id, created_at, updated_at)
       VALUES (?, ?, 'https://hooks.example.test/crm', 'CRM sync', '["*"]', 'enc', ?, 0, 0)`,
      named, accountId, people.owner,
    );
    const [n1] = await runKind('notifications.endpointDisabled', { endpointId: named, reason: 'HTTP 410' });
    // It opens that endpoint, not the list of endpoints.
    expect((await sqlRow(app, 'SELECT title, body, link FROM notifications WHERE id = ?', n1))).toEqual({ title: 'CRM sync was disabled', body: 'HTTP 410', link: `/webhooks/endpoints/${named}` });
    const [burst] = await runKind('notifications.deliveryFailures', { endpointId: named, failures: 10, since: new Date().toISOString() });
    expect((await sqlRow(app, 'SELECT title, link FROM notifications WHERE id = ?', burst))).toEqual({ title: '10 failed deliveries to CRM sync', link: `/webhooks/endpoints/${named}` });
  });

  it('the inbox opens the exact endpoint for rows written with the old list link too', async () => {
    const endpointId = crypto.randomUUID();
    const old = crypto.randomUUID();
    const comment = crypto.randomUUID();
    const at = Date.now() + 60_000; // newest first: these two lead the inbox
    await sqlRows(
      app,
      `INSERT INTO notifications (id, account_id, user_id, kind, title, body, link, actor_id, subject_type, subject_id, source_key, created_at)
       VALUES (?, ?, ?, 'delivery_failures', '10 failed deliveries to CRM', 'Failing since …', ?, NULL, 'webhook_endpoint', ?, ?, ?),
              (?, ?, ?, 'comment', 'Alpha commented on X', 'Hi', '/boards/b?card=c', ?, 'comment_added', ?, ?, ?)`,
      old, accountId, people.admin, `/webhooks?endpoint=${endpointId}`, endpointId, `job:${old}`, at,
      comment, accountId, people.admin, people.a, crypto.randomUUID(), `comment_added:${comment}`, at - 1,
    );
    const inbox = await as(people.admin!).call('notifications.list', { limit: 5 });
    expect(inbox.items.find((n) => n.id === old)!.link).toBe(`/webhooks/endpoints/${endpointId}`);
    expect(inbox.items.find((n) => n.id === comment)!.link).toBe('/boards/b?card=c');
  });
});

describe('through the job runner and the inbox', () => {
  it('works off the enqueued jobs, pushes, and the inbox lists, counts and marks read', async () => {
    const pushed: [string, string, any][] = [];
    const runner = new JobRunner({ store: app.store, dataDir: app.dataDir, publish: (a, t, p) => void pushed.push([a, t, p]), queues: ['notifications'], pollMs: 20 });
    await runner.start();
    // idle() may be answered by a step that began before the last commit (the runner's loop is async): wake it
    // until the queue is worked off, a few idle rounds at most.
    const pending = () => sqlCount(app, "SELECT count(*) AS n FROM jobs WHERE queue = 'notifications' AND status <> 'done'");
    const workOff = async () => {
      for (let round = 0; round < 10 && (await pending()) > 0; round++) {
        runner.wake();
        await runner.idle();
      }
    };
    // Everything enqueued so far (the seed, the tests above) is worked off before counting: a job of theirs
    // recorded after the count was read would count as the comment's.
    await workOff();
    const before = (await as(people.b).call('notifications.unreadCount', {})).unread;
    const board = (await as(people.b).call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await as(people.b).call('boards.get', { boardId: board.id });
    const card = await as(people.b).call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Via the runner' });
    await as(people.c).call('comments.add', { cardId: card.id, body: 'Runner, please.' });
    await workOff();
    await runner.stop();
    expect(await pending()).toBe(0);
    expect(pushed.some(([, t, p]) => t === 'notifications.created' && p.userId === people.b && p.title === 'Charlie commented on Via the runner')).toBe(true);

    const inbox = await as(people.b).call('notifications.list', {});
    expect(inbox.unread).toBe(before + 1);
    const mine = inbox.items.find((n) => n.title === 'Charlie commented on Via the runner')!;
    expect(mine).toMatchObject({ read: false, kind: 'comment', actor: { id: people.c, name: 'Charlie' } });
    // Charlie (the author) got nothing about it.
    expect((await as(people.c).call('notifications.list', {})).items.some((n) => n.title.includes('Via the runner'))).toBe(false);

    // Someone else's notification id cannot be marked read by Bravo.
    const charlies = (await as(people.c).call('notifications.list', {})).items;
    expect((await as(people.b).call('notifications.markRead', { ids: [charlies[0].id] })).unread).toBe(before + 1);
    expect((await as(people.c).call('notifications.list', {})).items[0].read).toBe(false);

    expect((await as(people.b).call('notifications.markRead', { ids: [mine.id] })).unread).toBe(before);
    expect((await as(people.b).call('notifications.list', { unreadOnly: true })).items.some((n) => n.id === mine.id)).toBe(false);
    expect(await sqlCount(app, 'SELECT count(*) AS n FROM notification_reads WHERE notification_id = ?', mine.id)).toBe(1);
    expect((await as(people.b).call('notifications.markAllRead', {})).unread).toBe(0);
    expect((await as(people.b).call('notifications.unreadCount', {})).unread).toBe(0);
  });

  it('pages the inbox with a cursor', async () => {
    const c = as(people.owner);
    const all = await c.call('notifications.list', { limit: 100 });
    expect(all.items.length).toBeGreaterThan(2);
    const p1 = await c.call('notifications.list', { limit: 2 });
    const p2 = await c.call('notifications.list', { limit: 2, cursor: p1.nextCursor });
    expect([...p1.items, ...p2.items].map((n) => n.id)).toEqual(all.items.slice(0, 4).map((n) => n.id));
  });
});

describe('desktop (OS) notifications', () => {
  it('are shown for a fresh notification to a person with a window open, unless they turned them off', async () => {
    const payload = (userId: string, agoMs = 0) => ({ userId, id: crypto.randomUUID(), title: 'T', body: 'B', createdAt: new Date(Date.now() - agoMs).toISOString() });
    const slots = [{ session: { accountId, userId: people.b } }];
    expect(await osNotificationFor(app.store, accountId, 'notifications.created', payload(people.b), slots)).toEqual({ title: 'T', body: 'B' });
    // Not for someone without a window, not for another topic, not for a backlog item (the demo seed's).
    expect(await osNotificationFor(app.store, accountId, 'notifications.created', payload(people.c), slots)).toBeNull();
    expect(await osNotificationFor(app.store, accountId, 'activity.created', payload(people.b), slots)).toBeNull();
    expect(await osNotificationFor(app.store, accountId, 'notifications.created', payload(people.b, 3_600_000), slots)).toBeNull();
    await as(people.b).call('settings.update', { osNotifications: false });
    expect(await osNotificationFor(app.store, accountId, 'notifications.created', payload(people.b), slots)).toBeNull();
    await as(people.b).call('settings.update', { osNotifications: true });
    expect(await osNotificationFor(app.store, accountId, 'notifications.created', payload(people.b), slots)).toEqual({ title: 'T', body: 'B' });
  });
});
