// Reports over the daily rollups: the summary, per-day per-type figures and CSV exports.
import * as rep from '../../db/reports.ts';
import { DAY_MS, type Scope } from '../../db/reports.ts';
import { topTrackedRoutes } from '../../db/tracking.ts';
import type { Db } from '../../db/sql.ts';
import * as ws from '../../db/workspace.ts';
import type { Output } from '../../preload/contract.ts';
import { eventTables, type EventTable } from '../events/registry.ts';
import { invalid, notFound } from '../errors.ts';

export const MAX_REPORT_DAYS = 3660;

export const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** `2026-03-31` or an ISO time → its UTC day number. */
export function parseDay(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  return rep.dayOf(ms);
}

export interface ReportInput {
  from: string;
  to: string;
  boardId?: string;
  projectId?: string;
}

export interface ResolvedRange extends rep.DayRange {
  scope: Scope;
}

/** Check the range and the board/project against the session's account; a foreign id is not found. */
export async function resolveRange(db: Db, accountId: string, input: ReportInput): Promise<ResolvedRange> {
  const fromDay = parseDay(input.from);
  const toDay = parseDay(input.to);
  if (toDay < fromDay) throw invalid('The end of the range is before its start.', ['to']);
  if (toDay - fromDay + 1 > MAX_REPORT_DAYS) throw invalid(`A report covers at most ${MAX_REPORT_DAYS} days.`, ['from']);
  let scope: Scope = { accountId, scope: 'account', scopeId: accountId };
  if (input.projectId) {
    if (!(await ws.findProject(db, accountId, input.projectId))) throw notFound('The project');
    scope = { accountId, scope: 'project', scopeId: input.projectId };
  }
  if (input.boardId) {
    const board = await ws.findBoard(db, accountId, input.boardId);
    if (!board) throw notFound('The board');
    if (input.projectId && board.project_id !== input.projectId) throw invalid('The board is not in that project.', ['boardId']);
    scope = { accountId, scope: 'board', scopeId: input.boardId };
  }
  return { fromDay, toDay, scope };
}

const zeroCounts = () => Object.fromEntries(eventTables.map((t) => [t, 0])) as Record<EventTable, number>;

export async function summary(db: Db, r: ResolvedRange, limit = 10): Promise<Output<'reports.summary'>> {
  // One range read of the scope's daily rows gives both the per-type counts and the per-day totals.
  const counts = zeroCounts();
  let total = 0;
  const perDay = new Map<number, number>();
  for (const row of await rep.rollupDaily(db, r.scope, r)) {
    if (row.event_type in counts) counts[row.event_type as EventTable] += row.n;
    total += row.n;
    perDay.set(row.day, (perDay.get(row.day) ?? 0) + row.n);
  }
  const daily: { day: string; count: number }[] = [];
  for (let d = r.fromDay; d <= r.toDay; d++) daily.push({ day: dayString(d), count: perDay.get(d) ?? 0 });
  return {
    from: dayString(r.fromDay),
    to: dayString(r.toDay),
    days: r.toDay - r.fromDay + 1,
    total,
    counts,
    mostActiveBoards: (await rep.rollupBoards(db, r.scope, r, limit)).map((b) => ({ id: b.id, name: b.name, count: b.n })),
    mostActiveUsers: (await rep.rollupUsers(db, r.scope, r, limit)).map((u) => ({ id: u.id, name: u.name, count: u.n })),
    daily,
    topRoutes: (await topTrackedRoutes(db, r.scope.accountId, r.fromDay * DAY_MS, (r.toDay + 1) * DAY_MS, limit)).map((x) => ({ url: x.url, count: x.n })),
  };
}

export async function dailyByType(db: Db, r: ResolvedRange): Promise<Output<'reports.daily'>> {
  const rows = new Map<number, Record<EventTable, number>>();
  for (const row of await rep.rollupDaily(db, r.scope, r)) {
    const c = rows.get(row.day) ?? zeroCounts();
    if (row.event_type in c) c[row.event_type as EventTable] += row.n;
    rows.set(row.day, c);
  }
  const items = [];
  for (let d = r.fromDay; d <= r.toDay; d++) {
    const c = rows.get(d) ?? zeroCounts();
    items.push({ day: dayString(d), ...c, total: Object.values(c).reduce((a, b) => a + b, 0) });
  }
  return { items };
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => {
    if (v === null) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
