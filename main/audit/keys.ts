// The workspace's Ed25519 signing key for review bundles.
//
// The key pair is a row of `audit_keys` in the store (public key as SPKI DER base64, private key as PKCS#8 DER
// encrypted with AES-256-GCM), on a workspace file and on a hub alike. The 32-byte data key that encrypts it
// lives in `audit-signing.key` (mode 0600) in the workspace's data folder, never in the database: a copy of the
// database alone cannot sign. A hub's processes share one data folder's key (main/data-dir.ts says how it
// travels). It is kept apart from the webhook secrets' data key (same mechanism, main/crypto/at-rest.ts;
// independent keys).
import crypto from 'node:crypto';
import path from 'node:path';
import { currentKey, ensureKeyRow, type AuditKeyRow } from '../../db/audit.ts';
import { newId } from '../../db/ids.ts';
import { sealedAuditSample } from '../../db/keys.ts';
import type { Db, Store } from '../../db/store.ts';
import { loadDataKey, seal, unseal } from '../crypto/at-rest.ts';
import { claimFingerprint, openDataKey, type DataKeySpec } from '../crypto/key-guard.ts';

export const SIGNING_KEY_FILE = 'audit-signing.key';

/** The audit data key as main/crypto/key-guard.ts checks it against the workspace. */
export const auditKeySpec: DataKeySpec = {
  name: 'audit-signing',
  fileName: SIGNING_KEY_FILE,
  label: 'The audit signing key',
  protects: 'its review-bundle signing key',
  sample: sealedAuditSample,
};

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

const publicInfo = (row: AuditKeyRow): PublicKeyInfo => ({ algorithm: 'ed25519', publicKey: row.public_key, fingerprint: row.fingerprint });

/** The public half, without touching the private key (null until the first key is made). */
export async function workspacePublicKey(db: Db): Promise<PublicKeyInfo | null> {
  const row = await currentKey(db);
  return row ? publicInfo(row) : null;
}

/** The workspace's key pair, created on first use (once, even when several processes of a hub ask together). */
export async function ensureSigningKey(store: Store, dataDir: string): Promise<PublicKeyInfo> {
  const existing = await workspacePublicKey(store);
  if (existing) return existing;
  // Made only where nothing is sealed yet (the guard never makes a key over sealed rows).
  const status = await openDataKey(store, dataDir, auditKeySpec);
  if (!status.key) throw new Error(status.sentence ?? `${auditKeySpec.label} is not available.`);
  const dataKey = status.key;
  const { row, created } = await ensureKeyRow(store, () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    return {
      id: newId(),
      algorithm: 'ed25519',
      public_key: pub,
      private_key_enc: seal(dataKey, privateKey.export({ type: 'pkcs8', format: 'der' })),
      fingerprint: fingerprintOf(pub),
      created_at: Date.now(),
    };
  });
  // Only the process whose key sealed the row records it (another one of a hub may have made it meanwhile).
  if (created) {
    const refused = await claimFingerprint(store, status);
    if (refused) throw new Error(refused);
  }
  return publicInfo(row);
}

/** Sign bytes with the workspace's private key (decrypted for the call only). */
export async function signWithWorkspaceKey(store: Store, dataDir: string, data: Buffer): Promise<{ signature: string; key: PublicKeyInfo }> {
  const key = await ensureSigningKey(store, dataDir);
  const row = (await currentKey(store))!;
  const keyFile = path.join(dataDir, SIGNING_KEY_FILE);
  const dataKey = loadSigningDataKey(dataDir, false);
  if (!dataKey) throw new Error(`The signing key's data key (${keyFile}) is missing, so this workspace cannot sign bundles.`);
  let der: Buffer;
  try {
    der = unseal(dataKey, row.private_key_enc);
  } catch {
    // Another data key than the one the key pair was sealed with (a hub process with its own data folder).
    throw new Error(
      `The signing key's data key (${keyFile}) is not the one this workspace's signing key was sealed with, so it cannot sign bundles: copy ${SIGNING_KEY_FILE} from the data folder of the process that made the key (fingerprint ${key.fingerprint}).`,
    );
  }
  const privateKey = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
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
