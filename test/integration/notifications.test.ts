// Notifications go to the right people and never to the author: handlers called with a JobContext on a real file,
// then the whole path through the real job runner, the inbox methods and the push topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../main/app.ts';
import { JobRunner } from '../../main/jobs/runner.ts';
import type { JobContext } from '../../main/jobs/types.ts';
import { notificationJobKinds, type NotificationResult } from '../../main/notifications/jobs.ts';
import { osNotificationFor } from '../../main/notifications/os.ts';
import { caller, openTestApp } from '../support/workspace.ts';

let app: App;
let accountId: string;
let people: { owner: string; a: string; b: string; c: string; admin?: string };
const as = (userId: string) => caller(app, { session: { accountId, userId } });
const published: [string, string, any][] = [];

function jobCtx(kind: string, jobId: string = crypto.randomUUID()): JobContext {
  return {
    sqlite: app.sqlite,
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
  app.sqlite.transaction(() => result.commit(app.sqlite, { ownsClaim: true }))();
  return result.created;
}

const recipientsOf = (ids: string[]) =>
  ids.map((id) => (app.sqlite.prepare('SELECT user_id FROM notifications WHERE id = ?').get(id) as { user_id: string }).user_id).sort();

const jobFor = (kind: string, eventId: string) =>
  app.sqlite.prepare("SELECT id, args FROM jobs WHERE kind = ? AND json_extract(args, '$.eventId') = ?").get(kind, eventId) as { id: string; args: string } | undefined;

beforeAll(async () => {
  app = await openTestApp({ events: 150 });
  const c = caller(app);
  const s = await c.call('session.get', {});
  accountId = s.account.id;
  const owner = s.user.id;
  const invite = async (name: string, role: 'member' | 'admin') => (await c.call('members.invite', { email: `${name.toLowerCase()}@notify.test`, name, role })).user.id;
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
    const ev1 = app.sqlite.prepare('SELECT id FROM comment_added WHERE comment_id = ?').get(first.id) as { id: string };
    const job1 = jobFor('notifications.comment', ev1.id);
    expect(job1, 'the comment enqueued a notification job in its transaction').toBeTruthy();
    const ids1 = await runKind('notifications.comment', JSON.parse(job1!.args), job1!.id);
    expect(recipientsOf(ids1)).toEqual([people.a, people.b].sort());

    // Alpha answers: Bravo and Charlie (an earlier commenter) hear about it; Alpha does not.
    const second = await as(people.a).call('comments.add', { cardId: card.id, body: 'Thanks, Charlie.' });
    const ev2 = app.sqlite.prepare('SELECT id FROM comment_added WHERE comment_id = ?').get(second.id) as { id: string };
    const ids2 = await runKind('notifications.comment', { eventId: ev2.id });
    expect(recipientsOf(ids2)).toEqual([people.b, people.c].sort());
    const row = app.sqlite.prepare('SELECT * FROM notifications WHERE id = ?').get(ids2[0]) as any;
    expect(row).toMatchObject({ kind: 'comment', title: 'Alpha commented on Notify me', body: 'Thanks, Charlie.', actor_id: people.a, link: `/boards/${board.id}?card=${card.id}` });

    // Running the same job again (a retried or reclaimed job) notifies nobody twice.
    expect(await runKind('notifications.comment', { eventId: ev2.id })).toEqual([]);
    // A pushed topic per new notification, addressed to its person.
    expect(published.filter(([, t]) => t === 'notifications.created').map(([, , p]) => p.userId).sort()).toEqual([people.a, people.b, people.b, people.c].sort());
  });

  it('someone who subscribes after a comment is not told about that comment', async () => {
    const board = (await as(people.a).call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await as(people.a).call('boards.get', { boardId: board.id });
    const card = await as(people.a).call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Late joiner' });
    const comment = await as(people.b).call('comments.add', { cardId: card.id, body: 'Early.' });
    await as(people.c).call('comments.add', { cardId: card.id, body: 'Late.' }); // Charlie subscribes now
    const ev = app.sqlite.prepare('SELECT id FROM comment_added WHERE comment_id = ?').get(comment.id) as { id: string };
    expect(recipientsOf(await runKind('notifications.comment', { eventId: ev.id }))).toEqual([people.a]);
  });

  it('an invitation notifies the invitee only', async () => {
    const m = await caller(app).call('members.invite', { email: 'echo@notify.test', name: 'Echo', role: 'member' });
    const ev = app.sqlite.prepare('SELECT id FROM member_invited WHERE membership_id = ?').get(m.id) as { id: string };
    const job = jobFor('notifications.invitation', ev.id)!;
    const ids = await runKind('notifications.invitation', JSON.parse(job.args));
    expect(recipientsOf(ids)).toEqual([m.user.id]);
    expect((app.sqlite.prepare('SELECT title FROM notifications WHERE id = ?').get(ids[0]) as any).title).toBe('Ana Lima invited you to Acme Product');
  });

  it('a disabled endpoint and a burst of failed deliveries notify the owners and admins, not members', async () => {
    const admins = (app.sqlite.prepare("SELECT user_id FROM memberships WHERE account_id = ? AND role IN ('owner', 'admin') ORDER BY user_id").all(accountId) as { user_id: string }[]).map((r) => r.user_id);
    expect(admins).toContain(people.admin);
    const endpointId = crypto.randomUUID();
    const disabled = await runKind('notifications.endpointDisabled', { endpointId, reason: 'Failing for 3 days (HTTP 500).' });
    expect(recipientsOf(disabled)).toEqual(admins);
    const failures = await runKind('notifications.deliveryFailures', { endpointId, failures: 12, since: new Date(Date.now() - 3_600_000).toISOString() });
    expect(recipientsOf(failures)).toEqual(admins);
    expect(recipientsOf(failures)).not.toContain(people.a);
    expect(() => notificationJobKinds['notifications.deliveryFailures'].handle(jobCtx('x'), { endpointId: 'nope' })).toThrow();
  });
});

