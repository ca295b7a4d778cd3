// Endpoint secrets: `whsec_` + base64 of 32 random bytes, encrypted at rest with AES-256-GCM.
//
// The data key lives in `webhook-secrets.key` (mode 0600) in the workspace's data folder. Where the OS offers a
// keychain (Electron's safeStorage, injected by main/index.ts as an `Encrypter`), the key file holds the data key
// wrapped by it; otherwise the raw key. The main thread unwraps the key once and hands the raw key to the
// dispatcher (worker thread or `chronicle dispatch`), which never needs the keychain itself.
import crypto from 'node:crypto';
import { loadDataKey, seal, unseal, type Encrypter } from '../crypto/at-rest.ts';

export type { Encrypter } from '../crypto/at-rest.ts';

export const KEY_FILE = 'webhook-secrets.key';

/** Load (or create, mode 0600) the workspace's webhook data key. */
export function loadSecretKey(dataDir: string, encrypter?: Encrypter | null): Buffer {
  return loadDataKey(dataDir, KEY_FILE, { create: true, encrypter });
}

export function generateSecret(): string {
  return 'whsec_' + crypto.randomBytes(32).toString('base64');
}

/** Encrypts and decrypts secrets with the data key (AES-256-GCM, see main/crypto/at-rest.ts). */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The webhook secret key must be 32 bytes.');
  }
  encrypt(plain: string): string {
    return seal(this.key, Buffer.from(plain, 'utf8'));
  }
  decrypt(stored: string): string {
    return unseal(this.key, stored).toString('utf8');
  }
}

/** Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the decoded secret. */
export function sign(secret: string, id: string, timestampSec: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return 'v1,' + crypto.createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64');
}

/** The signature header for every active secret (space-separated during a rotation's overlap). */
export function signatureHeader(secrets: string[], id: string, timestampSec: number, body: string): string {
  return secrets.map((s) => sign(s, id, timestampSec, body)).join(' ');
}
