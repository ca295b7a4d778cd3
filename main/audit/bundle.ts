// Offline review bundles: one SQLite file holding one account's trail, with a signed manifest inside it. The file
// is the same whichever store the workspace lives in (a SQLite file or a PostgreSQL hub).
//
// Export: a fresh SQLite file with the workspace schema receives, from one consistent snapshot of the store, only
// the account's rows (db/audit-bundle.ts): no other account, no operational or secret-bearing tables (jobs,
// webhook endpoints and everything that references them, the signing key), optionally cut to a date range (cards
// as they were at its end). A manifest is then written to table `audit_bundle`:
//
//   manifest  = canonical JSON (keys sorted, no whitespace) of { format, createdAt, account, range, chain,
//               counts, schemaVersion, contentDigest, algorithm, publicKey, fingerprint }
//   signature = Ed25519 over the manifest's UTF-8 bytes, base64, with the workspace's key (main/audit/keys.ts)
//   contentDigest = SHA-256 over every schema object and every row of every table except audit_bundle
//               (db/audit-bundle.ts contentDigest), so any change to the data invalidates the signature.
//   fileDigest = SHA-256 over the file's bytes with the manifest text and the signature (each stored once,
//               contiguously, in the audit_bundle row) replaced by zero bytes: every other byte of the file is
//               covered too, including unused space inside pages, so changing any one byte fails verification.
//
// The file is built as OUT.partial-PID-RANDOM beside OUT and renamed when signed; partials of processes that are
// gone (a killed export) are removed by the next export into that folder.
//
// verify-bundle checks, without the original workspace: the file is a sound SQLite database, the signature
// matches the public key carried in the manifest (compare its fingerprint with the one the workspace shows),
// the content digest, the counts, and the whole hash chain from the manifest's first link to its head.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chainHead, cardsChangedAfter, linkAt, seqRangeOfTimes } from '../../db/audit.ts';
import {
  contentDigest, copyAccountTrail, createBundleFile, insertManifest, isBundle as storeIsBundle, openBundleFile, quickCheck,
  readManifestRow, rowCounts, sealBundleFile, withSnapshot, type CardStateAtCut,
} from '../../db/audit-bundle.ts';
import { GENESIS } from '../../db/audit-canonical.ts';
import { schemaVersion } from '../../db/open.ts';
import type { Db, Store } from '../../db/store.ts';
import { findAccount, findCard } from '../../db/workspace.ts';
import { keyAtTime, stateAt } from './history.ts';
import { ensureSigningKey, fingerprintOf, signWithWorkspaceKey, verifySignature } from './keys.ts';
import { verifyChain, type VerifyResult } from './verify.ts';

export const BUNDLE_FORMAT = 'chronicle.review-bundle.v1';
export { MANIFEST_TABLE } from '../../db/audit-bundle.ts';

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

/** copy: the account's rows into the new file; sign: digests, manifest, signature. */
export type ExportPhase = 'copy' | 'sign';
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

