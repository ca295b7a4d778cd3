// Endpoint secrets: `whsec_` + base64 of 32 random bytes, encrypted at rest with AES-256-GCM.
//
// The data key lives in `webhook-secrets.key` (mode 0600) in the workspace's data folder. Where the OS offers a
// keychain (Electron's safeStorage, injected by main/index.ts as an `Encrypter`), the key file holds the data key
// wrapped by it; otherwise the raw key. The main thread unwraps the key once and hands the raw key to the
// dispatcher (worker thread or `chronicle dispatch`), which never needs the keychain itself.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Encrypter {
  name: string;
  isAvailable(): boolean;
  encrypt(plain: Buffer): Buffer;
  decrypt(cipher: Buffer): Buffer;
}

export const KEY_FILE = 'webhook-secrets.key';

interface KeyFile {
  v: 1;
  wrap: 'none' | string;
  key: string;
}

/** Load (or create, mode 0600) the workspace's data key. */
export function loadSecretKey(dataDir: string, encrypter?: Encrypter | null): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
    const raw = Buffer.from(parsed.key, 'base64');
    if (parsed.wrap === 'none') return raw;
    if (!encrypter || encrypter.name !== parsed.wrap || !encrypter.isAvailable()) {
      throw new Error(`The webhook secret key in ${file} is protected by ${parsed.wrap}, which is not available here.`);
    }
    return encrypter.decrypt(raw);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  const useWrap = encrypter && encrypter.isAvailable();
  const content: KeyFile = { v: 1, wrap: useWrap ? encrypter.name : 'none', key: (useWrap ? encrypter.encrypt(key) : key).toString('base64') };
  // wx: never overwrite a key another process created a moment ago.
  try {
    fs.writeFileSync(file, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecretKey(dataDir, encrypter);
    throw err;
  }
  fs.chmodSync(file, 0o600);
  return key;
}

export function generateSecret(): string {
  return 'whsec_' + crypto.randomBytes(32).toString('base64');
}

/** Encrypts and decrypts secrets with the data key. Format: `v1:` + base64(iv ‖ tag ‖ ciphertext). */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The webhook secret key must be 32 bytes.');
  }
  encrypt(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }
  decrypt(stored: string): string {
    if (!stored.startsWith('v1:')) throw new Error('Unknown secret format.');
    const buf = Buffer.from(stored.slice(3), 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, buf.subarray(0, 12));
    decipher.setAuthTag(buf.subarray(12, 28));
    return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8');
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
