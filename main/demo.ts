// The demo workspace: two accounts with people, projects, boards and a few thousand events of every type over
// the last 90 days, recorded through the real domain commands so every hook (activities, jobs, audit, rollups)
// sees them. Deterministic for a seed (times are relative to the day it runs, unless `now` pins it).
//
// The whole seed is one transaction: each command inside it becomes a savepoint, so a hub records the few
// thousand events without a commit (and its round trips) per event, and a failure leaves the store empty.
import { withIdRandom } from '../db/ids.ts';
import { withoutSignals } from '../db/signals.ts';
import { tryLockKey } from '../db/locks.ts';
import type { Store, Tx } from '../db/store.ts';
import { countActivities } from '../db/events.ts';
import * as ws from '../db/workspace.ts';
import { createCard, moveCard, updateCard } from './domain/cards.ts';
import { addComment } from './domain/comments.ts';
import type { DomainContext } from './domain/context.ts';
import { acceptInvitation, createAccount, inviteMember } from './domain/members.ts';
import { markAccountDemo } from '../db/people.ts';
import { archiveProject, createBoard, createProject } from './domain/projects.ts';
import { PushBus } from './push.ts';

/** mulberry32: small, fast, good enough for demo data. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}

/** An account with its owner, without events (the first-run "start empty" path and the seed's base). */
export { createAccount } from './domain/members.ts';

const DAY = 86_400_000;
const people = [
  ['Ana Lima', 'ana@acme.test'], ['Bruno Costa', 'bruno@acme.test'], ['Chen Wei', 'chen@acme.test'], ['Dara Okafor', 'dara@acme.test'],
  ['Eli Novak', 'eli@acme.test'], ['Farah Haddad', 'farah@acme.test'], ['Gus Berg', 'gus@globex.test'], ['Hana Sato', 'hana@globex.test'],
  ['Ivo Petrov', 'ivo@globex.test'], ['Jo Walsh', 'jo@globex.test'],
] as const;
const accountsPlan = [
  { name: 'Acme Product', members: [1, 2, 3, 4, 5], projects: [['Web app', ['Sprint board', 'Bugs']], ['Mobile', ['Release train']], ['Onboarding', ['Experiments']]] },
  { name: 'Globex Ops', members: [6, 7, 8, 9], projects: [['Infrastructure', ['Ops board']], ['Support', ['Escalations']]] },
] as const;
const cardTitles = [
  'Fix login', 'Dark mode', 'Export CSV', 'Rate limit API', 'Invite flow', 'Audit log filters', 'Slow dashboard', 'Webhook retries',
  'Password reset email', 'Search by tag', 'Billing page', 'Onboarding checklist', 'Mobile nav', 'Crash on launch', 'Offline mode',
  'SSO with Okta', 'Keyboard shortcuts', 'Empty states', 'Timezone bug', 'Upgrade React', 'Backup restore', 'Status page', 'Flaky test',
];
const commentBodies = [
  'Looks good to me.', 'Can we split this into two cards?', 'Blocked on the API change.', 'Shipped to staging.', 'Needs a design review first.',
  'I can pair on this tomorrow.', 'Repro steps are in the description.', 'Moving this to next sprint.', 'Tested on Safari and Firefox.',
];
const descriptions = [
  'Users report that the page hangs after submitting the form. Check the network tab and the server logs.',
  'Follow the design in the shared file. Keep the old behaviour behind a flag until the release.',
  'Acceptance: works offline, survives a restart, and shows progress for long operations.',
];

/**
 * The seed's one transaction as the store its commands run on: each command's transaction is the seed's own, not
 * a savepoint in it (a failure anywhere fails the whole seed, so a savepoint per command would only cost two
 * round trips each on a hub).
 */
function storeOf(store: Store, tx: Tx): Store {
  return {
    dialect: tx.dialect,
    q: tx.q,
    location: store.location,
    readonly: store.readonly,
    execCompiled: <R>(sql: string, params: readonly unknown[]) => tx.execCompiled<R>(sql, params),
    execArrays: (sql, params) => tx.execArrays(sql, params),
    script: (sql) => tx.script(sql),
    transaction: (fn) => fn(tx),
    close: () => Promise.reject(new Error('The demo seed does not close the store it writes to.')),
  };
}

export interface SeedResult {
  created: boolean;
  events: number;
}

/**
 * Create the demo workspace in an empty store; a store that already has accounts is left alone (so is one that
 * another process is seeding at this moment).
 */
