import { expect, it } from 'vitest';
import { AuthThrottle } from '../../main/host/auth-throttle.ts';

function throttle() {
  let now = 1_000_000;
  const lines: string[] = [];
  const t = new AuthThrottle({ freeFailures: 3, baseDelayMs: 250, maxDelayMs: 2_000, windowMs: 60_000, maxWaiting: 4, log: (l) => lines.push(l), now: () => now });
  return { t, lines, advance: (ms: number) => (now += ms) };
}

it('the first failures are answered at once, then each doubles the delay up to the cap', () => {
  const { t } = throttle();
  expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => t.delayFor(n))).toEqual([0, 0, 0, 250, 500, 1000, 2000, 2000, 2000]);
});

it('refusals to one address are answered one after another, so parallel guesses wait in line', () => {
  const { t, advance } = throttle();
  const waits = [1, 2, 3, 4, 5, 6].map(() => t.failure('127.0.0.1', 'POST /api/x'));
  expect(waits).toEqual([0, 0, 0, 250, 750, 1750]);
  // Another address is not affected.
  expect(t.failure('::1', 'POST /api/x')).toBe(0);
  // After the line has been served, the next failure waits only its own (capped) delay.
  advance(10_000);
  expect(t.failure('127.0.0.1', 'POST /api/x')).toBe(2000);
});

it('too many refusals waiting from one address: the connection is dropped (null)', async () => {
  const { t } = throttle();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 4; i++) {
    t.failure('127.0.0.1', 'GET /api/events');
    pending.push(t.answerLater('127.0.0.1', 5, () => {}));
  }
  expect(t.failure('127.0.0.1', 'GET /api/events')).toBeNull();
  await Promise.all(pending);
  expect(t.failure('127.0.0.1', 'GET /api/events')).not.toBeNull();
});

it('failures are forgotten after the window, and logged at the 1st, 2nd, 4th, 8th… failure', () => {
  const { t, lines, advance } = throttle();
  for (let i = 0; i < 8; i++) t.failure('127.0.0.1', 'POST /api/session.get');
  expect(lines.map((l) => /\((\d+) failed/.exec(l)![1])).toEqual(['1', '2', '4', '8']);
  expect(lines[3]).toBe('Chronicle host: refused POST /api/session.get from 127.0.0.1 without a valid token (8 failed in the last 1 min; refusals to it are now answered 2000 ms apart).');
  advance(61_000);
  expect(t.failure('127.0.0.1', 'POST /api/session.get')).toBe(0);
  expect(t.failuresOf('127.0.0.1')).toBe(1);
});
