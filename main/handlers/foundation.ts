import { toIso } from '../../db/ids.ts';
import { bool } from '../../db/sql.ts';
import type { ProjectsTable } from '../../db/schema.ts';
import * as ws from '../../db/workspace.ts';
import { methods } from '../../preload/contract.ts';
import { roleAllows, type MethodSpec } from '../../preload/contract/common.ts';
import type { foundationMethods } from '../../preload/contract/foundation.ts';
import { createCard, moveCard, updateCard } from '../domain/cards.ts';
import { addComment } from '../domain/comments.ts';
import { requireBoard, requireMember } from '../domain/guards.ts';
import { createAccount, inviteMember, recordSessionSwitch } from '../domain/members.ts';
import { archiveProject, createBoard, createProject } from '../domain/projects.ts';
import { defaultSession } from '../app.ts';
import { seedDemo } from '../demo.ts';
import { eventTables, eventTypes } from '../events/registry.ts';
import { notFound } from '../errors.ts';
import { listFeed } from '../feed.ts';
import { cardView } from '../views.ts';
import { storeKind } from './storage.ts';
import type { HandlerContext, Handlers } from './types.ts';

async function sessionView(ctx: HandlerContext) {
  const { store, session } = ctx;
  const user = await ws.findUser(store, session.userId);
  const account = await ws.findAccount(store, session.accountId);
  const membership = await ws.findMembership(store, session.accountId, session.userId);
  if (!user || !account || !membership) throw notFound('Your session');
  return {
    user: { id: user.id, name: user.name, email: user.email },
    account: { id: account.id, name: account.name },
    // On a hub the token names one account: only that one is offered.
    accounts: ctx.fixed ? [{ id: account.id, name: account.name }] : await ws.listAccountsOfUser(store, user.id),
    role: membership.role,
    demo: bool(account.demo),
  };
}

async function boardView(ctx: HandlerContext, boardId: string) {
  const { store, session } = ctx;
  const board = await requireBoard(store, session.accountId, boardId);
  const project = (await ws.findProject(store, session.accountId, board.project_id))!;
  const columns = await ws.listColumns(store, board.id);
  const cards = await ws.listBoardCards(store, board.id);
  return {
    id: board.id,
    name: board.name,
    project: { id: project.id, name: project.name, archived: project.archived_at !== null },
    columns: columns.map((c) => ({
      id: c.id,
      name: c.name,
      position: c.position,
      cards: cards.filter((card) => card.column_id === c.id).map((card) => cardView(card)),
    })),
  };
}

function projectView(project: ProjectsTable, boards: { id: string; name: string; project_id: string }[]) {
  return {
    id: project.id,
    name: project.name,
    archived: project.archived_at !== null,
    archivedAt: project.archived_at === null ? null : toIso(project.archived_at),
    archivedReason: project.archived_reason,
    boards: boards.filter((b) => b.project_id === project.id).map((b) => ({ id: b.id, name: b.name })),
    createdAt: toIso(project.created_at),
  };
}

async function projectViewOf(ctx: HandlerContext, project: ProjectsTable) {
  return projectView(project, await ws.listBoardsOfProjects(ctx.store, ctx.session.accountId));
}

async function cardWithNames(ctx: HandlerContext, cardId: string) {
  const row = await ws.findCardWithNames(ctx.store, ctx.session.accountId, cardId);
  if (!row) throw notFound('The card');
  return cardView(row);
}