/** OUT.partial-PID-RANDOM (and SQLite's side files); OUT.partial-RANDOM is what exports wrote before the PID. */
const PARTIAL = /\.partial-(?:(\d+)-[0-9a-f]+|[0-9a-f]{8})(?:-journal|-wal|-shm)?$/;
/** A partial without a PID is left alone while it may still be written (an export of an older build). */
const OLD_PARTIAL_AGE_MS = 3_600_000;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove partial bundles in `dir` left by exports whose process is gone (killed or crashed). */
export function removeStalePartials(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = PARTIAL.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    try {
      if (m[1] ? processAlive(Number(m[1])) : Date.now() - fs.statSync(file).mtimeMs < OLD_PARTIAL_AGE_MS) continue;
      fs.rmSync(file, { force: true });
      removed.push(name);
    } catch {
      // Gone already (another export cleaned up first), or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Export one account's trail as a signed review bundle. Works the same from a workspace file and from a hub. */
export async function exportBundle(store: Store, options: ExportOptions): Promise<{ file: string; bytes: number; manifest: Manifest }> {
  const { accountId, onProgress } = options;
  const found = await findAccount(store, accountId);
  if (!found) throw new Error(`There is no account ${accountId} in this workspace.`);
  const account = { id: found.id, name: found.name };
  if (options.fromMs !== undefined && options.toMs !== undefined && options.fromMs > options.toMs) throw new Error('The start of the range is after its end.');
  const out = path.resolve(options.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  removeStalePartials(path.dirname(out));
  const tmp = `${out}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  // The key pair lives in the workspace (made on first use); its private half is decrypted only to sign.
  const key = await ensureSigningKey(store, options.dataDir);
  const cut = options.fromMs !== undefined || options.toMs !== undefined;
  try {
    onProgress?.('copy', 0);
    const bundle = await createBundleFile(tmp);
    let draft: string;
    let placeholderSig: string;
    let manifest: Manifest;
    try {
      const { firstSeq, lastSeq } = await withSnapshot(store, async (snap) => {
        const range = await seqRangeOfTimes(snap, accountId, options.fromMs, options.toMs);
        const cardStates = options.toMs !== undefined ? await cardStatesAt(snap, accountId, options.toMs) : undefined;
        await copyAccountTrail(snap, bundle, {
          accountId, firstSeq: range.first, lastSeq: range.last, cut, toMs: options.toMs, cardStates,
          onProgress: (f) => onProgress?.('copy', f),
        });
        return { firstSeq: range.first, lastSeq: range.last };
      });
      await sealBundleFile(bundle);
      onProgress?.('sign', 0);
      const first = await linkAt(bundle, accountId, firstSeq);
      const last = await linkAt(bundle, accountId, lastSeq);
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
          : { firstSeq: 1, firstPrevHash: GENESIS, headSeq: 0, headHash: GENESIS, links: 0 },
        counts: await rowCounts(bundle),
        schemaVersion: await schemaVersion(bundle),
        contentDigest: await contentDigest(bundle),
      };
      // Placeholders of the final lengths (unique random text), so the row can be patched in place once the
      // file's digest is known.
      placeholderSig = randomBytes(64).toString('base64');
      manifest = {
        ...manifestBody, fileDigest: randomBytes(32).toString('hex'), algorithm: 'ed25519', publicKey: key.publicKey, fingerprint: key.fingerprint,
      };
      draft = canonicalJson(manifest);
      await insertManifest(bundle, draft, placeholderSig);
    } finally {
      await bundle.close();
    }
    const bytes = fs.readFileSync(tmp);
    const at = { manifest: uniqueIndexOf(bytes, draft), signature: uniqueIndexOf(bytes, placeholderSig) };
    if (at.manifest < 0 || at.signature < 0) throw new Error('The manifest is not stored contiguously in the bundle file.');
    manifest.fileDigest = fileDigest(bytes, [[at.manifest, Buffer.byteLength(draft)], [at.signature, placeholderSig.length]]);
    const text = canonicalJson(manifest);
    const { signature } = await signWithWorkspaceKey(store, options.dataDir, Buffer.from(text, 'utf8'));
    if (Buffer.byteLength(text) !== Buffer.byteLength(draft) || signature.length !== placeholderSig.length) throw new Error('Manifest length changed while signing.');
    // Patch the two ranges in place and make the file durable before it gets its final name.
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.writeSync(fd, Buffer.from(text, 'utf8'), 0, Buffer.byteLength(text), at.manifest);
      fs.writeSync(fd, Buffer.from(signature, 'latin1'), 0, signature.length, at.signature);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, out);
    onProgress?.('sign', 1);
    return { file: out, bytes: fs.statSync(out).size, manifest };
  } finally {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) if (fs.existsSync(f)) fs.rmSync(f);
  }
}

/** Cards changed after `toMs`, as they were at `toMs` (rebuilt from the trail): what a cut bundle holds. */
async function cardStatesAt(db: Db, accountId: string, toMs: number): Promise<Map<string, CardStateAtCut>> {
  const states = new Map<string, CardStateAtCut>();
  for (const cardId of await cardsChangedAfter(db, accountId, toMs)) {
    const card = await findCard(db, accountId, cardId);
    if (!card) continue;
    const s = await stateAt(db, accountId, card, keyAtTime(toMs));
    if (s) states.set(cardId, s);
  }
  return states;
}

/** The offset of the only occurrence of `text` in `bytes`, or -1 when it is absent or occurs more than once. */
function uniqueIndexOf(bytes: Buffer, text: string): number {
  const needle = Buffer.from(text, 'utf8');
  const first = bytes.indexOf(needle);
  if (first < 0 || bytes.indexOf(needle, first + 1) >= 0) return -1;
  return first;
}

/** SHA-256 (hex) of `bytes` with the given [offset, length] ranges replaced by zero bytes (without copying them). */
export function fileDigest(bytes: Buffer, masked: [number, number][]): string {
  const h = createHash('sha256');
  let pos = 0;
  for (const [at, len] of [...masked].sort((a, b) => a[0] - b[0])) {
    const start = Math.max(at, pos);
    const end = Math.max(at + len, pos);
    h.update(bytes.subarray(pos, start));
    h.update(Buffer.alloc(end - start));
    pos = end;
  }
  h.update(bytes.subarray(pos));
  return h.digest('hex');
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

/** The manifest and signature stored in a bundle, or null when the store is not a bundle. */
export async function readManifest(db: Db): Promise<{ manifest: Manifest; text: string; signature: string } | null> {
  const row = await readManifestRow(db);
  if (!row) return null;
  return { manifest: JSON.parse(row.manifest) as Manifest, text: row.manifest, signature: row.signature };
}

/** Is the open store a review bundle (never true for a hub)? */
export const isBundle = (db: Db): Promise<boolean> => storeIsBundle(db);

/** Check a bundle on an open (read-only) store of its file. */
export async function verifyBundleDb(db: Db, file: string | null, onProgress?: (checked: number, total: number) => void): Promise<BundleVerification> {
  const checks: BundleCheck[] = [];
  const fail = (c: BundleCheck): BundleVerification => ({ ok: false, checks: [...checks, c], manifest: null, chain: null });
  let quick: string;
  try {
    quick = await quickCheck(db);
  } catch (err) {
    return fail({ name: 'file', ok: false, message: `The file is not a readable SQLite database: ${(err as Error).message}` });
  }
  if (quick !== 'ok') return fail({ name: 'file', ok: false, message: `The database file is damaged: ${quick}` });
  let stored: Awaited<ReturnType<typeof readManifest>>;
  try {
    stored = await readManifest(db);
  } catch (err) {
    return fail({ name: 'file', ok: false, message: `The manifest cannot be read: ${(err as Error).message}` });
  }
  if (!stored) return fail({ name: 'file', ok: false, message: 'This database is not a review bundle (it has no manifest).' });
  checks.push({ name: 'file', ok: true, message: 'The file is a sound SQLite database with a manifest.' });
  const { manifest, text, signature } = stored;
  // The texts must be exactly what was signed: canonical JSON, and canonical base64 (a decoder would skip
  // characters that are not base64, so a changed byte there would otherwise go unseen).
  const sigOk = stored.manifest.algorithm === 'ed25519' && canonicalJson(manifest) === text
    && Buffer.from(signature, 'base64').toString('base64') === signature
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
  // A damaged page that the quick check missed surfaces as an error while reading rows: a failed check, not a crash.
  try {
    const digest = await contentDigest(db);
    const contentOk = digest === manifest.contentDigest;
    checks.push({
      name: 'content', ok: contentOk,
      message: contentOk ? 'Every row matches the signed content digest.' : 'The data differs from what was signed: a row or the schema was changed after export.',
    });
    const counts = await rowCounts(db);
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
      const head = await linkAt(db, manifest.account.id, c.headSeq);
      const headOk = chain.ok && head?.hash === c.headHash && (await chainHead(db, manifest.account.id))?.seq === c.headSeq;
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
  } catch (err) {
    return { ok: false, checks: [...checks, { name: 'file', ok: false, message: `The bundle cannot be read to the end: ${(err as Error).message}` }], manifest, chain: null };
  }
}

/** Check a bundle file without the original workspace. */
export async function verifyBundleFile(file: string, onProgress?: (checked: number, total: number) => void): Promise<BundleVerification> {
  if (!fs.existsSync(file)) return { ok: false, checks: [{ name: 'file', ok: false, message: `${file} does not exist.` }], manifest: null, chain: null };
  let db: Store;
  try {
    db = await openBundleFile(file);
  } catch (err) {
    return { ok: false, checks: [{ name: 'file', ok: false, message: `${file} cannot be opened: ${(err as Error).message}` }], manifest: null, chain: null };
  }
  try {
    return await verifyBundleDb(db, file, onProgress);
  } finally {
    await db.close();
  }
}
