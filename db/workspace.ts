// Reads and writes of the workspace's own rows (accounts, people, projects, boards, columns, cards, comments).
// Every function takes the account id and filters by it: a row of another account is simply not found.
import { all, first, q, run, type Sqlite } from './sql.ts';
import type { CardsTable, MembershipsTable } from './schema.ts';

export const findAccount = (s: Sqlite, id: string) => first(s, q.selectFrom('accounts').selectAll().where('id', '=', id));

export const listAccountsOfUser = (s: Sqlite, userId: string) =>
  all(
    s,
    q.selectFrom('accounts')
      .innerJoin('memberships', 'memberships.account_id', 'accounts.id')
      .select(['accounts.id', 'accounts.name'])
      .where('memberships.user_id', '=', userId)
      .orderBy('accounts.name'),
  );

export const listAllAccounts = (s: Sqlite) => all(s, q.selectFrom('accounts').selectAll().orderBy('name'));

export const findUser = (s: Sqlite, id: string) => first(s, q.selectFrom('users').selectAll().where('id', '=', id));

export const findUserByEmail = (s: Sqlite, email: string) =>
  first(s, q.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()));

export const findMembership = (s: Sqlite, accountId: string, userId: string) =>
  first(s, q.selectFrom('memberships').selectAll().where('account_id', '=', accountId).where('user_id', '=', userId));

export const listMembers = (s: Sqlite, accountId: string) =>
  all(
    s,
    q.selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'memberships.id', 'memberships.role', 'memberships.created_at',
        'users.id as user_id', 'users.name', 'users.email',
      ])
      .where('memberships.account_id', '=', accountId)
      .orderBy('users.name'),
  );

/** The first owner (else any member) of an account: the default person of a new session. */
export const defaultMember = (s: Sqlite, accountId: string) =>
  first(
    s,
    q.selectFrom('memberships').select(['user_id', 'role']).where('account_id', '=', accountId)
      .orderBy((eb) => eb.case().when('role', '=', 'owner').then(0).when('role', '=', 'admin').then(1).else(2).end())
      .orderBy('created_at')
      .limit(1),
  );

export const insertAccount = (s: Sqlite, row: { id: string; name: string; created_at: number }) =>
  run(s, q.insertInto('accounts').values(row));
export const insertUser = (s: Sqlite, row: { id: string; account_id: string; name: string; email: string; created_at: number }) =>
  run(s, q.insertInto('users').values({ ...row, email: row.email.toLowerCase() }));
export const insertMembership = (s: Sqlite, row: MembershipsTable) => run(s, q.insertInto('memberships').values(row));

export const findProject = (s: Sqlite, accountId: string, id: string) =>
  first(s, q.selectFrom('projects').selectAll().where('account_id', '=', accountId).where('id', '=', id));
export const listProjects = (s: Sqlite, accountId: string, includeArchived: boolean) => {
  let query = q.selectFrom('projects').selectAll().where('account_id', '=', accountId);
  if (!includeArchived) query = query.where('archived_at', 'is', null);
  return all(s, query.orderBy('archived_at', (o) => o.nullsFirst()).orderBy('name'));
};
export const insertProject = (s: Sqlite, row: { id: string; account_id: string; name: string; created_at: number }) =>
  run(s, q.insertInto('projects').values({ ...row, archived_at: null, archived_reason: null }));
export const markProjectArchived = (s: Sqlite, accountId: string, id: string, at: number, reason: string) =>
  run(s, q.updateTable('projects').set({ archived_at: at, archived_reason: reason }).where('account_id', '=', accountId).where('id', '=', id));

export const findBoard = (s: Sqlite, accountId: string, id: string) =>
  first(s, q.selectFrom('boards').selectAll().where('account_id', '=', accountId).where('id', '=', id));
export const listBoards = (s: Sqlite, accountId: string, projectId?: string) => {
  let query = q
    .selectFrom('boards')
    .innerJoin('projects', 'projects.id', 'boards.project_id')
    .select((eb) => [
      'boards.id', 'boards.name', 'boards.project_id', 'projects.name as project_name', 'projects.archived_at',
      eb.selectFrom('cards').select((e) => e.fn.countAll<number>().as('n')).whereRef('cards.board_id', '=', 'boards.id').as('card_count'),
    ])
    .where('boards.account_id', '=', accountId);
  if (projectId) query = query.where('boards.project_id', '=', projectId);
  return all(s, query.orderBy('projects.name').orderBy('boards.name'));
};
export const listBoardsOfProjects = (s: Sqlite, accountId: string) =>
  all(s, q.selectFrom('boards').select(['id', 'name', 'project_id']).where('account_id', '=', accountId).orderBy('name'));
