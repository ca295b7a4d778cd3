// `chronicle audit verify|export|verify-bundle`.
import path from 'node:path';
import { accountsWithChains } from '../../db/audit.ts';
import { openStore } from '../../db/open.ts';
import { redactLocation, type Store } from '../../db/store.ts';
import { defaultDataDir } from '../data-dir.ts';
import { exportBundle, verifyBundleFile } from '../audit/bundle.ts';
import { verifyChain } from '../audit/verify.ts';
import { resolveAccount } from './account.ts';
import { parseFlags, requireFlag, UsageError } from './args.ts';

export const auditHelp = `chronicle audit verify|export|verify-bundle …
  chronicle audit verify --db FILE|URL [--account ID|NAME]
      Walk the hash chain of every account (or one) and report the first broken link.
      Exit status: 0 intact, 1 broken, 2 usage error.
  chronicle audit export --db FILE|URL --out BUNDLE [--account ID|NAME] [--from DATE --to DATE] [--data-dir DIR]
      Write a signed review bundle (one SQLite file, from a workspace file or a postgres:// hub alike) with one
      account's trail. --account is needed when the workspace has several accounts. DATE is 2026-03-31 or an ISO
      time; --to DATE (a day) includes that day. --data-dir: the folder holding audit-signing.key (default: beside
      the file; for a hub, CHRONICLE_DATA_DIR or the hub's folder under the user's data folder).
  chronicle audit verify-bundle BUNDLE
      Check a bundle's signature, content and whole chain without the original workspace.
      Exit status: 0 valid, 1 invalid, 2 usage error.`;

/** Thrown to end with exit status 1 after the report was printed (not an error message). */
export class CheckFailed extends Error {}

function parseDate(value: string | undefined, flag: string, endOfDay: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00.000Z`);
    if (Number.isNaN(t)) throw new UsageError(`${flag} must be a date like 2026-03-31 or an ISO time, got “${value}”.`);
    return endOfDay ? t + 86_400_000 - 1 : t;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new UsageError(`${flag} must be a date like 2026-03-31 or an ISO time, got “${value}”.`);
  return t;
}

/** A progress line on stderr for long walks (only when stderr is a terminal, or when asked). */
function progressPrinter(label: string) {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(done: number, total: number) {
      const now = Date.now();
      if (total < 50_000 || (now - last < 250 && done < total)) return;
      last = now;
      const pct = total ? Math.floor((done / total) * 100) : 100;
      const line = `${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} links (${pct}%)`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
    end() {
      if (tty && last) process.stderr.write('\n');
    },
  };
}

function openWorkspace(location: string): Promise<Store> {
  // Read-only: verifying never changes the workspace (export opens it writable: its signing key is created on
  // first use).
  return openStore(location, { readonly: true });
}

async function verifyCmd(argv: string[]) {
  const { values } = parseFlags(argv, { db: { type: 'string' }, account: { type: 'string' } });
  const location = requireFlag(values.db, '--db');
  const store = await openWorkspace(location);
  try {
    const all = await accountsWithChains(store);
    const accounts = values.account ? [resolveAccount(all, values.account, redactLocation(location))] : all;
    let allOk = true;
    for (const a of accounts) {
      const p = progressPrinter(`Verifying ${a.name}`);
      const started = Date.now();
      const r = await verifyChain(store, a.id, { onProgress: p.update });
      p.end();
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (r.ok) {
        process.stdout.write(`ok      ${a.name} (${a.id}): ${r.checked} links verified in ${secs} s; head #${r.head?.seq ?? 0} ${r.head?.hash ?? '-'}\n`);
      } else {
        allOk = false;
        const b = r.firstBroken!;
        process.stdout.write(
          `BROKEN  ${a.name} (${a.id}): first broken link #${b.seq} (${b.kind}${b.table ? `, ${b.table}` : ''}${b.id ? ` ${b.id}` : ''}) after ${r.checked} good links\n        ${b.message}\n`,
        );
      }
    }
    if (!allOk) throw new CheckFailed('The audit chain is broken.');
  } finally {
    await store.close();
  }
}

async function exportCmd(argv: string[]) {
  const { values } = parseFlags(argv, {
    db: { type: 'string' }, out: { type: 'string' }, account: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  const location = requireFlag(values.db, '--db');
  const shown = redactLocation(location);
  const out = requireFlag(values.out, '--out');
  const fromMs = parseDate(values.from, '--from', false);
  const toMs = parseDate(values.to, '--to', true);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new UsageError('--from is after --to.');
  const store = await openStore(location);
  try {
    const accounts = await accountsWithChains(store);
    let accountId = values.account;
    if (!accountId) {
      if (accounts.length !== 1) {
        throw new UsageError(`${shown} has ${accounts.length} accounts; pick one with --account:\n${accounts.map((a) => `  ${a.id}  ${a.name}`).join('\n')}`);
      }
      accountId = accounts[0].id;
    } else {
      accountId = resolveAccount(accounts, accountId, shown).id;
    }
    const tty = process.stderr.isTTY;
    let lastPhase = '';
    const started = Date.now();
    const result = await exportBundle(store, {
      accountId,
      out,
      dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir(location),
      fromMs,
      toMs,
      onProgress: (phase, f) => {
        if (tty) process.stderr.write(`\rExporting: ${phase} ${Math.floor(f * 100)}%   `);
        else if (phase !== lastPhase) process.stderr.write(`Exporting: ${phase}\n`);
        lastPhase = phase;
      },
    });
    if (tty) process.stderr.write('\n');
    const m = result.manifest;
    process.stdout.write(
      `Wrote ${result.file} (${(result.bytes / 1024).toFixed(0)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `  account      ${m.account.name} (${m.account.id})\n` +
        `  chain        #${m.chain.firstSeq} to #${m.chain.headSeq} (${m.chain.links} links), head ${m.chain.headHash}\n` +
        `  fingerprint  ${m.fingerprint}\n`,
    );
  } finally {
    await store.close();
  }
}

async function verifyBundleCmd(argv: string[]) {
  const { positionals } = parseFlags(argv, {});
  if (positionals.length !== 1) throw new UsageError('Give exactly one bundle file.');
  const p = progressPrinter('Verifying the chain');
  const r = await verifyBundleFile(positionals[0], p.update);
  p.end();
  if (r.manifest) {
    const m = r.manifest;
    process.stdout.write(
      `Bundle of ${m.account.name} (${m.account.id}), exported ${m.createdAt}\n  fingerprint  ${m.fingerprint}\n  chain        #${m.chain.firstSeq} to #${m.chain.headSeq}, head ${m.chain.headHash}\n`,
    );
  }
  for (const c of r.checks) process.stdout.write(`  ${c.ok ? 'ok    ' : 'FAILED'} ${c.name.padEnd(9)} ${c.message}\n`);
  process.stdout.write(r.ok ? 'The bundle is valid.\n' : 'The bundle is NOT valid.\n');
  if (!r.ok) throw new CheckFailed('The bundle is not valid.');
}

export async function audit(argv: string[]) {
  const [sub, ...rest] = argv;
  if (sub === 'verify') return verifyCmd(rest);
  if (sub === 'export') return exportCmd(rest);
  if (sub === 'verify-bundle') return verifyBundleCmd(rest);
  throw new UsageError(sub ? `Unknown audit command “${sub}”.` : 'Name an audit command.');
}
