// SQL_PROFILE=1: time per statement text on either store, printed to stderr at exit (what a benchmark's store
// work spends its time on; on PostgreSQL the time of a statement includes its round trip). SQL_PROFILE_WIDTH sets how
// much of each statement's text is printed (220 characters).
const profile: Map<string, { n: number; ms: number }> | null = process.env.SQL_PROFILE ? new Map() : null;

if (profile) process.on('exit', () => printProfile('until exit'));

/** Forget what was timed so far (a benchmark's set-up is not part of its measure). */
export function resetProfile(): void {
  profile?.clear();
}

/** Print what was timed since the last print or reset, under `title`, then forget it (one phase of a benchmark). */
export function printProfile(title: string): void {
  if (!profile || profile.size === 0) return;
  console.error(`SQL profile, ${title}:`);
  const top = [...profile].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  for (const [sql, v] of top) console.error(`${v.ms.toFixed(0).padStart(6)}ms ${String(v.n).padStart(7)} ${sql.replace(/\s+/g, ' ').slice(0, Number(process.env.SQL_PROFILE_WIDTH ?? 220))}`);
  profile.clear();
}

// Lists of placeholders and VALUES rows vary with the batch; one line per statement shape sums them.
const shapeOf = (sql: string) => sql.replace(/\(\?(, \?)*\)(, \(\?(, \?)*\))*/g, '(…)');

function note(sql: string, t0: number): void {
  sql = shapeOf(sql);
  const e = profile!.get(sql) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += performance.now() - t0;
  profile!.set(sql, e);
}

/** Run `fn` (one statement), timed under `sql` when profiling. */
export function timed<T>(sql: string, fn: () => T): T {
  if (!profile) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    note(sql, t0);
  }
}

/** timed for a statement that resolves later (a round trip to a server). */
export async function timedAsync<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  if (!profile) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    note(sql, t0);
  }
}