export const insertBoard = (s: Sqlite, row: { id: string; account_id: string; project_id: string; name: string; created_at: number }) =>
  run(s, q.insertInto('boards').values(row));

export const findColumn = (s: Sqlite, accountId: string, id: string) =>
  first(s, q.selectFrom('columns').selectAll().where('account_id', '=', accountId).where('id', '=', id));
export const listColumns = (s: Sqlite, boardId: string) =>
  all(s, q.selectFrom('columns').selectAll().where('board_id', '=', boardId).orderBy('position'));
export const insertColumn = (s: Sqlite, row: { id: string; account_id: string; board_id: string; name: string; position: number; created_at: number }) =>
  run(s, q.insertInto('columns').values(row));

export const findCard = (s: Sqlite, accountId: string, id: string) =>
  first(s, q.selectFrom('cards').selectAll().where('account_id', '=', accountId).where('id', '=', id));

/** Cards with the names the board view and the card panel show. */
const cardsWithNames = () =>
  q.selectFrom('cards')
    .leftJoin('users as assignee', 'assignee.id', 'cards.assignee_id')
    .innerJoin('users as creator', 'creator.id', 'cards.creator_id')
    .selectAll('cards')
    .select((eb) => [
      'assignee.name as assignee_name',
      'creator.name as creator_name',
      eb.selectFrom('comments').select((e) => e.fn.countAll<number>().as('n')).whereRef('comments.card_id', '=', 'cards.id').as('comment_count'),
    ]);

/** Cards of a board, in column order. */
export const listBoardCards = (s: Sqlite, boardId: string) =>
  all(s, cardsWithNames().where('cards.board_id', '=', boardId).orderBy('cards.column_id').orderBy('cards.position'));

export const findCardWithNames = (s: Sqlite, accountId: string, cardId: string) =>
  first(s, cardsWithNames().where('cards.account_id', '=', accountId).where('cards.id', '=', cardId));

export const countCardsInColumn = (s: Sqlite, columnId: string) =>
  first(s, q.selectFrom('cards').select((e) => e.fn.countAll<number>().as('n')).where('column_id', '=', columnId))!.n;

export const insertCard = (s: Sqlite, row: CardsTable) => run(s, q.insertInto('cards').values(row));

export const updateCardRow = (s: Sqlite, accountId: string, id: string, set: Partial<CardsTable>) =>
  run(s, q.updateTable('cards').set(set).where('account_id', '=', accountId).where('id', '=', id));

/** Close the gap a card leaves at `position` in `columnId`. */
export const closeGap = (s: Sqlite, columnId: string, position: number) =>
  run(s, q.updateTable('cards').set((eb) => ({ position: eb('position', '-', 1) })).where('column_id', '=', columnId).where('position', '>', position));

/** Open a gap at `position` in `columnId`. */
export const openGap = (s: Sqlite, columnId: string, position: number) =>
  run(s, q.updateTable('cards').set((eb) => ({ position: eb('position', '+', 1) })).where('column_id', '=', columnId).where('position', '>=', position));

export const listComments = (s: Sqlite, cardId: string) =>
  all(
    s,
    q.selectFrom('comments')
      .innerJoin('users', 'users.id', 'comments.author_id')
      .selectAll('comments')
      .select('users.name as author_name')
      .where('comments.card_id', '=', cardId)
      .orderBy('comments.created_at'),
  );

export const insertComment = (s: Sqlite, row: { id: string; account_id: string; card_id: string; author_id: string; body: string; created_at: number }) =>
  run(s, q.insertInto('comments').values(row));

/** Subscribe a person to a card's conversation (idempotent). */
export const subscribeToCard = (s: Sqlite, row: { id: string; account_id: string; card_id: string; user_id: string; created_at: number }) =>
  run(s, q.insertInto('card_subscriptions').values(row).onConflict((oc) => oc.columns(['card_id', 'user_id']).doNothing()));

export const listCardSubscribers = (s: Sqlite, cardId: string) =>
  all(s, q.selectFrom('card_subscriptions').select('user_id').where('card_id', '=', cardId)).map((r) => r.user_id);

export const countAccounts = (s: Sqlite) => first(s, q.selectFrom('accounts').select((e) => e.fn.countAll<number>().as('n')))!.n;
