// Data key fingerprints (which key sealed this workspace's secrets) and samples of what each key sealed. The keys
// themselves are files (main/crypto/at-rest.ts); the database only ever holds their fingerprints.
import type { DataKeyName } from './schema.ts';
import { rawAll, rawFirst, rawRun, type Db } from './sql.ts';

/** The fingerprint recorded for a data key, or null before anything it sealed was recorded. */
export async function recordedFingerprint(db: Db, name: DataKeyName): Promise<string | null> {
  return (await rawFirst<{ fingerprint: string }>(db, `SELECT fingerprint FROM data_keys WHERE name = ?`, [name]))?.fingerprint ?? null;
}

/**
 * Record a key's fingerprint unless one is recorded already; resolves to the fingerprint recorded now (another
 * process's, when it got there first with a different key: the caller compares).
 */
export async function recordFingerprint(db: Db, name: DataKeyName, fingerprint: string, now: number): Promise<string> {
  await rawRun(db, `INSERT INTO data_keys (name, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, [name, fingerprint, now]);
  return (await recordedFingerprint(db, name))!;
}

/** One value sealed with the webhook data key (an endpoint's signing secret), or null when none is stored. */
export async function sealedWebhookSample(db: Db): Promise<string | null> {
  return (await rawFirst<{ v: string }>(db, `SELECT secret_enc AS v FROM webhook_endpoints ORDER BY id LIMIT 1`))?.v ?? null;
}

/** The audit signing key's private half, sealed with the audit data key, or null before the first export. */
export async function sealedAuditSample(db: Db): Promise<string | null> {
  return (await rawFirst<{ v: string }>(db, `SELECT private_key_enc AS v FROM audit_keys ORDER BY created_at DESC, id DESC LIMIT 1`))?.v ?? null;
}

/** Every recorded fingerprint (for a backup's manifest). */
export async function recordedFingerprints(db: Db): Promise<Record<string, string>> {
  const rows = await rawAll<{ name: string; fingerprint: string }>(db, `SELECT name, fingerprint FROM data_keys ORDER BY name`);
  return Object.fromEntries(rows.map((r) => [r.name, r.fingerprint]));
}