export const foundationHandlers: Handlers<keyof typeof foundationMethods> = {
  'session.get': async (ctx) => {
    const view = await sessionView(ctx);
    // From the contract itself, so the console and rpc.ts can never disagree about what this person may do.
    const allowed = Object.entries(methods)
      .filter(([, spec]: [string, MethodSpec]) => roleAllows(view.role, spec.role) && (!spec.demo || view.demo) && !(spec.switchesSession && ctx.fixed) && !(spec.write && ctx.app.readOnly))
      .map(([name]) => name);
    return { ...view, readOnly: ctx.app.readOnly, fixed: ctx.fixed, hub: !ctx.app.local, allowed };
  },
  'session.switchAccount': async (ctx, { accountId }) => {
    // Only accounts the current person belongs to; anything else is simply not found.
    if (!(await ws.findMembership(ctx.store, accountId, ctx.session.userId))) throw notFound('The account');
    ctx.setSession({ accountId, userId: ctx.session.userId });
    const { user, account } = await sessionView(ctx);
    return { user, account };
  },
  // The contract allows it only in a demo account (and never on a hub); each switch is recorded.
  'session.switchUser': async (ctx, { userId }) => {
    await requireMember(ctx.store, ctx.session.accountId, userId);
    if (userId !== ctx.session.userId) await recordSessionSwitch(ctx, userId);
    ctx.setSession({ accountId: ctx.session.accountId, userId });
    const { user, account } = await sessionView(ctx);
    return { user, account };
  },
  'workspace.status': async (ctx) => ({ empty: (await ws.countAccounts(ctx.store)) === 0, readOnly: ctx.app.readOnly, kind: storeKind(ctx.app), dbFile: ctx.app.location }),
  'workspace.seedDemo': async (ctx) => {
    const result = await seedDemo(ctx.store, { seed: 1 });
    const session = await defaultSession(ctx.store);
    if (session && !ctx.session.accountId) ctx.setSession(session);
    // Announced once, after the seed committed.
    if (result.created && session) ctx.push.publish(session.accountId, 'workspace.changed', {});
    return result;
  },
  'workspace.create': async (ctx, input) => {
    // The caller owns the new account as themselves when they give their own e-mail; another person's e-mail is
    // refused (domain/members.ts), so making an account never makes the caller someone else.
    const as = ctx.session.userId || undefined;
    const { accountId, userId } = await createAccount(ctx.store, { name: input.accountName, owner: { name: input.userName, email: input.email }, as });
    ctx.setSession({ accountId, userId });
    const { user, account } = await sessionView(ctx);
    return { user, account };
  },
  'members.list': async (ctx) => ({
    items: (await ws.listMembers(ctx.store, ctx.session.accountId)).map((m) => ({
      id: m.id,
      role: m.role,
      createdAt: toIso(m.created_at),
      user: { id: m.user_id, name: m.name, email: m.email },
    })),
  }),
  'members.invite': async (ctx, input) => {
    // A one-time join token (shown here once) opens the invitation for whoever is handed it: a hub's invitee has
    // no other way in, and locally it is how a person with no account here yet accepts. A person who already
    // belongs to another account of the workspace also finds it in their inbox.
    const { invitation, invitee, joinToken } = await inviteMember(ctx, input, { joinToken: true });
    return {
      id: invitation.id,
      invitee: { id: invitee.id, name: invitee.name, email: invitee.email },
      role: invitation.role,
      status: 'pending' as const,
      expiresAt: toIso(invitation.expires_at),
      ...(joinToken ? { joinToken } : {}),
    };
  },
  'projects.list': async (ctx, input) => {
    const boards = await ws.listBoardsOfProjects(ctx.store, ctx.session.accountId);
    return { items: (await ws.listProjects(ctx.store, ctx.session.accountId, input.includeArchived)).map((p) => projectView(p, boards)) };
  },
  'projects.create': async (ctx, input) => {
    const { project } = await createProject(ctx, input);
    return projectViewOf(ctx, (await ws.findProject(ctx.store, ctx.session.accountId, project.id))!);
  },
  'projects.archive': async (ctx, input) => projectViewOf(ctx, await archiveProject(ctx, input)),
  'boards.list': async (ctx, input) => ({
    items: (await ws.listBoards(ctx.store, ctx.session.accountId, input.projectId)).map((b) => ({
      id: b.id,
      name: b.name,
      project: { id: b.project_id, name: b.project_name },
      archived: b.archived_at !== null,
      cardCount: Number(b.card_count ?? 0),
    })),
  }),
  'boards.get': (ctx, { boardId }) => boardView(ctx, boardId),
  'boards.create': async (ctx, input) => boardView(ctx, (await createBoard(ctx, input)).board.id),
  'cards.get': async (ctx, { cardId }) => {
    const card = await cardWithNames(ctx, cardId);
    const comments = (await ws.listComments(ctx.store, cardId)).map((c) => ({
      id: c.id,
      cardId: c.card_id,
      author: { id: c.author_id, name: c.author_name },
      body: c.body,
      createdAt: toIso(c.created_at),
    }));
    return { ...card, comments };
  },
  'cards.create': async (ctx, input) => cardWithNames(ctx, (await createCard(ctx, input)).id),
  'cards.move': async (ctx, input) => cardWithNames(ctx, (await moveCard(ctx, input)).id),
  'cards.update': async (ctx, input) => cardWithNames(ctx, (await updateCard(ctx, input)).id),
  'comments.add': async (ctx, input) => {
    const c = await addComment(ctx, input);
    const author = (await ws.findUser(ctx.store, c.author_id))!;
    return { id: c.id, cardId: c.card_id, author: { id: author.id, name: author.name }, body: c.body, createdAt: toIso(c.created_at) };
  },
  'activity.types': async () => ({ items: eventTables.map((type) => ({ type, label: eventTypes[type].label, icon: eventTypes[type].icon })) }),
  'activity.list': async (ctx, input) => {
    // Scope ids to the account up front so a foreign board/project answers not_found rather than an empty page.
    if (input.boardId) await requireBoard(ctx.store, ctx.session.accountId, input.boardId);
    if (input.projectId && !(await ws.findProject(ctx.store, ctx.session.accountId, input.projectId))) throw notFound('The project');
    if (input.creatorId) await requireMember(ctx.store, ctx.session.accountId, input.creatorId);
    return listFeed(ctx.store, ctx.session.accountId, input);
  },
};
