import { toIso } from '../../db/ids.ts';
import * as ws from '../../db/workspace.ts';
import type { foundationMethods } from '../../preload/contract/foundation.ts';
import { createCard, moveCard, updateCard } from '../domain/cards.ts';
import { addComment } from '../domain/comments.ts';
import { requireBoard, requireMember } from '../domain/guards.ts';
import { inviteMember } from '../domain/members.ts';
import { archiveProject, createBoard, createProject } from '../domain/projects.ts';
import { defaultSession } from '../app.ts';
import { createAccount, seedDemo } from '../demo.ts';
import { notFound } from '../errors.ts';
import { listFeed } from '../feed.ts';
import { cardView } from '../views.ts';
import type { HandlerContext, Handlers } from './types.ts';

function sessionView(ctx: HandlerContext) {
  const { sqlite, session } = ctx;
  const user = ws.findUser(sqlite, session.userId);
  const account = ws.findAccount(sqlite, session.accountId);
  const membership = ws.findMembership(sqlite, session.accountId, session.userId);
  if (!user || !account || !membership) throw notFound('Your session');
  return {
    user: { id: user.id, name: user.name, email: user.email },
    account: { id: account.id, name: account.name },
    accounts: ws.listAccountsOfUser(sqlite, user.id),
    role: membership.role,
  };
}

function boardView(ctx: HandlerContext, boardId: string) {
  const { sqlite, session } = ctx;
  const board = requireBoard(sqlite, session.accountId, boardId);
  const project = ws.findProject(sqlite, session.accountId, board.project_id)!;
  const columns = ws.listColumns(sqlite, board.id);
  const cards = ws.listBoardCards(sqlite, board.id);
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

function projectView(ctx: HandlerContext, project: NonNullable<ReturnType<typeof ws.findProject>>, boards?: { id: string; name: string; project_id: string }[]) {
  const list = boards ?? ws.listBoardsOfProjects(ctx.sqlite, ctx.session.accountId);
  return {
    id: project.id,
    name: project.name,
    archived: project.archived_at !== null,
    archivedAt: project.archived_at === null ? null : toIso(project.archived_at),
    archivedReason: project.archived_reason,
    boards: list.filter((b) => b.project_id === project.id).map((b) => ({ id: b.id, name: b.name })),
    createdAt: toIso(project.created_at),
  };
}

function cardWithNames(ctx: HandlerContext, cardId: string) {
  const row = ws.findCardWithNames(ctx.sqlite, ctx.session.accountId, cardId);
  if (!row) throw notFound('The card');
  return cardView(row);
}

export const foundationHandlers: Handlers<keyof typeof foundationMethods> = {
  'session.get': (ctx) => ({ ...sessionView(ctx), readOnly: ctx.app.readOnly }),
  'session.switchAccount': (ctx, { accountId }) => {
    // Only accounts the current person belongs to; anything else is simply not found.
    if (!ws.findMembership(ctx.sqlite, accountId, ctx.session.userId)) throw notFound('The account');
    ctx.setSession({ accountId, userId: ctx.session.userId });
    const { user, account } = sessionView(ctx);
    return { user, account };
  },
  'session.switchUser': (ctx, { userId }) => {
    requireMember(ctx.sqlite, ctx.session.accountId, userId);
    ctx.setSession({ accountId: ctx.session.accountId, userId });
    const { user, account } = sessionView(ctx);
    return { user, account };
  },
  'workspace.status': (ctx) => ({ empty: ws.countAccounts(ctx.sqlite) === 0, readOnly: ctx.app.readOnly, dbFile: ctx.app.dbFile }),
  'workspace.seedDemo': (ctx) => {
    const result = seedDemo(ctx.sqlite, { seed: 1 });
    const session = defaultSession(ctx.sqlite);
    if (session && !ctx.session.accountId) ctx.setSession(session);
    if (result.created && session) ctx.push.publish(session.accountId, 'workspace.changed', {});
    return result;
  },
  'workspace.create': (ctx, input) => {
    const { accountId, userId } = createAccount(ctx.sqlite, { name: input.accountName, owner: { name: input.userName, email: input.email } });
    ctx.setSession({ accountId, userId });
    const { user, account } = sessionView(ctx);
    return { user, account };
  },
  'members.list': (ctx) => ({
    items: ws.listMembers(ctx.sqlite, ctx.session.accountId).map((m) => ({
      id: m.id,
      role: m.role,
      createdAt: toIso(m.created_at),
      user: { id: m.user_id, name: m.name, email: m.email },
    })),
  }),
  'members.invite': (ctx, input) => {
    const m = inviteMember(ctx, input);
    const user = ws.findUser(ctx.sqlite, m.user_id)!;
    return { id: m.id, role: m.role, createdAt: toIso(m.created_at), user: { id: user.id, name: user.name, email: user.email } };
  },
  'projects.list': (ctx, input) => {
    const boards = ws.listBoardsOfProjects(ctx.sqlite, ctx.session.accountId);
    return { items: ws.listProjects(ctx.sqlite, ctx.session.accountId, input.includeArchived).map((p) => projectView(ctx, p, boards)) };
  },
  'projects.create': (ctx, input) => {
    const { project } = createProject(ctx, input);
    return projectView(ctx, ws.findProject(ctx.sqlite, ctx.session.accountId, project.id)!);
  },
  'projects.archive': (ctx, input) => projectView(ctx, archiveProject(ctx, input)),
  'boards.list': (ctx, input) => ({
    items: ws.listBoards(ctx.sqlite, ctx.session.accountId, input.projectId).map((b) => ({
      id: b.id,
      name: b.name,
      project: { id: b.project_id, name: b.project_name },
      archived: b.archived_at !== null,
      cardCount: Number(b.card_count ?? 0),
    })),
  }),
  'boards.get': (ctx, { boardId }) => boardView(ctx, boardId),
  'boards.create': (ctx, input) => boardView(ctx, createBoard(ctx, input).board.id),
  'cards.get': (ctx, { cardId }) => {
    const card = cardWithNames(ctx, cardId);
    const comments = ws.listComments(ctx.sqlite, cardId).map((c) => ({
      id: c.id,
      cardId: c.card_id,
      author: { id: c.author_id, name: c.author_name },
      body: c.body,
      createdAt: toIso(c.created_at),
    }));
    return { ...card, comments };
  },
  'cards.create': (ctx, input) => cardWithNames(ctx, createCard(ctx, input).id),
  'cards.move': (ctx, input) => cardWithNames(ctx, moveCard(ctx, input).id),
  'cards.update': (ctx, input) => cardWithNames(ctx, updateCard(ctx, input).id),
  'comments.add': (ctx, input) => {
    const c = addComment(ctx, input);
    const author = ws.findUser(ctx.sqlite, c.author_id)!;
    return { id: c.id, cardId: c.card_id, author: { id: author.id, name: author.name }, body: c.body, createdAt: toIso(c.created_at) };
  },
  'activity.list': (ctx, input) => {
    // Scope ids to the account up front so a foreign board/project answers not_found rather than an empty page.
    if (input.boardId) requireBoard(ctx.sqlite, ctx.session.accountId, input.boardId);
    if (input.projectId && !ws.findProject(ctx.sqlite, ctx.session.accountId, input.projectId)) throw notFound('The project');
    if (input.creatorId) requireMember(ctx.sqlite, ctx.session.accountId, input.creatorId);
    return listFeed(ctx.sqlite, ctx.session.accountId, input);
  },
};


