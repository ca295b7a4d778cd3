// The workspace's Ed25519 signing key for review bundles.
//
// The key pair is a row of `audit_keys` (public key as SPKI DER base64, private key as PKCS#8 DER encrypted with
// AES-256-GCM). The 32-byte data key that encrypts it lives in `audit-signing.key` (mode 0600) in the workspace's
// data folder, never in the database: a copy of the database alone cannot sign. Self-contained on purpose (the
// webhooks area keeps its own data key for endpoint secrets; the two keys are independent).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { currentKey, insertKey } from '../../db/audit.ts';
import { newId } from '../../db/ids.ts';
import type { Sqlite } from '../../db/sql.ts';

export const SIGNING_KEY_FILE = 'audit-signing.key';

export interface PublicKeyInfo {
  algorithm: 'ed25519';
  /** SPKI DER, base64. */
  publicKey: string;
  /** SHA-256 of the SPKI DER, hex in groups of four (what a reviewer compares). */
  fingerprint: string;
}

export function fingerprintOf(publicKeyB64: string): string {
  const hex = crypto.createHash('sha256').update(Buffer.from(publicKeyB64, 'base64')).digest('hex').toUpperCase();
  return hex.match(/.{4}/g)!.join(' ');
}

function loadDataKey(dataDir: string, create: boolean): Buffer | null {
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { v: 1; key: string };
    const key = Buffer.from(parsed.key, 'base64');
    if (key.length !== 32) throw new Error(`${file} is not a valid signing data key.`);
    return key;
  }
  if (!create) return null;
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, JSON.stringify({ v: 1, key: key.toString('base64') }), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadDataKey(dataDir, false);
    throw err;
  }
  fs.chmodSync(file, 0o600);
  return key;
}

function seal(key: Buffer, plain: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

function open(key: Buffer, stored: string): Buffer {
  if (!stored.startsWith('v1:')) throw new Error('Unknown private key format.');
  const buf = Buffer.from(stored.slice(3), 'base64');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
  decipher.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]);
}

/** The public half, without touching the private key (null until the first key is made). */
export function workspacePublicKey(sqlite: Sqlite): PublicKeyInfo | null {
  const row = currentKey(sqlite);
  return row ? { algorithm: 'ed25519', publicKey: row.public_key, fingerprint: row.fingerprint } : null;
}

/** The workspace's key pair, created on first use. */
export function ensureSigningKey(sqlite: Sqlite, dataDir: string): PublicKeyInfo {
  const existing = workspacePublicKey(sqlite);
  if (existing) return existing;
  const dataKey = loadDataKey(dataDir, true)!;
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const row = {
    id: newId(),
    algorithm: 'ed25519' as const,
    public_key: pub,
    private_key_enc: seal(dataKey, privateKey.export({ type: 'pkcs8', format: 'der' })),
    fingerprint: fingerprintOf(pub),
    created_at: Date.now(),
  };
  insertKey(sqlite, row);
  return { algorithm: 'ed25519', publicKey: pub, fingerprint: row.fingerprint };
}

/** Sign bytes with the workspace's private key (decrypted for the call only). */
export function signWithWorkspaceKey(sqlite: Sqlite, dataDir: string, data: Buffer): { signature: string; key: PublicKeyInfo } {
  const key = ensureSigningKey(sqlite, dataDir);
  const row = currentKey(sqlite)!;
  const dataKey = loadDataKey(dataDir, false);
  if (!dataKey) {
    throw new Error(`The signing key's data key (${path.join(dataDir, SIGNING_KEY_FILE)}) is missing, so this workspace cannot sign bundles.`);
  }
  const privateKey = crypto.createPrivateKey({ key: open(dataKey, row.private_key_enc), format: 'der', type: 'pkcs8' });
  return { signature: crypto.sign(null, data, privateKey).toString('base64'), key };
}

export function verifySignature(publicKeyB64: string, data: Buffer, signatureB64: string): boolean {
  try {
    const key = crypto.createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return crypto.verify(null, data, key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
