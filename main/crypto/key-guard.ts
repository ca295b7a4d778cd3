// Data keys and the rows they sealed: a key file is only used, or made, when it fits the workspace.
//
// Each data key (webhook-secrets.key, audit-signing.key) has its fingerprint recorded in the database (table
// data_keys) once something it sealed is stored. A process that opens the workspace compares its key file with
// that record (or, for rows written before fingerprints existed, tries to open one sealed value):
//   - the file is missing while sealed rows exist: "missing", and NO new key is made (a new key over existing
//     rows makes them unreadable for good, which is what used to happen);
//   - the file holds another key: "different";
//   - the file cannot be read (not JSON, wrapped by a keychain that is not here, not private): "unusable".
// Each state comes with a sentence that says which file, which fingerprint was expected and what to do.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { recordedFingerprint, recordFingerprint } from '../../db/keys.ts';
import type { DataKeyName } from '../../db/schema.ts';
import type { Db } from '../../db/store.ts';
import { loadDataKey, unseal, type Encrypter } from './at-rest.ts';

/** SHA-256 of a fixed label and the key, the first 80 bits in groups of four hex digits (never the key itself). */
export function keyFingerprint(key: Buffer): string {
  const hex = crypto.createHash('sha256').update('chronicle data key fingerprint v1\0').update(key).digest('hex').toUpperCase();
  return hex.slice(0, 20).match(/.{4}/g)!.join(' ');
}

export interface DataKeySpec {
  name: DataKeyName;
  fileName: string;
  /** "The webhook secrets key" */
  label: string;
  /** What it seals, for "holds … sealed with it": "endpoint signing secrets and custom header values". */
  protects: string;
  /** One value this workspace stores sealed with the key (null when there is none yet). */
  sample(db: Db): Promise<string | null>;
}

export type KeyState = 'ok' | 'unused' | 'missing' | 'different' | 'unusable';

export interface DataKeyStatus {
  name: DataKeyName;
  label: string;
  state: KeyState;
  file: string;
  /** The key when `state` is ok (null otherwise). */
  key: Buffer | null;
  /** Fingerprint of the key file found here. */
  found: string | null;
  /** Fingerprint the workspace recorded for its sealed rows. */
  expected: string | null;
  /** What is wrong and what to do (null when nothing is). */
  sentence: string | null;
}

export interface OpenKeyOptions {
  /** Make the key when there is no file and nothing is sealed yet (default true). */
  create?: boolean;
  encrypter?: Encrypter | null;
  warn?: (sentence: string) => void;
  now?: number;
}

const folders = 'or start Chronicle with the folder that holds it (--data-dir or CHRONICLE_DATA_DIR; on a hub, the data folder every process of the hub shares).';
const where = `Put that file back (a backup made with \`chronicle backup\` holds it), ${folders}`;
const whereRight = `Put the right key file in its place (a backup made with \`chronicle backup\` holds it), ${folders}`;

/** Load the key file of `spec` for this workspace, or say why it cannot be used. Never throws for a bad key. */
export async function openDataKey(db: Db, dataDir: string, spec: DataKeySpec, opts: OpenKeyOptions = {}): Promise<DataKeyStatus> {
  const file = path.join(dataDir, spec.fileName);
  const base = { name: spec.name, label: spec.label, file };
  const expected = await recordedFingerprint(db, spec.name);
  const sample = await spec.sample(db);
  const sealed = Boolean(expected || sample);
  let key: Buffer | null;
  try {
    key = loadDataKey(dataDir, spec.fileName, { create: false, encrypter: opts.encrypter, warn: opts.warn });
  } catch (err) {
    return {
      ...base, state: 'unusable', key: null, found: null, expected,
      sentence: `${spec.label} in ${file} cannot be used: ${(err as Error).message}${sealed ? ` This workspace's ${spec.protects} cannot be read until it can.` : ''}`,
    };
  }
  if (!key) {
    if (sealed) {
      return {
        ...base, state: 'missing', key: null, found: null, expected,
        sentence: `${spec.label} is missing: ${file} does not exist, but this workspace holds ${spec.protects} sealed with it${expected ? ` (key fingerprint ${expected})` : ''}. Chronicle did not make a new key over them. ${where}`,
      };
    }
    if (opts.create === false) return { ...base, state: 'unused', key: null, found: null, expected: null, sentence: null };
    key = loadDataKey(dataDir, spec.fileName, { create: true, encrypter: opts.encrypter, warn: opts.warn });
    return { ...base, state: 'ok', key, found: keyFingerprint(key), expected: null, sentence: null };
  }
  const found = keyFingerprint(key);
  const different = (expectedNow: string | null): DataKeyStatus => ({
    ...base, state: 'different', key: null, found, expected: expectedNow,
    sentence: `${spec.label} in ${file} (key fingerprint ${found}) is not the key this workspace sealed ${spec.protects} with${expectedNow ? ` (key fingerprint ${expectedNow})` : ''}, so they cannot be read with it. ${whereRight}`,
  });
  if (expected && expected !== found) return different(expected);
  if (!expected && sample) {
    // Rows sealed before fingerprints were recorded: the key must open them before it is recorded as theirs.
    try {
      unseal(key, sample);
    } catch {
      return different(null);
    }
    const recorded = await recordFingerprint(db, spec.name, found, opts.now ?? Date.now());
    if (recorded !== found) return different(recorded);
  }
  return { ...base, state: 'ok', key, found, expected: expected ?? (sample ? found : null), sentence: null };
}

/**
 * In the transaction that stores the first value a key sealed: record the key's fingerprint, or refuse when the
 * workspace already records another key's (a process of a hub with its own data folder).
 */
export async function claimFingerprint(db: Db, status: DataKeyStatus, now = Date.now()): Promise<string | null> {
  if (status.state !== 'ok' || !status.found) return status.sentence ?? `${status.label} is not available.`;
  const recorded = await recordFingerprint(db, status.name, status.found, now);
  if (recorded === status.found) return null;
  return `${status.label} in ${status.file} (key fingerprint ${status.found}) is not the one this workspace's other secrets were sealed with (key fingerprint ${recorded}). ${whereRight}`;
}

/** A data key's file exists (for backups and restores, which copy key files as they are). */
export function keyFileExists(dataDir: string, spec: Pick<DataKeySpec, 'fileName'>): boolean {
  return fs.existsSync(path.join(dataDir, spec.fileName));
}
