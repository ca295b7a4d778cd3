// Every migration of both dialects. The same version numbers and names on both: a file and a hub at version N
// hold the same data in the same tables, whatever DDL each needed to get there (only SQLite's cross-process
// push_outbox has no twin: PostgreSQL uses LISTEN/NOTIFY).
import type { Dialect } from '../store.ts';
import { postgresMigrations } from './postgres/index.ts';
import { sqliteMigrations } from './sqlite/index.ts';
import type { Migration } from './types.ts';

export const migrationsByDialect: Record<Dialect, readonly Migration[]> = {
  sqlite: sqliteMigrations,
  postgres: postgresMigrations,
};

export const latestVersion = sqliteMigrations[sqliteMigrations.length - 1].version;

const a = sqliteMigrations.map((m) => `${m.version}:${m.name}`).join(',');
const b = postgresMigrations.map((m) => `${m.version}:${m.name}`).join(',');
if (a !== b) throw new Error(`The SQLite and PostgreSQL migrations differ (${a} vs ${b}).`);
