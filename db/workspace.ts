// Reads and writes of the workspace's own rows (accounts, people, projects, boards, columns, cards, comments).
// Every function takes the account id and filters by it: a row of another account is simply not found.
// Lists order by a unique key last: equal names sort differently on SQLite and PostgreSQL otherwise.
import { all, first, marks, rawFirst, run, runWrite, type Db, type RowWrite } from './sql.ts';
import type { CardsTable, CardSubscriptionsTable, CommentsTable, MembershipsTable } from './schema.ts';

export const findAccount = (db: Db, id: string) => first(db, db.q.selectFrom('accounts').selectAll().where('id', '=', id));

export const listAccountsOfUser = (db: Db, userId: string) =>
  all(
    db,
    db.q.selectFrom('accounts')
      .innerJoin('memberships', 'memberships.account_id', 'accounts.id')
      .select(['accounts.id', 'accounts.name'])
      .where('memberships.user_id', '=', userId)
      .orderBy('accounts.name')
      .orderBy('accounts.id'),
  );

export const listAllAccounts = (db: Db) => all(db, db.q.selectFrom('accounts').selectAll().orderBy('name').orderBy('id'));

export const findUser = (db: Db, id: string) => first(db, db.q.selectFrom('users').selectAll().where('id', '=', id));

export const findUserByEmail = (db: Db, email: string) =>
  first(db, db.q.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).orderBy('created_at').orderBy('id').limit(1));

export const findMembership = (db: Db, accountId: string, userId: string) =>
  first(db, db.q.selectFrom('memberships').selectAll().where('account_id', '=', accountId).where('user_id', '=', userId));

export const listMembers = (db: Db, accountId: string) =>
  all(
    db,
    db.q.selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'memberships.id', 'memberships.role', 'memberships.created_at',
        'users.id as user_id', 'users.name', 'users.email',
      ])
      .where('memberships.account_id', '=', accountId)
      .orderBy('users.name')
      .orderBy('memberships.id'),
  );

/** The first owner (else any member) of an account: the default person of a new session. */
export const defaultMember = (db: Db, accountId: string) =>
  first(
    db,
    db.q.selectFrom('memberships').select(['user_id', 'role']).where('account_id', '=', accountId)
      .orderBy((eb) => eb.case().when('role', '=', 'owner').then(0).when('role', '=', 'admin').then(1).else(2).end())
      .orderBy('created_at')
      .orderBy('id')
      .limit(1),
  );

export const insertAccount = (db: Db, row: { id: string; name: string; created_at: number }) =>
  run(db, db.q.insertInto('accounts').values(row));
export const insertUser = (db: Db, row: { id: string; account_id: string; name: string; email: string; created_at: number }) =>
  run(db, db.q.insertInto('users').values({ ...row, email: row.email.toLowerCase() }));
export const insertMembership = (db: Db, row: MembershipsTable) => run(db, db.q.insertInto('memberships').values(row));

export const findProject = (db: Db, accountId: string, id: string) =>
  first(db, db.q.selectFrom('projects').selectAll().where('account_id', '=', accountId).where('id', '=', id));
export const listProjects = (db: Db, accountId: string, includeArchived: boolean) => {
  let query = db.q.selectFrom('projects').selectAll().where('account_id', '=', accountId);
  if (!includeArchived) query = query.where('archived_at', 'is', null);
  return all(db, query.orderBy('archived_at', (o) => o.nullsFirst()).orderBy('name').orderBy('id'));
};
export const insertProject = (db: Db, row: { id: string; account_id: string; name: string; created_at: number }) =>
  run(db, db.q.insertInto('projects').values({ ...row, archived_at: null, archived_reason: null }));
/** A project marked archived, as a write to send with its project_archived event's rows (recordEvent). */
export const projectArchivedWrite = (accountId: string, id: string, at: number, reason: string): RowWrite => ({
  text: 'UPDATE projects SET archived_at = ?, archived_reason = ? WHERE account_id = ? AND id = ?',
  params: [at, reason, accountId, id],
});

