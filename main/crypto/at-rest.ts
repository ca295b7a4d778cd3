// Encryption at rest for workspace secrets (webhook signing secrets, the audit signing key).
//
// A 32-byte data key lives in a key file (JSON, mode 0600; a looser one is tightened, or refused when it cannot
// be) in the workspace's data folder, optionally wrapped by
// the OS keychain (Electron's safeStorage, passed in as an `Encrypter`). Values are sealed with AES-256-GCM as
// `v1:` + base64(iv ‖ tag ‖ ciphertext).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tightenPrivateFile } from '../../db/private-file.ts';

export interface Encrypter {
  name: string;
  isAvailable(): boolean;
  encrypt(plain: Buffer): Buffer;
  decrypt(cipher: Buffer): Buffer;
}

interface KeyFile {
  v: 1;
  /** 'none' (or absent) for a raw key; else the name of the Encrypter that wrapped it. */
  wrap?: string;
  key: string;
}

/**
 * The data key in `dataDir/fileName`. Created (mode 0600, never overwriting one another process just made) when
 * missing and `create` is set; otherwise null when missing.
 */
export interface LoadKeyOptions {
  create: boolean;
  encrypter?: Encrypter | null;
  /** Where the sentence about a tightened key file goes (default: stderr). */
  warn?: (sentence: string) => void;
}

const defaultWarn = (sentence: string) => process.stderr.write(`Chronicle: ${sentence}\n`);

export function loadDataKey(dataDir: string, fileName: string, opts: LoadKeyOptions & { create: true }): Buffer;
export function loadDataKey(dataDir: string, fileName: string, opts: LoadKeyOptions): Buffer | null;
export function loadDataKey(dataDir: string, fileName: string, opts: LoadKeyOptions): Buffer | null {
  const file = path.join(dataDir, fileName);
  const encrypter = opts.encrypter;
  if (fs.existsSync(file)) {
    const tightened = tightenPrivateFile(file, 'The key file');
    if (tightened) (opts.warn ?? defaultWarn)(tightened);
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
    const stored = Buffer.from(parsed.key, 'base64');
    const wrap = parsed.wrap ?? 'none';
    let key: Buffer = stored;
    if (wrap !== 'none') {
      if (!encrypter || encrypter.name !== wrap || !encrypter.isAvailable()) {
        throw new Error(`The key in ${file} is protected by ${wrap}, which is not available here.`);
      }
      key = encrypter.decrypt(stored);
    }
    if (key.length !== 32) throw new Error(`${file} does not hold a valid 32-byte key.`);
    return key;
  }
  if (!opts.create) return null;
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  const useWrap = Boolean(encrypter && encrypter.isAvailable());
  const content: KeyFile = { v: 1, wrap: useWrap ? encrypter!.name : 'none', key: (useWrap ? encrypter!.encrypt(key) : key).toString('base64') };
  try {
    fs.writeFileSync(file, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadDataKey(dataDir, fileName, { ...opts, create: false });
    throw err;
  }
  fs.chmodSync(file, 0o600); // exactly 0600, whatever the umask
  return key;
}

/** AES-256-GCM: `v1:` + base64(iv ‖ tag ‖ ciphertext). */
export function seal(key: Buffer, plain: Buffer): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return 'v1:' + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
}

export function unseal(key: Buffer, stored: string): Buffer {
  if (!stored.startsWith('v1:')) throw new Error('Unknown encrypted value format.');
  const buf = Buffer.from(stored.slice(3), 'base64');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
  decipher.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]);
}
