// `chronicle copy`: a whole workspace from one store to another (a file up to a hub, a hub down to a file), all
// or nothing. The target is written in ONE transaction and verified inside it before it commits: row counts per
// table, every account's audit chain (walked and compared with the source's head), and the rollups (equal to the
// source's and to a recomputation from the copied activities). A failed check rolls everything back.
//
// Secrets stay encrypted: rows are copied as stored, ciphertext included. The data keys that decrypt them are
// files (main/crypto/at-rest.ts), never in the database; the copy puts the source's key files into the target's
// data folder (mode 0600). Every other process of a hub needs the same files (copy that folder).
import fs from 'node:fs';
import path from 'node:path';
import { chainHead } from '../db/audit.ts';
import { copiedTables, copyTable, dumpRollups, rebuiltRollups, tableCounts } from '../db/copy.ts';
import { openStore } from '../db/open.ts';
import type { Store } from '../db/store.ts';
import * as ws from '../db/workspace.ts';
import { verifyChain } from './audit/verify.ts';
import { SIGNING_KEY_FILE } from './audit/keys.ts';
import { defaultDataDir } from './data-dir.ts';
import { KEY_FILE } from './webhooks/secrets.ts';

export class CopyError extends Error {}

export interface CopyOptions {
  from: string;
  to: string;
  fromDataDir?: string;
  toDataDir?: string;
  onProgress?(done: number, total: number, table: string): void;
}

export interface CopyReport {
  from: string;
  to: string;
  rows: Record<string, number>;
  total: number;
  accounts: { id: string; name: string; head: { seq: number; hash: string } | null }[];
  keys: { file: string; copied: boolean }[];
}

const keyFiles = [KEY_FILE, SIGNING_KEY_FILE];

/** Which key files to put where; refuses (before anything is written) what would leave secrets unreadable. */
interface KeyPlan { name: string; src: string; dst: string; copy: boolean }

function planKeys(fromDir: string, toDir: string): KeyPlan[] {
  return keyFiles.flatMap((name): KeyPlan[] => {
    const src = path.join(fromDir, name);
    const dst = path.join(toDir, name);
    if (!fs.existsSync(src)) return [];
    const text = fs.readFileSync(src, 'utf8');
    let wrap = 'none';
    try {
      wrap = (JSON.parse(text) as { wrap?: string }).wrap ?? 'none';
    } catch {
      throw new CopyError(`${src} is not a Chronicle key file.`);
    }
    if (wrap !== 'none') {
      throw new CopyError(`${src} is protected by this computer's keychain (${wrap}), so it cannot travel. Copy from the desktop app's own store, or export the workspace there.`);
    }
    if (path.resolve(src) === path.resolve(dst)) return [{ name, src, dst, copy: false }];
    if (fs.existsSync(dst)) {
      if (fs.readFileSync(dst, 'utf8') === text) return [{ name, src, dst, copy: false }];
      throw new CopyError(`${dst} already holds a different key: the copied secrets would not decrypt with it. Give the target another data folder (--to-data-dir), or remove that file if it belongs to nothing.`);
    }
    return [{ name, src, dst, copy: true }];
  });
}

export async function copyWorkspace(opts: CopyOptions): Promise<CopyReport> {
  if (path.resolve(opts.from) === path.resolve(opts.to) || opts.from === opts.to) throw new CopyError('--from and --to are the same store.');
  const fromDir = opts.fromDataDir ?? defaultDataDir(opts.from);
  const toDir = opts.toDataDir ?? defaultDataDir(opts.to);
  const source = await openStore(opts.from, { migrate: false });
  let target: Store | null = null;
  const written: string[] = [];
  try {
    target = await openStore(opts.to);
    const existing = await tableCounts(target);
    const nonEmpty = Object.entries(existing).filter(([, n]) => n > 0);
    if (nonEmpty.length) {
      throw new CopyError(
        `${target.location} is not empty (${nonEmpty.slice(0, 3).map(([t, n]) => `${n} ${t}`).join(', ')}${nonEmpty.length > 3 ? ', …' : ''}): copy only into an empty store, nothing was written.`,
      );
    }
    const keys = planKeys(fromDir, toDir);
    const dst = target;
    const report = await source.transaction(
      async (src) => {
        const rows = await tableCounts(src);
        const total = Object.values(rows).reduce((a, b) => a + b, 0);
        const accounts = await ws.listAllAccounts(src);
        const heads = new Map(await Promise.all(accounts.map(async (a) => [a.id, (await chainHead(src, a.id)) ?? null] as const)));
        const sourceRollups = await dumpRollups(src);
        await dst.transaction(async (tx) => {
          let done = 0;
          for (const table of copiedTables) {
            opts.onProgress?.(done, total, table);
            await copyTable(src, tx, table, (n) => {
              done += n;
              opts.onProgress?.(done, total, table);
            });
          }
          // Verify inside the transaction: a mismatch throws and nothing is committed.
          const copied = await tableCounts(tx);
          const off = copiedTables.filter((t) => copied[t] !== rows[t]);
          if (off.length) throw new CopyError(`The copy does not match its source (${off.map((t) => `${t}: ${copied[t]} of ${rows[t]}`).join(', ')}); nothing was written.`);
          for (const a of accounts) {
            const head = (await chainHead(tx, a.id)) ?? null;
            const want = heads.get(a.id) ?? null;
            if (head?.seq !== want?.seq || head?.hash !== want?.hash) throw new CopyError(`The audit chain of “${a.name}” does not end where the source's does; nothing was written.`);
            const check = await verifyChain(tx, a.id);
            if (!check.ok) throw new CopyError(`The audit chain of “${a.name}” does not verify on the target (${check.firstBroken?.message}); nothing was written.`);
          }
          const targetRollups = await dumpRollups(tx);
          if (targetRollups.join('\n') !== sourceRollups.join('\n')) throw new CopyError('The copied report rollups differ from the source’s; nothing was written.');
          if ((await rebuiltRollups(tx)).join('\n') !== targetRollups.join('\n')) {
            throw new CopyError('The source’s report rollups do not match its own activities (run `chronicle reports --db SOURCE --rebuild` first); nothing was written.');
          }
          // The keys go last, still inside the transaction: if writing them fails, the rows are rolled back too.
          for (const k of keys) {
            if (!k.copy) continue;
            fs.mkdirSync(path.dirname(k.dst), { recursive: true, mode: 0o700 });
            fs.copyFileSync(k.src, k.dst, fs.constants.COPYFILE_EXCL);
            fs.chmodSync(k.dst, 0o600);
            written.push(k.dst);
          }
        });
        return {
          from: source.location,
          to: dst.location,
          rows,
          total,
          accounts: accounts.map((a) => ({ id: a.id, name: a.name, head: heads.get(a.id) ?? null })),
          keys: keys.map((k) => ({ file: k.dst, copied: k.copy })),
        };
      },
      { readOnly: true },
    );
    written.length = 0;
    return report;
  } finally {
    // A copy that did not commit leaves no key file behind either.
    for (const f of written) fs.rmSync(f, { force: true });
    await target?.close();
    await source.close();
  }
}
