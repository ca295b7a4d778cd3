import { copyWorkspace } from '../copy.ts';
import { parseFlags, requireFlag } from './args.ts';

export const copyHelp = `chronicle copy --from FILE|postgres://… --to FILE|postgres://… [--from-data-dir DIR] [--to-data-dir DIR]
  Copy a whole workspace into an empty store: a file up to a team hub, or a hub down to a file. One transaction,
  verified before it commits (rows per table, every account's audit chain, the report rollups): all or nothing.
  Secrets travel encrypted; the key files that decrypt them are copied from the source's data folder into the
  target's (mode 0600). Every process of a hub needs that folder's key files.
  --from-data-dir DIR  folder of the source's key files (default: beside the file; for a hub see \`chronicle dispatch --help\`)
  --to-data-dir DIR    folder for the target's key files (same defaults)`;

/** A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise. */
function progressBar() {
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  let lastTenth = -1;
  return (done: number, total: number, table: string) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    const width = 30;
    const bar = '█'.repeat(Math.round((pct / 100) * width)).padEnd(width, '░');
    const line = `${bar} ${String(pct).padStart(3)}%  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} rows  (${table})`;
    const now = Date.now();
    if (tty) {
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      process.stderr.write(`\r${line.padEnd(100)}`);
      if (done >= total) process.stderr.write('\n');
    } else if (Math.floor(pct / 10) !== lastTenth) {
      lastTenth = Math.floor(pct / 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

export async function copyCommand(argv: string[]) {
  const { values } = parseFlags(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    'from-data-dir': { type: 'string' },
    'to-data-dir': { type: 'string' },
  });
  const from = requireFlag(values.from, '--from');
  const to = requireFlag(values.to, '--to');
  // A refusal (a non-empty target, a key that would not match) is a sentence and exit status 1 (main/cli.ts).
  {
    const r = await copyWorkspace({ from, to, fromDataDir: values['from-data-dir'], toDataDir: values['to-data-dir'], onProgress: progressBar() });
    process.stdout.write(
      [
        `Copied ${r.total.toLocaleString('en')} rows from ${r.from} to ${r.to}.`,
        `Verified: rows of ${Object.keys(r.rows).length} tables, ${r.accounts.length} audit chain${r.accounts.length === 1 ? '' : 's'} (${r.accounts.map((a) => `${a.name} at ${a.head?.seq ?? 0}`).join(', ')}), report rollups.`,
        ...r.keys.map((k) => (k.copied ? `Key file copied to ${k.file} (mode 0600).` : `Key file already in place: ${k.file}.`)),
      ].join('\n') + '\n',
    );
  }
}
