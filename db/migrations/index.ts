// Every migration, in order. Bundled with the code: nothing is read from a folder at run time.
// Add a new numbered module and list it here; never edit one that has shipped.
import type { Migration } from './types.ts';
import { migration0001 } from './0001_foundation.ts';
import { migration0002 } from './0002_webhooks.ts';
import { migration0003 } from './0003_audit.ts';
import { migration0004 } from './0004_reports.ts';

export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
];

export const latestVersion = migrations[migrations.length - 1].version;