export const findBoard = (db: Db, accountId: string, id: string) =>
  first(db, db.q.selectFrom('boards').selectAll().where('account_id', '=', accountId).where('id', '=', id));

/**
 * A board with its project, in one statement (the guard of every command on a board). The project always
 * exists (foreign key); the board may not.
 */
export const findBoardWithProject = (db: Db, accountId: string, id: string) =>
  first(
    db,
    db.q.selectFrom('boards')
      .innerJoin('projects', 'projects.id', 'boards.project_id')
      .selectAll('boards')
      .select(['projects.name as project_name', 'projects.archived_at as project_archived_at', 'projects.archived_reason as project_archived_reason', 'projects.created_at as project_created_at'])
      .where('boards.account_id', '=', accountId)
      .where('boards.id', '=', id),
  );

export const listBoards = (db: Db, accountId: string, projectId?: string) => {
  let query = db.q
    .selectFrom('boards')
    .innerJoin('projects', 'projects.id', 'boards.project_id')
    .select((eb) => [
      'boards.id', 'boards.name', 'boards.project_id', 'projects.name as project_name', 'projects.archived_at',
      eb.selectFrom('cards').select((e) => e.fn.countAll<number>().as('n')).whereRef('cards.board_id', '=', 'boards.id').as('card_count'),
    ])
    .where('boards.account_id', '=', accountId);
  if (projectId) query = query.where('boards.project_id', '=', projectId);
  return all(db, query.orderBy('projects.name').orderBy('boards.name').orderBy('boards.id'));
};
export const listBoardsOfProjects = (db: Db, accountId: string) =>
  all(db, db.q.selectFrom('boards').select(['id', 'name', 'project_id']).where('account_id', '=', accountId).orderBy('name').orderBy('id'));
export const insertBoard = (db: Db, row: { id: string; account_id: string; project_id: string; name: string; created_at: number }) =>
  run(db, db.q.insertInto('boards').values(row));

export const findColumn = (db: Db, accountId: string, id: string) =>
  first(db, db.q.selectFrom('columns').selectAll().where('account_id', '=', accountId).where('id', '=', id));

/** A column and how many cards it holds, in one statement (where a card may go, and at which position). */
export const findColumnWithCount = (db: Db, accountId: string, id: string) =>
  first(
    db,
    db.q.selectFrom('columns')
      .selectAll('columns')
      .select((eb) => eb.selectFrom('cards').select((e) => e.fn.countAll<number>().as('n')).whereRef('cards.column_id', '=', 'columns.id').as('card_count'))
      .where('account_id', '=', accountId)
      .where('id', '=', id),
  );

export const listColumns = (db: Db, boardId: string) =>
  all(db, db.q.selectFrom('columns').selectAll().where('board_id', '=', boardId).orderBy('position').orderBy('id'));
export const insertColumn = (db: Db, row: { id: string; account_id: string; board_id: string; name: string; position: number; created_at: number }) =>
  run(db, db.q.insertInto('columns').values(row));
/** Several columns of one board in one statement. */
export const insertColumns = (db: Db, rows: { id: string; account_id: string; board_id: string; name: string; position: number; created_at: number }[]) =>
  rows.length ? run(db, db.q.insertInto('columns').values(rows)) : Promise.resolve(0);

export const findCard = (db: Db, accountId: string, id: string) =>
  first(db, db.q.selectFrom('cards').selectAll().where('account_id', '=', accountId).where('id', '=', id));

/**
 * A card with its board's project, in one statement (the guard of every command on a card: the card must be
 * the account's and its project not archived).
 */
export const findCardWithProject = (db: Db, accountId: string, id: string) =>
  first(
    db,
    db.q.selectFrom('cards')
      .innerJoin('boards', 'boards.id', 'cards.board_id')
      .innerJoin('projects', 'projects.id', 'boards.project_id')
      .selectAll('cards')
      .select(['boards.project_id as project_id', 'projects.name as project_name', 'projects.archived_at as project_archived_at'])
      .where('cards.account_id', '=', accountId)
      .where('cards.id', '=', id),
  );

