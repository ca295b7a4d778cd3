// Offline review bundles: one SQLite file holding one account's trail, with a signed manifest inside it.
//
// Export: an online backup of the workspace (better-sqlite3's backup API: consistent while the app keeps
// writing), then, in the copy: other accounts' rows removed, operational and secret-bearing tables emptied
// (jobs, webhook endpoints and everything that references them, the signing key), optionally cut to a date range,
// VACUUMed (no deleted data left in free pages), and a manifest written to table `audit_bundle`:
//
//   manifest  = canonical JSON (keys sorted, no whitespace) of { format, createdAt, account, range, chain,
//               counts, schemaVersion, contentDigest, algorithm, publicKey, fingerprint }
//   signature = Ed25519 over the manifest's UTF-8 bytes, base64, with the workspace's key (main/audit/keys.ts)
//   contentDigest = SHA-256 over every schema object and every row of every table except audit_bundle
//               (see contentDigest below), so any change to the data invalidates the signature.
//   fileDigest = SHA-256 over the file's bytes with the manifest text and the signature (each stored once,
//               contiguously, in the audit_bundle row) replaced by zero bytes: every other byte of the file is
//               covered too, including unused space inside pages, so changing any one byte fails verification.
//
// verify-bundle checks, without the original workspace: the file is a sound SQLite database, the signature
// matches the public key carried in the manifest (compare its fingerprint with the one the workspace shows),
// the content digest, the counts, and the whole hash chain from the manifest's first link to its head.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chainHead, linkAt } from '../../db/audit.ts';
import { schemaVersion } from '../../db/open.ts';
import type { Sqlite } from '../../db/sql.ts';
import { CHAINED_TABLES } from './canonical.ts';
import { keyAtTime, stateAt, stateAttributes } from './history.ts';
import { ensureSigningKey, fingerprintOf, signWithWorkspaceKey, verifySignature } from './keys.ts';
import { verifyChain, type VerifyResult } from './verify.ts';

export const BUNDLE_FORMAT = 'chronicle.review-bundle.v1';
export const MANIFEST_TABLE = 'audit_bundle';

export interface Manifest {
  format: string;
  createdAt: string;
  account: { id: string; name: string };
  range: { from: string | null; to: string | null };
  chain: { firstSeq: number; firstPrevHash: string; headSeq: number; headHash: string; links: number };
  counts: Record<string, number>;
  schemaVersion: number;
  contentDigest: string;
  /** SHA-256 of the bundle file's bytes with the manifest text and the signature zeroed (see fileDigest). */
  fileDigest: string;
  algorithm: 'ed25519';
  publicKey: string;
  fingerprint: string;
}

export type ExportPhase = 'copy' | 'prune' | 'compact' | 'sign';
export interface ExportOptions {
  accountId: string;
  out: string;
  dataDir: string;
  fromMs?: number;
  toMs?: number;
  onProgress?: (phase: ExportPhase, fraction: number) => void;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k])).join(',') + '}';
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

function userTables(db: Sqlite): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
}

function columnsOf(db: Sqlite, table: string): { name: string; pk: number }[] {
  return db.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as { name: string; pk: number }[];
}

/**
 * SHA-256 over the database's content: every schema object (type, name, table, SQL; ordered by type then name)
 * and, table by table in name order, every row in rowid order (primary-key order for WITHOUT ROWID tables) as a
 * JSON array (BLOBs as {"blob": base64}), one per line. audit_bundle itself is left out.
 */
