export interface LoginThrottleOptions {
  /** Failed logins of one user from one address before that pair is locked out. */
  maxFailures: number;
  /** How long a lockout lasts; failures older than this are forgotten. */
  lockoutMs: number;
  /** Back-off after a pair's first failure; doubles with each further failure until the lockout. */
  baseDelayMs: number;
  /**
   * Failures of one user over all addresses (within lockoutMs) from which on that user's back-off also
   * holds back every address that already failed for them. Default 4 × maxFailures.
   */
  userSlowAfter?: number;
  /**
   * Distinct users that failed from one address (within lockoutMs) from which on that address's password
   * checks are spaced baseDelayMs apart (waiting, not refused). Default 20.
   */
  addressSlowAfter?: number;
  /** The longest a spaced check waits for its turn; beyond it the attempt is refused. Default 10 000. */
  maxWaitMs?: number;
  /** Forged bearer tokens from one address (within lockoutMs) before bearer logins from it are locked out. Default 4 × maxFailures. */
  maxBearerFailures?: number;
  /** Entries kept per table (pairs, users, addresses, bearer addresses), least recently used forgotten first. Default 100 000. */
  maxEntries?: number;
  /** Clock (ms); tests inject one. Default Date.now. */
  now?: () => number;
}

/** A reserved password check: settle it exactly once (later calls are ignored). */
export interface LoginAttempt {
  /** The password was right: the pair's failures are forgotten and the pair is known good. */
  succeeded(): void;
  /** The password was wrong: counted for the pair, the user and the address. */
  failed(): void;
  /** The check did not happen (e.g. the database failed): the reservation is returned uncounted. */
  release(): void;
}

export type LoginVerdict =
  /** Check the password after waiting `waitMs` (0 unless the address is spaced); the attempt is counted already. */
  | { kind: 'go'; waitMs: number; attempt: LoginAttempt }
  /** Refused without checking; `reason` says which rule, `retryAfterMs` when to try again. */
  | { kind: 'refused'; reason: LoginRefusal; retryAfterMs: number };

export type LoginRefusal =
  /** This user from this address: locked out or backing off after its own failures, or its allowance is in flight. */
  | 'pair'
  /** This address failed for a user under attack from many addresses (per-user back-off). */
  | 'user'
  /** This address's spaced checks are booked beyond maxWaitMs. */
  | 'address'
  /** Too many forged bearer tokens from this address. */
  | 'bearer';

export interface LoginThrottleDump {
  pairs: number;
  users: number;
  addresses: number;
  bearerAddresses: number;
}