/** Cards with the names the board view and the card panel show. */
const cardsWithNames = (db: Db) =>
  db.q.selectFrom('cards')
    .leftJoin('users as assignee', 'assignee.id', 'cards.assignee_id')
    .innerJoin('users as creator', 'creator.id', 'cards.creator_id')
    .selectAll('cards')
    .select((eb) => [
      'assignee.name as assignee_name',
      'creator.name as creator_name',
      eb.selectFrom('comments').select((e) => e.fn.countAll<number>().as('n')).whereRef('comments.card_id', '=', 'cards.id').as('comment_count'),
    ]);

/** Cards of a board, in column order. */
export const listBoardCards = (db: Db, boardId: string) =>
  all(db, cardsWithNames(db).where('cards.board_id', '=', boardId).orderBy('cards.column_id').orderBy('cards.position').orderBy('cards.id'));

export const findCardWithNames = (db: Db, accountId: string, cardId: string) =>
  first(db, cardsWithNames(db).where('cards.account_id', '=', accountId).where('cards.id', '=', cardId));

export const countCardsInColumn = async (db: Db, columnId: string) =>
  (await first(db, db.q.selectFrom('cards').select((e) => e.fn.countAll<number>().as('n')).where('column_id', '=', columnId)))!.n;

const cardColumns = [
  'id', 'account_id', 'board_id', 'column_id', 'position', 'title', 'description', 'assignee_id', 'due_date', 'creator_id', 'created_at', 'updated_at',
] as const satisfies readonly (keyof CardsTable)[];

const insertCardSql = `INSERT INTO cards (${cardColumns.join(', ')}) VALUES (${marks(cardColumns.length)})`;

/** A new card's row, as a write to send with its card_created event's rows (recordEvent: one round trip on a hub). */
export const cardInsertWrite = (row: CardsTable): RowWrite => ({ text: insertCardSql, params: cardColumns.map((c) => row[c]) });

export const insertCard = (db: Db, row: CardsTable) => runWrite(db, cardInsertWrite(row));

const cardColumnNames = new Set<string>(cardColumns);

/** New values for a card's columns (those of `set` that are defined), as a write (run alone, or with an event's rows). */
export const cardUpdateWrite = (accountId: string, id: string, set: Partial<CardsTable>): RowWrite => {
  const entries = Object.entries(set).filter(([, v]) => v !== undefined);
  for (const [c] of entries) if (!cardColumnNames.has(c) || c === 'id' || c === 'account_id') throw new Error(`Not a card column to set: ${c}`);
  return {
    text: `UPDATE cards SET ${entries.map(([c]) => `${c} = ?`).join(', ')} WHERE account_id = ? AND id = ?`,
    params: [...entries.map(([, v]) => v), accountId, id],
  };
};

export const updateCardRow = (db: Db, accountId: string, id: string, set: Partial<CardsTable>) => runWrite(db, cardUpdateWrite(accountId, id, set));

/** Close the gap a card leaves at `position` in `columnId`. */
export const closeGap = (db: Db, columnId: string, position: number) =>
  run(db, db.q.updateTable('cards').set((eb) => ({ position: eb('position', '-', 1) })).where('column_id', '=', columnId).where('position', '>', position));

/** Open a gap at `position` in `columnId`. */
export const openGap = (db: Db, columnId: string, position: number) =>
  run(db, db.q.updateTable('cards').set((eb) => ({ position: eb('position', '+', 1) })).where('column_id', '=', columnId).where('position', '>=', position));

/**
 * What a move checks, in one statement: the card (the account's), its board's project (archived or not), and the
 * target column (the account's, or null) with the number of cards in it.
 */
