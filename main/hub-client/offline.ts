// Offline review from a hub: the last signed review bundle per hub account, kept on this computer. A bundle is
// kept only once it verified on arrival: its own checks (signature, file bytes, contents, counts, chain) and
// that it is the expected account's, signed by the key the hub itself names (audit.bundleInfo over the same
// verified connection) — a bundle signed by any other key is refused.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { OfflineCopy } from '../../preload/contract/connection.ts';
import { verifyBundleFile } from '../audit/bundle.ts';

export type OfflineCopyInfo = z.output<typeof OfflineCopy>;

export async function checkArrivedBundle(file: string, expected: { fingerprint: string; accountId: string }): Promise<{ ok: true; copy: OfflineCopyInfo } | { ok: false; reason: string }> {
  const v = await verifyBundleFile(file);
  if (!v.ok || !v.manifest) {
    const failed = v.checks.filter((c) => !c.ok).map((c) => c.message);
    return { ok: false, reason: failed.join(' ') || 'it is not a valid review bundle.' };
  }
  const m = v.manifest;
  if (m.fingerprint !== expected.fingerprint) return { ok: false, reason: `it is signed by key ${m.fingerprint.slice(0, 14)}…, not by the hub’s key ${expected.fingerprint.slice(0, 14)}….` };
  if (m.account.id !== expected.accountId) return { ok: false, reason: `it holds the account “${m.account.name}”, not the one this token acts in.` };
  return {
    ok: true,
    copy: { account: m.account, exportedAt: m.createdAt, range: m.range, fingerprint: m.fingerprint, links: m.chain.links, bytes: fs.statSync(file).size },
  };
}

type Index = Record<string, Record<string, OfflineCopyInfo & { file: string }>>;

/** dir/index.json: hub origin → account id → its last verified copy. */
export class OfflineCopies {
  constructor(private readonly dir: string) {}

  private read(): Index {
    const file = path.join(this.dir, 'index.json');
    if (!fs.existsSync(file)) return {};
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Index;
    } catch {
      return {};
    }
  }

  /** Where a download for this hub account is written before it is checked. */
  partialFile(origin: string, accountId: string): string {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return path.join(this.dir, `${this.baseName(origin, accountId)}.partial`);
  }

  private baseName(origin: string, accountId: string): string {
    return `${origin.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_')}-${accountId.replace(/[^A-Za-z0-9-]/g, '')}`;
  }

  /** Keep a verified download as this hub account's copy (replacing the previous one). */
  keep(origin: string, partial: string, copy: OfflineCopyInfo): string {
    const file = path.join(this.dir, `${this.baseName(origin, copy.account.id)}.chronicle-bundle`);
    fs.renameSync(partial, file);
    const index = this.read();
    index[origin] = { ...index[origin], [copy.account.id]: { ...copy, file } };
    const tmp = path.join(this.dir, `index.json.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(index, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, path.join(this.dir, 'index.json'));
    return file;
  }

  get(origin: string, accountId: string | undefined): (OfflineCopyInfo & { file: string }) | null {
    if (!accountId) return null;
    const entry = this.read()[origin]?.[accountId];
    return entry && fs.existsSync(entry.file) ? entry : null;
  }
}
