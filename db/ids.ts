import { v7 } from 'uuid';

/** A time-ordered primary key. `at` pins the timestamp part (used by the deterministic demo seed). */
export function newId(at?: number, random?: Uint8Array): string {
  const bytes = random ?? idRandom?.();
  if (at === undefined && !bytes) return v7();
  return v7({ msecs: at, random: bytes });
}

let idRandom: (() => Uint8Array) | null = null;

/**
 * Run `fn` with ids drawn from `random` instead of the OS (the demo seed, so a seed gives the same workspace).
 * Synchronous on purpose: nothing else can mint ids while it runs.
 */
export function withIdRandom<T>(random: () => Uint8Array, fn: () => T): T {
  const previous = idRandom;
  idRandom = random;
  try {
    return fn();
  } finally {
    idRandom = previous;
  }
}

/** Milliseconds since the epoch, UTC. Every timestamp column stores this. */
export function nowMs(): number {
  return Date.now();
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
