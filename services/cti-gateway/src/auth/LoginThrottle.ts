export interface LoginThrottleOptions {
  /** Failures per user before the lockout window starts. */
  maxFailures: number;
  /**
   * Failures per source address before lockout: higher than per user, because many users may share
   * one address (NAT). Default 4 × maxFailures.
   */
  maxFailuresPerAddress?: number;
  lockoutMs: number;
  /** Delay after the first failure; doubles with each further one (capped by the lockout). */
  baseDelayMs: number;
  /** Keys remembered at most (oldest forgotten first), so a flood of addresses cannot grow memory. */
  maxKeys?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  /** Before this time, attempts for the key are refused. */
  blockedUntil: number;
  lastFailure: number;
}

/**
 * Failed-login throttling per user name and per source address: each failure makes the key wait
 * baseDelay·2^(n−1) before its next attempt; after maxFailures it is locked for lockoutMs. A success
 * clears the user key (not the address: one good account must not unlock an address guessing others).
 */
export class LoginThrottle {
  readonly #options: Required<Omit<LoginThrottleOptions, 'now'>>;
  // keys are 'user:<login>' or 'addr:<ip>'
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: LoginThrottleOptions) {
    this.#options = { maxKeys: 100_000, maxFailuresPerAddress: options.maxFailures * 4, ...options };
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds the caller must still wait before an attempt for these keys is allowed; 0 = go. */
  retryAfter(keys: string[]): number {
    const now = this.#now();
    let wait = 0;
    for (const key of keys) {
      const e = this.#entries.get(key);
      if (!e) continue;
      if (now - e.lastFailure > this.#options.lockoutMs && e.blockedUntil <= now) {
        this.#entries.delete(key);
        continue;
      }
      wait = Math.max(wait, e.blockedUntil - now);
    }
    return Math.max(0, wait);
  }

  failure(keys: string[]): void {
    const now = this.#now();
    for (const key of keys) {
      const e = this.#entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: 0 };
      this.#entries.delete(key);
      if (now - e.lastFailure > this.#options.lockoutMs) e.failures = 0;
      e.failures += 1;
      e.lastFailure = now;
      const max = key.startsWith('addr:') ? this.#options.maxFailuresPerAddress : this.#options.maxFailures;
      const delay = e.failures >= max
        ? this.#options.lockoutMs
        : Math.min(this.#options.lockoutMs, this.#options.baseDelayMs * 2 ** (e.failures - 1));
      e.blockedUntil = now + delay;
      this.#entries.set(key, e);
    }
    while (this.#entries.size > this.#options.maxKeys) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  success(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
