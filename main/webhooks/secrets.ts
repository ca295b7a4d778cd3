// Endpoint secrets: `whsec_` + base64 of 32 random bytes, encrypted at rest with AES-256-GCM.
//
// The data key lives in `webhook-secrets.key` (mode 0600) in the workspace's data folder. Where the OS offers a
// keychain (Electron's safeStorage, injected by main/index.ts as an `Encrypter`), the key file holds the data key
// wrapped by it; otherwise the raw key. The main thread unwraps the key once and hands the raw key to the
// dispatcher (worker thread or `chronicle dispatch`), which never needs the keychain itself.
import crypto from 'node:crypto';
import { sealedWebhookSample } from '../../db/keys.ts';
import { AppError } from '../errors.ts';
import { loadDataKey, seal, unseal, type Encrypter } from '../crypto/at-rest.ts';
import type { DataKeySpec } from '../crypto/key-guard.ts';

export type { Encrypter } from '../crypto/at-rest.ts';

export const KEY_FILE = 'webhook-secrets.key';

/** The webhook data key as main/crypto/key-guard.ts checks it against the workspace. */
export const webhookKeySpec: DataKeySpec = {
  name: 'webhook-secrets',
  fileName: KEY_FILE,
  label: 'The webhook secrets key',
  protects: 'endpoint signing secrets and custom header values',
  sample: sealedWebhookSample,
};

/**
 * Load (or create, mode 0600) a webhook data key without looking at a workspace (tests and tools). Opening a
 * workspace goes through main/crypto/key-guard.ts instead, which never makes a key over sealed rows.
 */
export function loadSecretKey(dataDir: string, encrypter?: Encrypter | null): Buffer {
  return loadDataKey(dataDir, KEY_FILE, { create: true, encrypter });
}

export function generateSecret(): string {
  return 'whsec_' + crypto.randomBytes(32).toString('base64');
}

/**
 * Encrypts and decrypts secrets with the data key (AES-256-GCM, see main/crypto/at-rest.ts). Without a usable key
 * (missing or different key file) every use is refused with the key's sentence (`key_unavailable`), and a value
 * sealed with another key is refused with a sentence too, never "Unsupported state or unable to authenticate data".
 */
export class SecretBox {
  private readonly key: Buffer | null;
  constructor(key: Buffer | null, private readonly about: { unavailable?: string; keyName?: string } = {}) {
    if (key && key.length !== 32) throw new Error('The webhook secret key must be 32 bytes.');
    this.key = key;
  }
  get available(): boolean {
    return this.key !== null;
  }
  private usable(): Buffer {
    if (!this.key) throw new AppError('key_unavailable', this.about.unavailable ?? 'The webhook secrets key is not available to this process.');
    return this.key;
  }
  encrypt(plain: string): string {
    return seal(this.usable(), Buffer.from(plain, 'utf8'));
  }
  decrypt(stored: string): string {
    const key = this.usable();
    try {
      return unseal(key, stored).toString('utf8');
    } catch {
      throw new AppError(
        'key_unavailable',
        `A stored secret could not be opened with ${this.about.keyName ?? 'the webhook secrets key'}: it was sealed with another key. Put back the key file this workspace's secrets were sealed with (a backup made with \`chronicle backup\` holds it).`,
      );
    }
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