export async function seedDemo(store: Store, options: { seed?: number; events?: number; now?: number } = {}): Promise<SeedResult> {
  if ((await ws.countAccounts(store)) > 0) return { created: false, events: 0 };
  const rand = prng(options.seed ?? 1);
  const total = options.events ?? 3000;
  const end = options.now ?? Date.now();
  const start = end - 90 * DAY;
  // Event times, ascending, spread over the 90 days with weekday-ish clustering.
  const times = Array.from({ length: total }, () => start + Math.floor(rand.next() ** 0.8 * 90 * DAY)).sort((a, b) => a - b);

  // One 'workspace.changed' tells the windows afterwards (the caller publishes it), not a signal per event.
  return withIdRandom(() => rand.bytes(16), () => withoutSignals(() =>
    store.transaction(async (tx) => {
      // Inside the transaction: on SQLite it holds the write lock, on a hub the key stops a second seed.
      if (!(await tryLockKey(tx, 'demo.seed')) || (await ws.countAccounts(tx)) > 0) return { created: false, events: 0 };
      // Pushes of the commands inside go nowhere: the caller announces the new workspace once it is committed.
      const push = new PushBus();
      const seedStore = storeOf(store, tx);
      const plans = [];
      let leadId: string | undefined;
      for (const [ai, plan] of accountsPlan.entries()) {
        const lead = people[0];
        // Ana owns both accounts (as herself: createAccount never lends an existing e-mail to someone else).
        const { accountId, userId } = await createAccount(seedStore, { name: plan.name, owner: { name: lead[0], email: lead[1] }, at: start - DAY + ai, as: leadId });
        leadId = userId;
        // A demo account: acting as its other people (session.switchUser) is allowed here and nowhere else.
        await markAccountDemo(tx, accountId);
        let clock = start - DAY;
        const ctx: DomainContext = { store: seedStore, session: { accountId, userId }, push, clock: () => clock };
        const boards: { id: string; projectId: string; columns: string[] }[] = [];
        for (const [projectName, boardNames] of plan.projects) {
          const { project, board } = await createProject(ctx, { name: projectName, boardName: boardNames[0] });
          boards.push({ id: board.board.id, projectId: project.id, columns: board.columns.map((c) => c.id) });
          for (const extra of boardNames.slice(1)) {
            const b = await createBoard(ctx, { projectId: project.id, name: extra, columns: ['Backlog', 'To do', 'Doing', 'Review', 'Done'] });
            boards.push({ id: b.board.id, projectId: project.id, columns: b.columns.map((c) => c.id) });
          }
        }
        plans.push({ accountId, ctx, members: [userId] as string[], pending: [...plan.members] as number[], boards, setClock: (t: number) => (clock = t) });
      }

      const archived = new Set<string>();
      const cardsByBoard = new Map<string, { id: string; column: string }[]>();
      // Two projects get archived late in the period; nothing happens in them afterwards.
      const archiveAt = [Math.floor(total * 0.8), Math.floor(total * 0.93)];

      for (const [i, t] of times.entries()) {
        const archiveSlot = archiveAt.indexOf(i);
        const roll = rand.next();
        const plan = plans[archiveSlot >= 0 ? archiveSlot % plans.length : roll < 0.68 ? 0 : 1];
        plan.setClock(t);
        const ctx = plan.ctx;
        // Invitations: early on until everyone is in, then rarely (new people). Each invitee accepts at once.
        if (plan.pending.length > 0 && (i < 40 || rand.next() < 0.02)) {
          const who = people[plan.pending.shift()!];
          ctx.session = { accountId: plan.accountId, userId: plan.members[0] };
          const { invitation, invitee } = await inviteMember(ctx, { email: who[1], name: who[0], role: rand.next() < 0.25 ? 'admin' : 'member' });
          await acceptInvitation({ ...ctx, session: { accountId: plan.accountId, userId: invitee.id } }, { invitationId: invitation.id, inviteeId: invitee.id });
          plan.members.push(invitee.id);
          continue;
        }
        ctx.session = { accountId: plan.accountId, userId: rand.pick(plan.members) };
        if (archiveAt.includes(i) && plan.boards.length > 1) {
          const victim = [...plan.boards].reverse().find((b) => !archived.has(b.projectId) && plan.boards.some((o) => o.projectId !== b.projectId && !archived.has(o.projectId)));
          if (victim) {
            await archiveProject(ctx, { projectId: victim.projectId, reason: rand.pick(['Shipped; moving to maintenance.', 'Merged into another project.', 'Cancelled after the Q3 review.']) });
            archived.add(victim.projectId);
            continue;
          }
        }
        const board = rand.pick(plan.boards.filter((b) => !archived.has(b.projectId)));
        const cards = cardsByBoard.get(board.id) ?? [];
        cardsByBoard.set(board.id, cards);
        const r = rand.next();
        if (cards.length < 4 || r < 0.1) {
          const card = await createCard(ctx, {
            boardId: board.id,
            columnId: board.columns[0],
            title: `${rand.pick(cardTitles)}${rand.next() < 0.3 ? ` #${100 + rand.int(900)}` : ''}`,
            description: rand.next() < 0.5 ? rand.pick(descriptions) : '',
            assigneeId: rand.next() < 0.6 ? rand.pick(plan.members) : null,
          });
          cards.push({ id: card.id, column: card.column_id });
        } else if (r < 0.55) {
          const card = rand.pick(cards);
          const options = board.columns.filter((c) => c !== card.column);
          const to = rand.pick(options);
          await moveCard(ctx, { cardId: card.id, toColumnId: to });
          card.column = to;
        } else if (r < 0.8) {
          const card = rand.pick(cards);
          const which = rand.int(4);
          if (which === 0) await updateCard(ctx, { cardId: card.id, title: `${rand.pick(cardTitles)} (${rand.pick(['v2', 'follow-up', 'urgent', 'polish'])})` });
          else if (which === 1) await updateCard(ctx, { cardId: card.id, description: `${rand.pick(descriptions)} ${rand.pick(commentBodies)}` });
          else if (which === 2) await updateCard(ctx, { cardId: card.id, assigneeId: rand.pick(plan.members) });
          else await updateCard(ctx, { cardId: card.id, dueDate: new Date(t + (3 + rand.int(30)) * DAY).toISOString().slice(0, 10) });
        } else {
          await addComment(ctx, { cardId: rand.pick(cards).id, body: rand.pick(commentBodies) });
        }
      }
      return { created: true, events: await countActivities(tx) };
    }),
  ));
}