describe('through the job runner and the inbox', () => {
  it('works off the enqueued jobs, pushes, and the inbox lists, counts and marks read', async () => {
    const pushed: [string, string, any][] = [];
    const runner = new JobRunner({ sqlite: app.sqlite, dataDir: app.dataDir, publish: (a, t, p) => void pushed.push([a, t, p]), queues: ['notifications'], pollMs: 20 });
    runner.start();
    await runner.idle(); // everything enqueued so far (the seed, the tests above)
    const board = (await as(people.b).call('boards.list', {})).items.find((b) => !b.archived)!;
    const full = await as(people.b).call('boards.get', { boardId: board.id });
    const card = await as(people.b).call('cards.create', { boardId: board.id, columnId: full.columns[0].id, title: 'Via the runner' });
    await as(people.c).call('comments.add', { cardId: card.id, body: 'Runner, please.' });
    const before = (await as(people.b).call('notifications.unreadCount', {})).unread;

    runner.wake();
    await runner.idle();
    await runner.stop();
    const left = app.sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE queue = 'notifications' AND status <> 'done'").get() as { n: number };
    expect(left.n).toBe(0);
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
    expect((app.sqlite.prepare('SELECT count(*) AS n FROM notification_reads WHERE notification_id = ?').get(mine.id) as any).n).toBe(1);
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
    expect(osNotificationFor(app.sqlite, accountId, 'notifications.created', payload(people.b), slots)).toEqual({ title: 'T', body: 'B' });
    // Not for someone without a window, not for another topic, not for a backlog item (the demo seed's).
    expect(osNotificationFor(app.sqlite, accountId, 'notifications.created', payload(people.c), slots)).toBeNull();
    expect(osNotificationFor(app.sqlite, accountId, 'activity.created', payload(people.b), slots)).toBeNull();
    expect(osNotificationFor(app.sqlite, accountId, 'notifications.created', payload(people.b, 3_600_000), slots)).toBeNull();
    await as(people.b).call('settings.update', { osNotifications: false });
    expect(osNotificationFor(app.sqlite, accountId, 'notifications.created', payload(people.b), slots)).toBeNull();
  });
});
