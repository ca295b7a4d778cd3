// SQLite's integrity checks of a workspace file, and their last results (table storage_checks, migration 0007).
//
// quick_check walks every b-tree page (a zeroed or garbled page of any table or index shows) without comparing
// indexes with their tables; integrity_check also does that comparison, so it takes longer. Both run on a
// read-only connection of their own: in WAL mode they read one snapshot and never hold up the writer.
import Database from 'better-sqlite3';
import type { StorageChecksTable } from './schema.ts';
import { rawAll, rawRun, type Db } from './sql.ts';

export type CheckKind = 'quick' | 'full';

export interface CheckResult {
  kind: CheckKind;
  ok: boolean;
  /** SQLite's messages, at most `limit` (empty when ok). */
  problems: string[];
  checkedAt: number;
  durationMs: number;
}

/** Run quick_check or integrity_check on `file` (opened read-only here). A file SQLite cannot read is a problem too. */
export function checkSqliteFile(file: string, kind: CheckKind, opts: { nativeBinding?: string; limit?: number } = {}): CheckResult {
  const started = Date.now();
  const limit = opts.limit ?? 20;
  let problems: string[];
  let c: Database.Database | undefined;
  try {
    c = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: opts.nativeBinding });
    const rows = c.prepare(`PRAGMA ${kind === 'quick' ? 'quick_check' : 'integrity_check'}(${Number(limit)})`).raw(true).all() as [string][];
    // With several problems SQLite prefixes the first with "*** in database main ***".
    problems = rows.map((r) => String(r[0]).replace(/^\*\*\* in database \w+ \*\*\*\n/, '')).filter((m) => m !== 'ok');
  } catch (err) {
    problems = [(err as Error).message];
  } finally {
    if (c?.open) c.close();
  }
  return { kind, ok: problems.length === 0, problems, checkedAt: started, durationMs: Date.now() - started };
}

export async function recordCheck(db: Db, r: CheckResult): Promise<void> {
  await rawRun(
    db,
    `INSERT INTO storage_checks (kind, ok, problems, checked_at, duration_ms) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (kind) DO UPDATE SET ok = excluded.ok, problems = excluded.problems, checked_at = excluded.checked_at, duration_ms = excluded.duration_ms`,
    [r.kind, r.ok, JSON.stringify(r.problems), r.checkedAt, r.durationMs],
  );
}

export async function lastChecks(db: Db): Promise<CheckResult[]> {
  const rows = await rawAll<StorageChecksTable>(db, `SELECT kind, ok, problems, checked_at, duration_ms FROM storage_checks ORDER BY kind`);
  return rows.map((r) => ({
    kind: r.kind, ok: Boolean(r.ok), problems: JSON.parse(r.problems) as string[], checkedAt: Number(r.checked_at), durationMs: Number(r.duration_ms),
  }));
}
