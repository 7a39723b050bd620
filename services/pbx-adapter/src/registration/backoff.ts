// Timing of registrations: the retry delay after failures (exponential with jitter, bounded by
// SIP_REGISTER_RETRY_MIN_MS / _MAX_MS) and the refresh delay of a granted binding. Pure functions; the
// randomness is injected so tests can pin it.

export interface BackoffOptions {
  /** Delay of the first retry, and the floor of every delay (ms). */
  minMs: number;
  /** Cap of every delay (ms). */
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): the ceiling min·2^(attempt−1), capped at max,
 * with "equal jitter" (half fixed, half uniformly random, so lines that failed together spread out
 * without ever retrying at once), never below min.
 */
export const backoffDelay = (attempt: number, options: BackoffOptions, random: () => number = Math.random): number => {
  if (!Number.isInteger(attempt) || attempt < 1) throw new TypeError(`backoffDelay(): attempt must be an integer >= 1, got ${attempt}`);
  const { minMs, maxMs } = options;
  if (!(minMs > 0) || maxMs < minMs) throw new TypeError(`backoffDelay(): need 0 < minMs <= maxMs, got ${minMs}/${maxMs}`);
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 30));
  return Math.min(maxMs, Math.max(minMs, Math.round(ceiling / 2 + (random() * ceiling) / 2)));
};

/**
 * When to refresh a binding granted for `expiresS` seconds: between 80 % and 90 % of its lifetime
 * (random, so thousands of lines registered together do not refresh in one burst).
 */
export const refreshDelay = (expiresS: number, random: () => number = Math.random): number => {
  if (!(expiresS > 0)) throw new TypeError(`refreshDelay(): expires must be positive, got ${expiresS}`);
  return Math.round(expiresS * 1000 * (0.8 + 0.1 * random()));
};
