// Lookups that refuse: a row of another account, or an archived project, ends the command before any write.
import * as ws from '../../db/workspace.ts';
import type { Db } from '../../db/store.ts';
import { conflict, notFound } from '../errors.ts';

const archivedBoards = (name: string) => conflict(`The project “${name}” is archived; its boards can no longer be changed.`);

export async function requireCard(db: Db, accountId: string, cardId: string) {
  const card = await ws.findCard(db, accountId, cardId);
  if (!card) throw notFound('The card');
  return card;
}

export async function requireColumn(db: Db, accountId: string, columnId: string) {
  const column = await ws.findColumn(db, accountId, columnId);
  if (!column) throw notFound('The column');
  return column;
}

/** A column with the number of cards it holds (where a card goes, and at which position at most). */
export async function requireColumnWithCount(db: Db, accountId: string, columnId: string) {
  const column = await ws.findColumnWithCount(db, accountId, columnId);
  if (!column) throw notFound('The column');
  const { card_count, ...row } = column;
  return { column: row, cardCount: Number(card_count ?? 0) };
}

export async function requireBoard(db: Db, accountId: string, boardId: string) {
  const board = await ws.findBoard(db, accountId, boardId);
  if (!board) throw notFound('The board');
  return board;
}

export async function requireProject(db: Db, accountId: string, projectId: string) {
  const project = await ws.findProject(db, accountId, projectId);
  if (!project) throw notFound('The project');
  return project;
}

/** The board and its project, refusing when the project is archived (archived projects are read-only). One query. */
export async function requireWritableBoard(db: Db, accountId: string, boardId: string) {
  const row = await ws.findBoardWithProject(db, accountId, boardId);
  if (!row) throw notFound('The board');
  const { project_name, project_archived_at, project_archived_reason, project_created_at, ...board } = row;
  if (project_archived_at !== null) throw archivedBoards(project_name);
  const project = {
    id: board.project_id,
    account_id: board.account_id,
    name: project_name,
    archived_at: project_archived_at,
    archived_reason: project_archived_reason,
    created_at: project_created_at,
  };
  return { board, project };
}

/**
 * A card of the account on a board whose project is not archived: the card and its project's id, in one query
 * (the guard of every command that changes a card).
 */
export async function requireWritableCard(db: Db, accountId: string, cardId: string) {
  const row = await ws.findCardWithProject(db, accountId, cardId);
  if (!row) throw notFound('The card');
  const { project_id, project_name, project_archived_at, ...card } = row;
  if (project_archived_at !== null) throw archivedBoards(project_name);
  return { card, projectId: project_id };
}

/**
 * Everything a move checks, in one query and in the order a person would be told: the card (not found), its
 * project (archived), the target column (not found).
 */
export async function requireMove(db: Db, accountId: string, cardId: string, toColumnId: string) {
  const row = await ws.findCardForMove(db, accountId, cardId, toColumnId);
  if (!row) throw notFound('The card');
  const { project_id, project_name, project_archived_at, target_id, target_board_id, target_count, ...card } = row;
  if (project_archived_at !== null) throw archivedBoards(project_name);
  if (target_id === null || target_board_id === null) throw notFound('The column');
  return { card, projectId: project_id, to: { id: target_id, board_id: target_board_id }, toCount: Number(target_count) };
}

export async function requireMember(db: Db, accountId: string, userId: string) {
  const m = await ws.findMembership(db, accountId, userId);
  if (!m) throw notFound('The person');
  return m;
}