export function contentDigest(db: Sqlite): string {
  const h = createHash('sha256');
  const objects = db
    .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> ? AND tbl_name <> ? ORDER BY type, name`)
    .raw(true)
    .all(MANIFEST_TABLE, MANIFEST_TABLE);
  for (const o of objects) h.update('S' + JSON.stringify(o) + '\n');
  const withoutRowid = new Set(
    (db.prepare(`SELECT name FROM pragma_table_list WHERE wr = 1`).all() as { name: string }[]).map((r) => r.name),
  );
  for (const t of userTables(db)) {
    if (t === MANIFEST_TABLE) continue;
    h.update('T' + JSON.stringify(t) + '\n');
    const order = withoutRowid.has(t)
      ? columnsOf(db, t).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => q(c.name)).join(', ')
      : 'rowid';
    const stmt = db.prepare(`SELECT * FROM ${q(t)} ORDER BY ${order}`).raw(true);
    for (const row of stmt.iterate() as Iterable<unknown[]>) {
      h.update(JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? { blob: v.toString('base64') } : v)) + '\n');
    }
  }
  return h.digest('hex');
}

function rowCounts(db: Sqlite): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of userTables(db)) {
    if (t === MANIFEST_TABLE) continue;
    counts[t] = (db.prepare(`SELECT count(*) AS n FROM ${q(t)}`).get() as { n: number }).n;
  }
  return counts;
}

/** Tables a review bundle never carries rows of: operational queues, secrets, and whatever points at them. */
function tablesToEmpty(db: Sqlite): Set<string> {
  const tables = userTables(db);
  const empty = new Set<string>(['jobs', 'recurring_tasks', 'audit_keys'].filter((t) => tables.includes(t)));
  for (const t of tables) {
    const cols = columnsOf(db, t).map((c) => c.name);
    // A table without account_id cannot be scoped to the account: nothing of it goes into the bundle.
    if (t !== 'accounts' && !cols.includes('account_id')) empty.add(t);
    if (cols.some((c) => /(_enc|secret|password|token)$/i.test(c))) empty.add(t);
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tables) {
      if (empty.has(t)) continue;
      const refs = db.prepare(`SELECT "table" AS ref FROM pragma_foreign_key_list(?)`).all(t) as { ref: string }[];
      if (refs.some((r) => empty.has(r.ref))) {
        empty.add(t);
        grew = true;
      }
    }
  }
  return empty;
}

/** Rewind cards to their state at `toMs` (changes after the cut are not in the bundle). */
function rewindCards(db: Sqlite, accountId: string, toMs: number) {
  const changed = db
    .prepare(`SELECT DISTINCT card_id FROM card_updated WHERE account_id = ? AND created_at > ? UNION SELECT card_id FROM card_moved WHERE account_id = ? AND created_at > ?`)
    .all(accountId, toMs, accountId, toMs) as { card_id: string }[];
  const update = db.prepare(`UPDATE cards SET title = ?, description = ?, column_id = ?, assignee_id = ?, due_date = ? WHERE id = ?`);
  for (const { card_id } of changed) {
    const card = db.prepare('SELECT * FROM cards WHERE id = ?').get(card_id) as Parameters<typeof stateAt>[2];
    const s = stateAt(db, accountId, card, keyAtTime(toMs));
    if (!s) continue;
    update.run(...stateAttributes.map((a) => s[a]), card_id);
  }
}

function prune(db: Sqlite, accountId: string, opts: { fromMs?: number; toMs?: number }): { firstSeq: number; lastSeq: number } {
  db.pragma('foreign_keys = OFF');
  const head = chainHead(db, accountId);
  let firstSeq = 1;
  let lastSeq = head?.seq ?? 0;
  db.transaction(() => {
    if (opts.fromMs !== undefined) {
      firstSeq = (db.prepare('SELECT min(seq) AS s FROM audit_chain WHERE account_id = ? AND created_at >= ?').get(accountId, opts.fromMs) as { s: number | null }).s ?? lastSeq + 1;
    }
    if (opts.toMs !== undefined) {
      lastSeq = (db.prepare('SELECT max(seq) AS s FROM audit_chain WHERE account_id = ? AND created_at <= ?').get(accountId, opts.toMs) as { s: number | null }).s ?? 0;
      rewindCards(db, accountId, opts.toMs);
    }
    if (opts.fromMs !== undefined || opts.toMs !== undefined) {
      for (const t of CHAINED_TABLES) {
        const outside = `SELECT event_id FROM audit_chain WHERE account_id = ? AND event_table = '${t}' AND (seq < ? OR seq > ?)`;
        db.prepare(`DELETE FROM activities WHERE subject_type = '${t}' AND subject_id IN (${outside})`).run(accountId, firstSeq, lastSeq);
        db.prepare(`DELETE FROM ${t} WHERE id IN (${outside})`).run(accountId, firstSeq, lastSeq);
      }
      db.prepare('DELETE FROM audit_chain WHERE account_id = ? AND (seq < ? OR seq > ?)').run(accountId, firstSeq, lastSeq);
    }
    if (opts.toMs !== undefined) {
      // What did not exist yet at the end of the range is not in the bundle either.
      const later = 'SELECT id FROM cards WHERE account_id = ? AND created_at > ?';
      db.prepare(`DELETE FROM card_subscriptions WHERE card_id IN (${later})`).run(accountId, opts.toMs);
      db.prepare(`DELETE FROM comments WHERE account_id = ? AND (created_at > ? OR card_id IN (${later}))`).run(accountId, opts.toMs, accountId, opts.toMs);
      db.prepare('DELETE FROM cards WHERE account_id = ? AND created_at > ?').run(accountId, opts.toMs);
      db.prepare('UPDATE projects SET archived_at = NULL, archived_reason = NULL WHERE account_id = ? AND archived_at > ?').run(accountId, opts.toMs);
    }
    const empty = tablesToEmpty(db);
    for (const t of userTables(db)) {
      if (empty.has(t)) db.prepare(`DELETE FROM ${q(t)}`).run();
      else if (t === 'accounts') db.prepare('DELETE FROM accounts WHERE id <> ?').run(accountId);
      else if (t === 'users') {
        db.prepare('DELETE FROM users WHERE account_id <> ? AND id NOT IN (SELECT user_id FROM memberships WHERE account_id = ?)').run(accountId, accountId);
      } else db.prepare(`DELETE FROM ${q(t)} WHERE account_id <> ?`).run(accountId);
    }
  })();
  return { firstSeq, lastSeq };
}

/** Export one account's trail as a signed review bundle. */
export async function exportBundle(sqlite: Sqlite, options: ExportOptions): Promise<{ file: string; bytes: number; manifest: Manifest }> {
  const { accountId, onProgress } = options;
  const account = sqlite.prepare('SELECT id, name FROM accounts WHERE id = ?').get(accountId) as { id: string; name: string } | undefined;
  if (!account) throw new Error(`There is no account ${accountId} in this workspace.`);
  if (options.fromMs !== undefined && options.toMs !== undefined && options.fromMs > options.toMs) throw new Error('The start of the range is after its end.');
  const out = path.resolve(options.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.partial-${randomBytes(4).toString('hex')}`;
  // The key pair lives in the workspace (made on first use); its private half is decrypted only to sign.
  const key = ensureSigningKey(sqlite, options.dataDir);
  try {
    onProgress?.('copy', 0);
    await sqlite.backup(tmp, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.('copy', totalPages ? (totalPages - remainingPages) / totalPages : 1);
        return 2000;
      },
    });
    const db = new Database(tmp);
    try {
      db.pragma('journal_mode = DELETE');
      onProgress?.('prune', 0);
      const { firstSeq, lastSeq } = prune(db, accountId, options);
      db.exec(`CREATE TABLE ${MANIFEST_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), manifest TEXT NOT NULL, signature TEXT NOT NULL) STRICT`);
      onProgress?.('compact', 0);
      db.exec('VACUUM');
      onProgress?.('sign', 0);
      const first = linkAt(db, accountId, firstSeq);
      const last = linkAt(db, accountId, lastSeq);
      const manifestBody = {
        format: BUNDLE_FORMAT,
        createdAt: new Date().toISOString(),
        account,
        range: {
          from: options.fromMs !== undefined ? new Date(options.fromMs).toISOString() : null,
          to: options.toMs !== undefined ? new Date(options.toMs).toISOString() : null,
        },
        chain: first && last
          ? { firstSeq, firstPrevHash: first.prev_hash, headSeq: lastSeq, headHash: last.hash, links: lastSeq - firstSeq + 1 }
          : { firstSeq: 1, firstPrevHash: '0'.repeat(64), headSeq: 0, headHash: '0'.repeat(64), links: 0 },
        counts: rowCounts(db),
        schemaVersion: schemaVersion(db),
        contentDigest: contentDigest(db),
      };
      // Placeholders of the final lengths (unique random text), so the row can be patched in place once the
      // file's digest is known.
      const placeholderSig = randomBytes(64).toString('base64');
      const manifest: Manifest = {
        ...manifestBody, fileDigest: randomBytes(32).toString('hex'), algorithm: 'ed25519', publicKey: key.publicKey, fingerprint: key.fingerprint,
      };
      const draft = canonicalJson(manifest);
      db.prepare(`INSERT INTO ${MANIFEST_TABLE} (id, manifest, signature) VALUES (1, ?, ?)`).run(draft, placeholderSig);
      db.close();
      const bytes = fs.readFileSync(tmp);
      const at = { manifest: uniqueIndexOf(bytes, draft), signature: uniqueIndexOf(bytes, placeholderSig) };
      if (at.manifest < 0 || at.signature < 0) throw new Error('The manifest is not stored contiguously in the bundle file.');
      manifest.fileDigest = fileDigest(bytes, [[at.manifest, Buffer.byteLength(draft)], [at.signature, placeholderSig.length]]);
      const text = canonicalJson(manifest);
      const { signature } = signWithWorkspaceKey(sqlite, options.dataDir, Buffer.from(text, 'utf8'));
      if (Buffer.byteLength(text) !== Buffer.byteLength(draft) || signature.length !== placeholderSig.length) throw new Error('Manifest length changed while signing.');
      bytes.write(text, at.manifest, 'utf8');
      bytes.write(signature, at.signature, 'latin1');
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, out);
      onProgress?.('sign', 1);
      return { file: out, bytes: fs.statSync(out).size, manifest };
    } finally {
      if (db.open) db.close();
    }
  } finally {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) if (fs.existsSync(f)) fs.rmSync(f);
  }
}

