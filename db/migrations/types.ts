import type { Sqlite } from '../sql.ts';

/** A numbered schema change. `up` runs inside the migration transaction; it must not commit. */
export interface Migration {
  version: number;
  name: string;
  up(sqlite: Sqlite): void;
}
