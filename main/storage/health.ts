// Whether the workspace file can still be trusted with writes. Once SQLite reports damage (an integrity check, or
// a statement that hit a malformed page), the console stops writing to the file: every later change is refused
// with the same sentence, and background jobs stop, so nothing more is written on top of the damage. Reading
// stays possible (to look, and to take what can still be taken), and the way out is the last backup.
import type { AppServices } from '../handlers/types.ts';

export interface StorageDamage {
  /** What was found and what to do, for a person. */
  sentence: string;
  /** SQLite's own messages (the first few). */
  problems: string[];
  at: number;
}

interface HealthState {
  damage: StorageDamage | null;
  onDamage: ((damage: StorageDamage) => unknown)[];
}

function state(app: AppServices): HealthState {
  let s = app.services.storageHealth as HealthState | undefined;
  if (!s) {
    s = { damage: null, onDamage: [] };
    app.services.storageHealth = s;
  }
  return s;
}

export function storageDamage(app: AppServices): StorageDamage | null {
  return state(app).damage;
}

/** Called once when damage is first found (e.g. the jobs service stops its worker). */
export function onStorageDamage(app: AppServices, fn: (damage: StorageDamage) => unknown): void {
  state(app).onDamage.push(fn);
}

/** Record damage (the first report wins; later ones add nothing) and tell the services that write. */
export function markStorageDamaged(app: AppServices, found: Omit<StorageDamage, 'at'>): void {
  const s = state(app);
  if (s.damage) return;
  s.damage = { ...found, at: Date.now() };
  console.error(`Chronicle: ${s.damage.sentence}`);
  // Not awaited: the request that found the damage answers now, while writers stop (a dispatcher may take a few
  // seconds to finish the attempts it has in flight).
  const damage = s.damage;
  for (const fn of s.onDamage) {
    void Promise.resolve()
      .then(() => fn(damage))
      .catch((err: unknown) => console.error('[storage] stopping a writer after damage failed:', err));
  }
}
