// How a job reads on the Jobs page (jobs.list, jobs.get).
import { toIso } from '../../db/ids.ts';
import type { JobListRow } from '../../db/jobs.ts';

const iso = (ms: number | null) => (ms === null ? null : toIso(ms));

/** `scheduled` for a waiting job not due yet; `failed` for a finished job whose work failed (db/jobs.ts failedWork). */
export function jobView(j: JobListRow, now: number) {
  return {
    id: j.id, queue: j.queue, kind: j.kind, args: JSON.parse(j.args) as Record<string, unknown>,
    status: j.status === 'ready' && j.run_at > now ? ('scheduled' as const) : j.failed_work ? ('failed' as const) : j.status,
    priority: j.priority, runAt: toIso(j.run_at), attempts: j.attempts, maxAttempts: j.max_attempts, claimedBy: j.claimed_by,
    heartbeatAt: iso(j.heartbeat_at), lastError: j.last_error, finishedAt: iso(j.finished_at), createdAt: toIso(j.created_at),
  };
}
