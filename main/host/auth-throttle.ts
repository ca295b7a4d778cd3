// Slows down guessing: refusals of requests without a valid token are answered one after another per remote
// address, each later than the one before once a few have failed. A guesser learns each result only when its
// answer arrives, so firing requests in parallel does not help; a person who mistyped once is not slowed.
// Answers to requests with the right token are never delayed.

export interface AuthThrottleOptions {
  /** Failures answered at once before the delay starts. */
  freeFailures: number;
  /** The first delay; each further failure doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /** Refusals waiting for their turn per address; beyond this the connection is dropped without an answer. */
  maxWaiting: number;
  log: (line: string) => void;
  now: () => number;
}

interface AddressState {
  failures: number;
  lastAt: number;
  nextAnswerAt: number;
  waiting: number;
}

export const defaultAuthThrottle: AuthThrottleOptions = {
  freeFailures: 3,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  windowMs: 10 * 60_000,
  maxWaiting: 32,
  log: (line) => process.stderr.write(`${line}\n`),
  now: Date.now,
};

export class AuthThrottle {
  private readonly opts: AuthThrottleOptions;
  private readonly byAddress = new Map<string, AddressState>();

  constructor(opts: Partial<AuthThrottleOptions> = {}) {
    this.opts = { ...defaultAuthThrottle, ...opts };
  }

  /** The delay a failure adds once `failures` have failed in a row (the first few add none). */
  delayFor(failures: number): number {
    const over = failures - this.opts.freeFailures;
    if (over <= 0) return 0;
    return Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (over - 1));
  }

  /**
   * Record a failed authentication from `address`. Returns how long to wait before answering it, or null when
   * too many refusals from that address are already waiting (drop the connection instead).
   */
  failure(address: string, what: string): number | null {
    const now = this.opts.now();
    this.forgetOld(now);
    let s = this.byAddress.get(address);
    if (!s) {
      s = { failures: 0, lastAt: now, nextAnswerAt: now, waiting: 0 };
      this.byAddress.set(address, s);
    }
    if (s.waiting >= this.opts.maxWaiting) return null;
    s.failures++;
    s.lastAt = now;
    const delay = this.delayFor(s.failures);
    const answerAt = Math.max(now, s.nextAnswerAt) + delay;
    s.nextAnswerAt = answerAt;
    // One line for the first failure and at every doubling: a record of an attack without a line per request.
    if ((s.failures & (s.failures - 1)) === 0) {
      const minutes = Math.round(this.opts.windowMs / 60_000);
      this.opts.log(
        `Chronicle host: refused ${what} from ${address} without a valid token (${s.failures} failed in the last ${minutes} min` +
          (delay > 0 ? `; refusals to it are now answered ${delay} ms apart)` : ')') + '.',
      );
    }
    return answerAt - now;
  }

  /** Wrap the answering of a refusal so that the waiting count stays right. */
  async answerLater(address: string, waitMs: number, answer: () => void): Promise<void> {
    const s = this.byAddress.get(address);
    if (s) s.waiting++;
    try {
      if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs).unref()); // never keeps a closing host alive
      answer();
    } finally {
      if (s) s.waiting--;
    }
  }

  failuresOf(address: string): number {
    return this.byAddress.get(address)?.failures ?? 0;
  }

  private forgetOld(now: number): void {
    for (const [address, s] of this.byAddress) {
      if (s.waiting === 0 && now - s.lastAt > this.opts.windowMs) this.byAddress.delete(address);
    }
  }
}