/** The offset of the only occurrence of `text` in `bytes`, or -1 when it is absent or occurs more than once. */
function uniqueIndexOf(bytes: Buffer, text: string): number {
  const needle = Buffer.from(text, 'utf8');
  const first = bytes.indexOf(needle);
  if (first < 0 || bytes.indexOf(needle, first + 1) >= 0) return -1;
  return first;
}

/** SHA-256 (hex) of `bytes` with the given [offset, length] ranges replaced by zero bytes. */
export function fileDigest(bytes: Buffer, masked: [number, number][]): string {
  const copy = Buffer.from(bytes);
  for (const [at, len] of masked) copy.fill(0, at, at + len);
  return createHash('sha256').update(copy).digest('hex');
}

export interface BundleCheck {
  name: 'file' | 'signature' | 'bytes' | 'content' | 'counts' | 'chain';
  ok: boolean;
  message: string;
}

export interface BundleVerification {
  ok: boolean;
  checks: BundleCheck[];
  manifest: Manifest | null;
  chain: VerifyResult | null;
}

/** The manifest and signature stored in a bundle, or null when the database is not a bundle. */
export function readManifest(db: Sqlite): { manifest: Manifest; text: string; signature: string } | null {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MANIFEST_TABLE);
  if (!exists) return null;
  const row = db.prepare(`SELECT manifest, signature FROM ${MANIFEST_TABLE} WHERE id = 1`).get() as { manifest: string; signature: string } | undefined;
  if (!row) return null;
  return { manifest: JSON.parse(row.manifest) as Manifest, text: row.manifest, signature: row.signature };
}

