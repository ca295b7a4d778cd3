import { newId } from '../../db/ids.ts';
import type { Tx } from '../../db/store.ts';
import * as ws from '../../db/workspace.ts';
import { conflict, invalid } from '../errors.ts';
import { announce, inCommand, now, type DomainContext } from './context.ts';
import { requireProject } from './guards.ts';
import { recordEvent } from './record.ts';

export const defaultColumns = ['To do', 'Doing', 'Done'];

/** A project with its first board (projects have no event type of their own). */
export function createProject(ctx: DomainContext, input: { name: string; boardName?: string }) {
  const { session } = ctx;
  const at = now(ctx);
  return inCommand(ctx, async (tx) => {
    const project = { id: newId(at), account_id: session.accountId, name: input.name, created_at: at };
    await ws.insertProject(tx, project);
    const board = await createBoardRows(tx, session.accountId, project.id, input.boardName ?? input.name, defaultColumns, at);
    return { project, board };
  });
}

export function createBoard(ctx: DomainContext, input: { projectId: string; name: string; columns?: string[] }) {
  const { session } = ctx;
  const at = now(ctx);
  return inCommand(ctx, async (tx) => {
    const project = await requireProject(tx, session.accountId, input.projectId);
    if (project.archived_at !== null) throw conflict(`The project “${project.name}” is archived.`);
    return createBoardRows(tx, session.accountId, project.id, input.name, input.columns ?? defaultColumns, at);
  });
}

async function createBoardRows(tx: Tx, accountId: string, projectId: string, name: string, columns: string[], at: number) {
  const board = { id: newId(at), account_id: accountId, project_id: projectId, name, created_at: at };
  await ws.insertBoard(tx, board);
  const cols = columns.map((colName, position) => ({ id: newId(at), account_id: accountId, board_id: board.id, name: colName, position, created_at: at }));
  await ws.insertColumns(tx, cols);
  return { board, columns: cols };
}

export async function archiveProject(ctx: DomainContext, input: { projectId: string; reason: string }) {
  const { session } = ctx;
  const reason = input.reason.trim();
  if (!reason) throw invalid('A reason is required to archive a project.', ['reason']);
  if (reason.length > 500) throw invalid('The reason must be at most 500 characters.', ['reason']);
  const at = now(ctx);
  const result = await inCommand(ctx, async (tx) => {
    const project = await requireProject(tx, session.accountId, input.projectId);
    if (project.archived_at !== null) throw conflict(`The project “${project.name}” is already archived.`);
    const event = await recordEvent(
      tx,
      'project_archived',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, project_id: project.id, reason },
      { boardId: null, projectId: project.id },
      [ws.projectArchivedWrite(session.accountId, project.id, at, reason)],
    );
    return { project: { ...project, archived_at: at, archived_reason: reason }, event };
  });
  announce(ctx, [result.event]);
  return result.project;
}
