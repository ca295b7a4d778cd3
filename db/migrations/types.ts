import type { Tx } from '../store.ts';

/**
 * A numbered schema change of one dialect. `up` runs inside the migration transaction; it must not commit.
 * Both dialects list the same versions with the same names (db/migrations/index.ts checks it).
 */
export interface Migration {
  version: number;
  name: string;
  up(tx: Tx): Promise<void>;
}
