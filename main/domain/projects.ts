import { newId } from '../../db/ids.ts';
import * as ws from '../../db/workspace.ts';
import { conflict, invalid } from '../errors.ts';
import { announce, now, type DomainContext } from './context.ts';
import { requireProject } from './guards.ts';
import { recordEvent } from './record.ts';

export const defaultColumns = ['To do', 'Doing', 'Done'];

/** A project with its first board (projects have no event type of their own). */
export function createProject(ctx: DomainContext, input: { name: string; boardName?: string }) {
  const { sqlite, session } = ctx;
  const at = now(ctx);
  return sqlite.transaction(() => {
    const project = { id: newId(at), account_id: session.accountId, name: input.name, created_at: at };
    ws.insertProject(sqlite, project);
    const board = createBoardRows(ctx, project.id, input.boardName ?? input.name, defaultColumns, at);
    return { project, board };
  })();
}

export function createBoard(ctx: DomainContext, input: { projectId: string; name: string; columns?: string[] }) {
  const { sqlite, session } = ctx;
  const at = now(ctx);
  return sqlite.transaction(() => {
    const project = requireProject(sqlite, session.accountId, input.projectId);
    if (project.archived_at !== null) throw conflict(`The project “${project.name}” is archived.`);
    return createBoardRows(ctx, project.id, input.name, input.columns ?? defaultColumns, at);
  })();
}

function createBoardRows(ctx: DomainContext, projectId: string, name: string, columns: string[], at: number) {
  const { sqlite, session } = ctx;
  const board = { id: newId(at), account_id: session.accountId, project_id: projectId, name, created_at: at };
  ws.insertBoard(sqlite, board);
  const cols = columns.map((colName, position) => ({ id: newId(at), account_id: session.accountId, board_id: board.id, name: colName, position, created_at: at }));
  for (const c of cols) ws.insertColumn(sqlite, c);
  return { board, columns: cols };
}

export function archiveProject(ctx: DomainContext, input: { projectId: string; reason: string }) {
  const { sqlite, session } = ctx;
  const reason = input.reason.trim();
  if (!reason) throw invalid('A reason is required to archive a project.', ['reason']);
  if (reason.length > 500) throw invalid('The reason must be at most 500 characters.', ['reason']);
  const at = now(ctx);
  const result = sqlite.transaction(() => {
    const project = requireProject(sqlite, session.accountId, input.projectId);
    if (project.archived_at !== null) throw conflict(`The project “${project.name}” is already archived.`);
    ws.markProjectArchived(sqlite, session.accountId, project.id, at, reason);
    const event = recordEvent(
      sqlite,
      'project_archived',
      { id: newId(at), account_id: session.accountId, creator_id: session.userId, created_at: at, project_id: project.id, reason },
      { boardId: null, projectId: project.id },
    );
    return { project: { ...project, archived_at: at, archived_reason: reason }, event };
  })();
  announce(ctx, [result.event]);
  return result.project;
}
