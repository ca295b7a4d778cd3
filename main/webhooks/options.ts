// Dispatcher settings. Every delay is configurable so tests run in seconds (e.g. a 500 ms attempt timeout).
import pkg from '../../package.json' with { type: 'json' };
import { osSaysOnline } from './network.ts';

export const CHRONICLE_VERSION: string = (pkg as { version: string }).version;

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H;

/** 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts in all, then `failed`. */
export const DEFAULT_RETRY_SCHEDULE = [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H];

export interface WebhookDispatchOptions {
  connectTimeoutMs: number;
  attemptTimeoutMs: number;
  responseCapBytes: number;
  /** Used when an endpoint has no schedule of its own. */
  retrySchedule: number[];
  /** ±fraction applied to each retry delay (0.2 = ±20 %). */
  jitter: number;
  retryAfterMinMs: number;
  retryAfterMaxMs: number;
  /** Consecutive failures that open the circuit breaker, and how long it stays open. */
  breakerThreshold: number;
  breakerCoolOffMs: number;
  /** An endpoint failing (no success) for this long is disabled. */
  disableAfterMs: number;
  /** When the machine is offline, deliveries wait this long before looking again (no attempt spent). */
  offlineRetryMs: number;
  isOnline: () => boolean;
  /** Failures within this window that make a "burst" notification (once per breaker opening). */
  userAgent: string;
}

export function dispatchOptions(overrides: Partial<WebhookDispatchOptions> = {}): WebhookDispatchOptions {
  return {
    connectTimeoutMs: 5 * S,
    attemptTimeoutMs: 15 * S,
    responseCapBytes: 64 * 1024,
    retrySchedule: DEFAULT_RETRY_SCHEDULE,
    jitter: 0.2,
    retryAfterMinMs: 1 * S,
    retryAfterMaxMs: 6 * H,
    breakerThreshold: 10,
    breakerCoolOffMs: 10 * M,
    disableAfterMs: 5 * D,
    offlineRetryMs: 30 * S,
    isOnline: osSaysOnline,
    userAgent: `Chronicle/${CHRONICLE_VERSION}`,
    ...overrides,
  };
}

/** A retry delay with jitter: `base × (1 ± jitter)`. */
export function withJitter(base: number, jitter: number, random = Math.random): number {
  return Math.round(base * (1 - jitter + 2 * jitter * random()));
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}
