import { createApp } from '../app.ts';
import { dumpRollups, rebuildRollups } from '../../db/reports.ts';
import * as ws from '../../db/workspace.ts';
import { resolveRange, summary } from '../reports/summary.ts';
import { intFlag, parseFlags, requireFlag, UsageError } from './args.ts';
import fs from 'node:fs';

export const reportsHelp = `chronicle reports --db FILE [--days N | --from DAY --to DAY] [--account NAME] [--board ID] [--check] [--rebuild]
  Print reports.summary as JSON (UTC days; default the last 30 days of the first account).
  --check      recompute the rollups from the activities and compare (exit 1 if they differ)
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
  const dbFile = requireFlag(values.db, '--db');
  if (!fs.existsSync(dbFile)) throw new UsageError(`${dbFile} does not exist.`);
  const day = (s: string | undefined, flag: string) => {
    if (s !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`)))) throw new UsageError(`${flag} must be a day like 2026-03-31, got “${s}”.`);
    return s;
  };
  const days = intFlag(values.days, '--days', 30, 1, 3660);
  const app = await createApp({ dbFile, background: false });
  try {
    if (values.check || values.rebuild) {
      const before = dumpRollups(app.sqlite);
      if (values.check) {
        // Compare inside a transaction that is rolled back: the file is left as it was.
        let after: string[] = [];
        try {
          app.sqlite.transaction(() => {
            rebuildRollups(app.sqlite);
            after = dumpRollups(app.sqlite);
            throw new Error('rollback');
          })();
        } catch (err) {
          if ((err as Error).message !== 'rollback') throw err;
        }
        const same = before.length === after.length && before.every((l, i) => l === after[i]);
        if (!same) throw new Error(`the maintained rollups (${before.length} rows) differ from a rebuild (${after.length} rows); run --rebuild to repair them.`);
        process.stdout.write(`ok: ${before.length} rollup rows maintained, the same as a rebuild\n`);
      } else {
        rebuildRollups(app.sqlite);
        process.stdout.write(`rebuilt: ${dumpRollups(app.sqlite).length} rollup rows (were ${before.length})\n`);
      }
      return;
    }
    const accounts = ws.listAllAccounts(app.sqlite);
    const account = values.account ? accounts.find((a) => a.name === values.account) : accounts[0];
    if (!account) throw new UsageError(values.account ? `No account is named “${values.account}”.` : 'The workspace has no account.');
    const to = day(values.to, '--to') ?? new Date().toISOString().slice(0, 10);
    const from = day(values.from, '--from') ?? new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    let range;
    try {
      range = resolveRange(app.sqlite, account.id, { from, to, boardId: values.board });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    process.stdout.write(JSON.stringify({ account: account.name, ...summary(app.sqlite, range) }, null, 2) + '\n');
  } finally {
    await app.close();
  }
}
