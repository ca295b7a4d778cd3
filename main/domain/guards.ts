// Lookups that refuse: a row of another account, or an archived project, ends the command before any write.
import * as ws from '../../db/workspace.ts';
import type { Sqlite } from '../../db/sql.ts';
import { conflict, notFound } from '../errors.ts';

export function requireCard(s: Sqlite, accountId: string, cardId: string) {
  const card = ws.findCard(s, accountId, cardId);
  if (!card) throw notFound('The card');
  return card;
}

export function requireColumn(s: Sqlite, accountId: string, columnId: string) {
  const column = ws.findColumn(s, accountId, columnId);
  if (!column) throw notFound('The column');
  return column;
}

export function requireBoard(s: Sqlite, accountId: string, boardId: string) {
  const board = ws.findBoard(s, accountId, boardId);
  if (!board) throw notFound('The board');
  return board;
}

export function requireProject(s: Sqlite, accountId: string, projectId: string) {
  const project = ws.findProject(s, accountId, projectId);
  if (!project) throw notFound('The project');
  return project;
}

/** The board's project, refusing when it is archived (archived projects are read-only). */
export function requireWritableBoard(s: Sqlite, accountId: string, boardId: string) {
  const board = requireBoard(s, accountId, boardId);
  const project = requireProject(s, accountId, board.project_id);
  if (project.archived_at !== null) throw conflict(`The project “${project.name}” is archived; its boards can no longer be changed.`);
  return { board, project };
}

export function requireMember(s: Sqlite, accountId: string, userId: string) {
  const m = ws.findMembership(s, accountId, userId);
  if (!m) throw notFound('The person');
  return m;
}
