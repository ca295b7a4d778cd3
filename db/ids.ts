import { AsyncLocalStorage } from 'node:async_hooks';
import { v7 } from 'uuid';

/** A time-ordered primary key. `at` pins the timestamp part (used by the deterministic demo seed). */
export function newId(at?: number, random?: Uint8Array): string {
  const bytes = random ?? idRandom.getStore()?.();
  if (at === undefined && !bytes) return v7();
  return v7({ msecs: at, random: bytes });
}

const idRandom = new AsyncLocalStorage<() => Uint8Array>();

/**
 * Run `fn` with ids drawn from `random` instead of the OS (the demo seed, so a seed gives the same workspace).
 * Scoped to `fn`'s own async flow: a request served meanwhile mints its ids from the OS as usual.
 */
export function withIdRandom<T>(random: () => Uint8Array, fn: () => Promise<T>): Promise<T> {
  return idRandom.run(random, fn);
}

/** Milliseconds since the epoch, UTC. Every timestamp column stores this. */
export function nowMs(): number {
  return Date.now();
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
