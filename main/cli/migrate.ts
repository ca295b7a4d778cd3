import { backupBeforeMigration } from '../../db/backup.ts';
import { migrate, openStore, schemaVersion } from '../../db/open.ts';
import { latestVersion } from '../../db/migrations/index.ts';
import { parseFlags, requireFlag } from './args.ts';

export const migrateHelp = `chronicle migrate --db FILE|postgres://…
  Create or bring up to date a workspace's schema, then exit. A workspace file is first copied into the
  \`backups\` folder beside it (the last 3 such copies are kept). On a hub, run it once before starting the serve
  and dispatch processes (they also migrate at start, one at a time, if you skip it).
  --db LOCATION  workspace file, or a hub's PostgreSQL URL (an empty database, or one Chronicle made)`;

export async function migrateCommand(argv: string[]) {
  const { values } = parseFlags(argv, { db: { type: 'string' } });
  const location = requireFlag(values.db, '--db');
  const store = await openStore(location, { migrate: false, check: false });
  try {
    const before = await schemaVersion(store);
    if (store.dialect === 'sqlite' && before > 0 && before < latestVersion) {
      process.stdout.write(`Copied ${store.location} to ${await backupBeforeMigration(store, location, before, latestVersion)} before migrating.\n`);
    }
    const applied = await migrate(store);
    process.stdout.write(
      applied
        ? `${store.location}: schema ${before} → ${latestVersion} (${applied} migration${applied === 1 ? '' : 's'} applied).\n`
        : `${store.location}: schema ${latestVersion}, up to date.\n`,
    );
  } finally {
    await store.close();
  }
}