export function isBundle(db: Sqlite): boolean {
  return Boolean(db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MANIFEST_TABLE));
}

/** Check a bundle on an open (read-only) connection. */
export async function verifyBundleDb(db: Sqlite, file: string | null, onProgress?: (checked: number, total: number) => void): Promise<BundleVerification> {
  const checks: BundleCheck[] = [];
  const fail = (c: BundleCheck) => ({ ok: false, checks: [...checks, c], manifest: null, chain: null });
  let quick: string;
  try {
    quick = db.pragma('quick_check', { simple: true }) as string;
  } catch (err) {
    return fail({ name: 'file', ok: false, message: `The file is not a readable SQLite database: ${(err as Error).message}` });
  }
  if (quick !== 'ok') return fail({ name: 'file', ok: false, message: `The database file is damaged: ${quick}` });
  let stored: ReturnType<typeof readManifest>;
  try {
    stored = readManifest(db);
  } catch (err) {
    return fail({ name: 'file', ok: false, message: `The manifest cannot be read: ${(err as Error).message}` });
  }
  if (!stored) return fail({ name: 'file', ok: false, message: 'This database is not a review bundle (it has no manifest).' });
  checks.push({ name: 'file', ok: true, message: 'The file is a sound SQLite database with a manifest.' });
  const { manifest, text, signature } = stored;
  const sigOk = stored.manifest.algorithm === 'ed25519' && canonicalJson(manifest) === text
    && fingerprintOf(manifest.publicKey) === manifest.fingerprint
    && verifySignature(manifest.publicKey, Buffer.from(text, 'utf8'), signature);
  checks.push({
    name: 'signature', ok: sigOk,
    message: sigOk
      ? `The manifest is signed by the key with fingerprint ${manifest.fingerprint}.`
      : 'The manifest’s signature does not match: the manifest was altered or signed by another key.',
  });
  if (file) {
    const bytes = fs.readFileSync(file);
    const at = { manifest: uniqueIndexOf(bytes, text), signature: uniqueIndexOf(bytes, signature) };
    const bytesOk = at.manifest >= 0 && at.signature >= 0
      && fileDigest(bytes, [[at.manifest, Buffer.byteLength(text)], [at.signature, Buffer.byteLength(signature)]]) === manifest.fileDigest;
    checks.push({
      name: 'bytes', ok: bytesOk,
      message: bytesOk ? 'Every byte of the file matches the signed file digest.' : 'The file’s bytes differ from what was signed: the file was modified after export.',
    });
  }
  const digest = contentDigest(db);
  const contentOk = digest === manifest.contentDigest;
  checks.push({
    name: 'content', ok: contentOk,
    message: contentOk ? 'Every row matches the signed content digest.' : 'The data differs from what was signed: a row or the schema was changed after export.',
  });
  const counts = rowCounts(db);
  const countDiffs = Object.keys({ ...counts, ...manifest.counts }).filter((t) => counts[t] !== manifest.counts[t]);
  checks.push({
    name: 'counts', ok: countDiffs.length === 0,
    message: countDiffs.length === 0 ? 'Row counts match the manifest.' : `Row counts differ from the manifest for ${countDiffs.join(', ')}.`,
  });
  const { chain: c } = manifest;
  let chain: VerifyResult | null = null;
  if (c.links === 0) {
    checks.push({ name: 'chain', ok: true, message: 'The bundle holds no events.' });
  } else {
    chain = await verifyChain(db, manifest.account.id, { anchor: { seq: c.firstSeq, prevHash: c.firstPrevHash }, upTo: c.headSeq, onProgress });
    const head = linkAt(db, manifest.account.id, c.headSeq);
    const headOk = chain.ok && head?.hash === c.headHash && chainHead(db, manifest.account.id)?.seq === c.headSeq;
    checks.push({
      name: 'chain', ok: headOk,
      message: headOk
        ? `All ${chain.checked} links verify, from #${c.firstSeq} to the signed head #${c.headSeq}.`
        : chain.firstBroken
          ? `The hash chain is broken at #${chain.firstBroken.seq}: ${chain.firstBroken.message}`
          : 'The chain does not end at the signed head.',
    });
  }
  return { ok: checks.every((x) => x.ok), checks, manifest, chain };
}

/** Check a bundle file without the original workspace. */
export async function verifyBundleFile(file: string, onProgress?: (checked: number, total: number) => void): Promise<BundleVerification> {
  if (!fs.existsSync(file)) return { ok: false, checks: [{ name: 'file', ok: false, message: `${file} does not exist.` }], manifest: null, chain: null };
  let db: Sqlite;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { ok: false, checks: [{ name: 'file', ok: false, message: `${file} cannot be opened: ${(err as Error).message}` }], manifest: null, chain: null };
  }
  try {
    return await verifyBundleDb(db, file, onProgress);
  } finally {
    db.close();
  }
}
