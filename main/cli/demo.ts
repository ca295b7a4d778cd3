import { openStore } from '../../db/open.ts';
import { redactLocation } from '../../db/store.ts';
import { seedDemo } from '../demo.ts';
import { intFlag, parseFlags, requireFlag } from './args.ts';

export const demoHelp = `chronicle demo --db FILE|postgres://… [--seed N] [--events N]
  Create the demo workspace (two accounts, people, projects, boards, events over 90 days) in an empty store:
  a SQLite file, or a hub's PostgreSQL database.
  --seed N     random seed (default 1): the same seed gives the same workspace
  --events N   number of events (default 3000)`;

export async function demo(argv: string[]) {
  const { values } = parseFlags(argv, { db: { type: 'string' }, seed: { type: 'string' }, events: { type: 'string' }, now: { type: 'string' } });
  const location = requireFlag(values.db, '--db');
  const seed = intFlag(values.seed, '--seed', 1);
  const events = intFlag(values.events, '--events', 3000, 0, 5_000_000);
  // Hidden (tests, reproducible fixtures): `--now MS` pins "now" (epoch ms) so the same seed gives the same rows
  // (ids and times included) on any run; without it the 90 days end at the current time.
  const now = values.now === undefined ? undefined : intFlag(values.now, '--now', 0, 0, 8_640_000_000_000_000);
  const shown = redactLocation(location);
  const store = await openStore(location);
  try {
    const started = Date.now();
    const result = await seedDemo(store, { seed, events, now });
    if (!result.created) {
      process.stdout.write(`${shown} already has a workspace; nothing was changed.\n`);
      return;
    }
    process.stdout.write(`Created the demo workspace in ${shown}: ${result.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  } finally {
    await store.close();
  }
}
