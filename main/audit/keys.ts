// The workspace's Ed25519 signing key for review bundles.
//
// The key pair is a row of `audit_keys` (public key as SPKI DER base64, private key as PKCS#8 DER encrypted with
// AES-256-GCM). The 32-byte data key that encrypts it lives in `audit-signing.key` (mode 0600) in the workspace's
// data folder, never in the database: a copy of the database alone cannot sign. It is kept apart from the webhook
// secrets' data key (same mechanism, main/crypto/at-rest.ts; independent keys).
import crypto from 'node:crypto';
import path from 'node:path';
import { currentKey, insertKey } from '../../db/audit.ts';
import { newId } from '../../db/ids.ts';
import type { Sqlite } from '../../db/sql.ts';
import { loadDataKey, seal, unseal } from '../crypto/at-rest.ts';

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

const loadSigningDataKey = (dataDir: string, create: boolean) => loadDataKey(dataDir, SIGNING_KEY_FILE, { create });

/** The public half, without touching the private key (null until the first key is made). */
export function workspacePublicKey(sqlite: Sqlite): PublicKeyInfo | null {
  const row = currentKey(sqlite);
  return row ? { algorithm: 'ed25519', publicKey: row.public_key, fingerprint: row.fingerprint } : null;
}

/** The workspace's key pair, created on first use. */
export function ensureSigningKey(sqlite: Sqlite, dataDir: string): PublicKeyInfo {
  const existing = workspacePublicKey(sqlite);
  if (existing) return existing;
  const dataKey = loadSigningDataKey(dataDir, true)!;
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
  const dataKey = loadSigningDataKey(dataDir, false);
  if (!dataKey) {
    throw new Error(`The signing key's data key (${path.join(dataDir, SIGNING_KEY_FILE)}) is missing, so this workspace cannot sign bundles.`);
  }
  const privateKey = crypto.createPrivateKey({ key: unseal(dataKey, row.private_key_enc), format: 'der', type: 'pkcs8' });
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