export const findCardForMove = (db: Db, accountId: string, cardId: string, toColumnId: string) =>
  rawFirst<CardsTable & { project_id: string; project_name: string; project_archived_at: number | null; target_id: string | null; target_board_id: string | null; target_count: number }>(
    db,
    `SELECT cards.*, boards.project_id AS project_id, projects.name AS project_name, projects.archived_at AS project_archived_at,
            target.id AS target_id, target.board_id AS target_board_id,
            (SELECT count(*) FROM cards AS c WHERE c.column_id = target.id) AS target_count
       FROM cards
       JOIN boards ON boards.id = cards.board_id
       JOIN projects ON projects.id = boards.project_id
       LEFT JOIN columns AS target ON target.id = ? AND target.account_id = ?
      WHERE cards.account_id = ? AND cards.id = ?`,
    [toColumnId, accountId, accountId, cardId],
  );

/**
 * Move a card to `toPosition` of another column in one statement: the cards after it in its old column move up
 * one, the cards from `toPosition` on in the new column move down one, the card takes its new place (the rows
 * closeGap + openGap + updateCardRow write). SET expressions read the row as it was, on both dialects. A write to
 * send with the card_moved event's rows (recordEvent): on a hub, the move and its event are one round trip.
 */
export const moveCardWrite = (
  accountId: string,
  move: { cardId: string; fromColumnId: string; fromPosition: number; toColumnId: string; toPosition: number; at: number },
): RowWrite => {
  if (move.fromColumnId === move.toColumnId) throw new Error('moveCardWrite moves between two columns');
  return {
    text: `UPDATE cards SET
        position = CASE WHEN id = ? THEN ? WHEN column_id = ? THEN position - 1 ELSE position + 1 END,
        column_id = CASE WHEN id = ? THEN ? ELSE column_id END,
        updated_at = CASE WHEN id = ? THEN ? ELSE updated_at END
      WHERE account_id = ? AND (id = ? OR (column_id = ? AND position > ?) OR (column_id = ? AND position >= ?))`,
    params: [
      move.cardId, move.toPosition, move.fromColumnId,
      move.cardId, move.toColumnId,
      move.cardId, move.at,
      accountId, move.cardId, move.fromColumnId, move.fromPosition, move.toColumnId, move.toPosition,
    ],
  };
};

export const listComments = (db: Db, cardId: string) =>
  all(
    db,
    db.q.selectFrom('comments')
      .innerJoin('users', 'users.id', 'comments.author_id')
      .selectAll('comments')
      .select('users.name as author_name')
      .where('comments.card_id', '=', cardId)
      .orderBy('comments.created_at')
      .orderBy('comments.id'),
  );

/** A comment's row, as a write to send with its comment_added event's rows (recordEvent). */
export const commentInsertWrite = (row: CommentsTable): RowWrite => ({
  text: 'INSERT INTO comments (id, account_id, card_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  params: [row.id, row.account_id, row.card_id, row.author_id, row.body, row.created_at],
});

/**
 * Subscribe people to a card's conversation (idempotent), as one write: run alone (subscribeToCard) or sent with
 * an event's rows (recordEvent). None for no one.
 */
export const subscriptionsWrite = (rows: CardSubscriptionsTable | CardSubscriptionsTable[]): RowWrite[] => {
  const list = Array.isArray(rows) ? rows : [rows];
  if (list.length === 0) return [];
  return [{
    text: `INSERT INTO card_subscriptions (id, account_id, card_id, user_id, created_at) VALUES ${list.map(() => '(?, ?, ?, ?, ?)').join(', ')}
      ON CONFLICT (card_id, user_id) DO NOTHING`,
    params: list.flatMap((r) => [r.id, r.account_id, r.card_id, r.user_id, r.created_at]),
  }];
};

export const subscribeToCard = async (db: Db, rows: CardSubscriptionsTable | CardSubscriptionsTable[]) => {
  let n = 0;
  for (const w of subscriptionsWrite(rows)) n += await runWrite(db, w);
  return n;
};

export const listCardSubscribers = async (db: Db, cardId: string) =>
  (await all(db, db.q.selectFrom('card_subscriptions').select('user_id').where('card_id', '=', cardId).orderBy('user_id'))).map((r) => r.user_id);

export const countAccounts = async (db: Db) => (await first(db, db.q.selectFrom('accounts').select((e) => e.fn.countAll<number>().as('n'))))!.n;
