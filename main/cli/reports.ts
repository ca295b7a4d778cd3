import fs from 'node:fs';
import { createApp } from '../app.ts';
import { checkRollups, dumpRollups, rebuildRollups } from '../../db/reports.ts';
import { isHubLocation } from '../../db/store.ts';
import * as ws from '../../db/workspace.ts';
import { resolveRange, summary } from '../reports/summary.ts';
import { resolveAccount } from './account.ts';
import { intFlag, parseFlags, requireFlag, UsageError } from './args.ts';

export const reportsHelp = `chronicle reports --db FILE|postgres://… [--days N | --from DAY --to DAY] [--account ID|NAME] [--board ID] [--check] [--rebuild]
  Print reports.summary as JSON (UTC days; default the last 30 days of the first account).
  --check      recompute the rollups from the activities and compare (exit 1 if they differ); changes nothing
  --rebuild    recompute the rollups from the activities and store them`;

export async function reports(argv: string[]) {
  const { values } = parseFlags(argv, {
    db: { type: 'string' },
    days: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    account: { type: 'string' },
    board: { type: 'string' },
    check: { type: 'boolean' },
    rebuild: { type: 'boolean' },
  });
  const location = requireFlag(values.db, '--db');
  if (!isHubLocation(location) && !fs.existsSync(location)) throw new UsageError(`${location} does not exist.`);
  const day = (s: string | undefined, flag: string) => {
    if (s !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`)))) throw new UsageError(`${flag} must be a day like 2026-03-31, got “${s}”.`);
    return s;
  };
  const days = intFlag(values.days, '--days', 30, 1, 3660);
  const app = await createApp({ location, background: false });
  try {
    if (values.check) {
      // Compared inside one transaction that is rolled back: the store is left as it was.
      const { maintained, rebuilt } = await checkRollups(app.store);
      const same = maintained.length === rebuilt.length && maintained.every((l, i) => l === rebuilt[i]);
      if (!same) throw new Error(`the maintained rollups (${maintained.length} rows) differ from a rebuild (${rebuilt.length} rows); run --rebuild to repair them.`);
      process.stdout.write(`ok: ${maintained.length} rollup rows maintained, the same as a rebuild\n`);
      return;
    }
    if (values.rebuild) {
      const before = (await dumpRollups(app.store)).length;
      await rebuildRollups(app.store);
      process.stdout.write(`rebuilt: ${(await dumpRollups(app.store)).length} rollup rows (were ${before})\n`);
      return;
    }
    const accounts = await ws.listAllAccounts(app.store);
    const account = values.account ? resolveAccount(accounts, values.account, app.location) : accounts[0];
    if (!account) throw new UsageError('The workspace has no account.');
    const to = day(values.to, '--to') ?? new Date().toISOString().slice(0, 10);
    const from = day(values.from, '--from') ?? new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    let range;
    try {
      range = await resolveRange(app.store, account.id, { from, to, boardId: values.board });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    process.stdout.write(JSON.stringify({ account: account.name, ...(await summary(app.store, range)) }, null, 2) + '\n');
  } finally {
    await app.close();
  }
}
