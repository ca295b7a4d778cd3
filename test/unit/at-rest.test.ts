import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadDataKey, seal, unseal, type Encrypter } from '../../main/crypto/at-rest.ts';
import { tempDir } from '../support/workspace.ts';

it('creates the data key once, mode 0600, and returns the same key afterwards', () => {
  const dir = tempDir();
  const key = loadDataKey(dir, 'k.key', { create: true });
  expect(key).toHaveLength(32);
  expect(fs.statSync(path.join(dir, 'k.key')).mode & 0o777).toBe(0o600);
  expect(loadDataKey(dir, 'k.key', { create: true }).equals(key)).toBe(true);
  expect(loadDataKey(tempDir(), 'k.key', { create: false })).toBeNull();
});

it('seals with AES-256-GCM: round trip, nothing readable, a changed byte or another key fails', () => {
  const key = loadDataKey(tempDir(), 'k.key', { create: true });
  const stored = seal(key, Buffer.from('whsec_top-secret'));
  expect(stored).toMatch(/^v1:/);
  expect(Buffer.from(stored.slice(3), 'base64').toString('latin1')).not.toContain('top-secret');
  expect(unseal(key, stored).toString()).toBe('whsec_top-secret');
  const raw = Buffer.from(stored.slice(3), 'base64');
  raw[raw.length - 1] ^= 1;
  expect(() => unseal(key, 'v1:' + raw.toString('base64'))).toThrow();
  expect(() => unseal(Buffer.alloc(32, 7), stored)).toThrow();
});

it('keeps the key wrapped by the OS keychain when one is offered, and refuses to open it without', () => {
  // A reversible wrapper in place of Electron's safeStorage (which cannot run here): what is tested is that the
  // file holds the wrapped form and names its wrapper.
  const xor: Encrypter = { name: 'test-keychain', isAvailable: () => true, encrypt: (b) => Buffer.from(b.map((x) => x ^ 0x5a)), decrypt: (b) => Buffer.from(b.map((x) => x ^ 0x5a)) };
  const dir = tempDir();
  const key = loadDataKey(dir, 'k.key', { create: true, encrypter: xor });
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'k.key'), 'utf8'));
  expect(file.wrap).toBe('test-keychain');
  expect(Buffer.from(file.key, 'base64').equals(key)).toBe(false);
  expect(loadDataKey(dir, 'k.key', { create: false, encrypter: xor })!.equals(key)).toBe(true);
  expect(() => loadDataKey(dir, 'k.key', { create: false })).toThrow(/protected by test-keychain/);
});
