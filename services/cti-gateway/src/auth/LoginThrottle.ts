import { LruMap } from './LruMap.ts';
import type { LoginAttempt, LoginThrottleDump, LoginThrottleOptions, LoginVerdict } from './LoginThrottleTypes.ts';

interface PairEntry {
  /** Failures within lockoutMs of the last one. */
  failures: number;
  /** Checks reserved and not yet settled: they count against the allowance before their outcome is known. */
  inFlight: number;
  lastFailure: number;
  /** Before this time the pair backs off (after its own failures). */
  blockedUntil: number;
  /** The user logged in from this address before: the user's and the address's slowing never apply. */
  good: boolean;
}

interface UserEntry {
  failures: number;
  lastFailure: number;
}

interface AddressEntry {
  /** Users that failed from this address within lockoutMs (counted up to a cap). */
  failedUsers: Set<string>;
  lastFailure: number;
  /** The next free slot for a spaced check. */
  nextSlot: number;
}

interface BearerEntry {
  failures: number;
  lastFailure: number;
}

/** Distinct failed users remembered per address: enough to know it is past addressSlowAfter. */
const FAILED_USERS_CAP = 1000;

/**
 * The login policy (OWASP "Blocking Brute Force Attacks", "Credential Stuffing Prevention"), decided
 * before a password is hashed, with every attempt counted *before* its check:
 *
 * 1. **(user, address) pair.** A check is reserved before hashing: N concurrent guesses count as N, and
 *    with `failures + in flight ≥ maxFailures` further ones are refused unhashed. The n-th failure
 *    makes the pair back off `baseDelayMs · 2^(n−1)`; the maxFailures-th locks it for `lockoutMs`.
 *    A success clears the pair and marks it known good.
 * 2. **User over all addresses.** Once a user has `userSlowAfter` failures (within lockoutMs, any
 *    address), an address that already failed for them (and never logged them in) is also held back
 *    `baseDelayMs · 2^(failures − userSlowAfter)` (capped at lockoutMs) after the user's last failure.
 *    An address with no failure for that user, or one they logged in from, is never refused for
 *    others' failures: a stranger cannot lock a user out, and a correct password from a clean address
 *    always gets checked.
 * 3. **Address over all users** (NAT, proxies). Once `addressSlowAfter` distinct users failed from one
 *    address, its checks for users it never logged in are spaced `baseDelayMs` apart: they wait their
 *    turn (at most `maxWaitMs`, else refused) rather than being refused. Only failures count toward it;
 *    users known good from that address pass unspaced.
 * 4. **Bearer tokens.** Forged tokens (bad signature or shape; a stale or expired genuine token is not a
 *    guess) are counted per address; `maxBearerFailures` of them lock bearer logins from that address
 *    for lockoutMs. They never touch password logins: a wrong admin token delays nobody.
 *
 * Every table is an {@link LruMap} of `maxEntries`; failures expire lockoutMs after the last one.
 * Addresses are keyed as given, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64 (one host's range).
 */
export class LoginThrottle {
  readonly #o: Required<Omit<LoginThrottleOptions, 'now'>>;
  readonly #now: () => number;
  readonly #pairs: LruMap<string, PairEntry>;
  readonly #users: LruMap<string, UserEntry>;
  readonly #addresses: LruMap<string, AddressEntry>;
  readonly #bearer: LruMap<string, BearerEntry>;

  constructor(options: LoginThrottleOptions) {
    this.#o = {
      userSlowAfter: options.maxFailures * 4,
      addressSlowAfter: 20,
      maxWaitMs: 10_000,
      maxBearerFailures: options.maxFailures * 4,
      maxEntries: 100_000,
      ...options,
    };
    this.#now = options.now ?? Date.now;
    this.#pairs = new LruMap(this.#o.maxEntries);
    this.#users = new LruMap(this.#o.maxEntries);
    this.#addresses = new LruMap(this.#o.maxEntries);
    this.#bearer = new LruMap(this.#o.maxEntries);
  }

  /** Decides a password attempt for `login` from `address` and, unless refused, reserves its check. */
  reserve(login: string, address: string): LoginVerdict {
    const now = this.#now();
    const o = this.#o;
    const user = login.toLowerCase();
    const addr = addressKey(address);
    const pairKey = `${user}\n${addr}`;
    const pair = this.#pairs.upsert(pairKey, () => ({ failures: 0, inFlight: 0, lastFailure: 0, blockedUntil: 0, good: false }));
    if (pair.failures > 0 && now - pair.lastFailure >= o.lockoutMs) {
      pair.failures = 0;
      pair.blockedUntil = 0;
    }
    if (pair.failures >= o.maxFailures) return refused('pair', pair.lastFailure + o.lockoutMs - now);
    if (now < pair.blockedUntil) return refused('pair', pair.blockedUntil - now);
    if (pair.failures + pair.inFlight >= o.maxFailures) return refused('pair', Math.max(1, o.baseDelayMs));

    let waitMs = 0;
    if (!pair.good) {
      const u = this.#fresh(this.#users.get(user), now);
      if (u && pair.failures > 0 && u.failures >= o.userSlowAfter) {
        const until = u.lastFailure + Math.min(o.lockoutMs, o.baseDelayMs * 2 ** Math.min(30, u.failures - o.userSlowAfter));
        if (now < until) return refused('user', until - now);
      }
      const a = this.#addresses.get(addr);
      if (a && now - a.lastFailure >= o.lockoutMs) this.#addresses.delete(addr);
      else if (a && a.failedUsers.size >= o.addressSlowAfter && o.baseDelayMs > 0) {
        const slot = Math.max(now, a.nextSlot);
        if (slot - now > o.maxWaitMs) return refused('address', slot - now - o.maxWaitMs);
        a.nextSlot = slot + o.baseDelayMs;
        waitMs = slot - now;
      }
    }

    pair.inFlight += 1;
    let settled = false;
    const settle = (apply: () => void): void => {
      if (settled) return;
      settled = true;
      pair.inFlight -= 1;
      apply();
    };
    const attempt: LoginAttempt = {
      succeeded: () => settle(() => {
        pair.failures = 0;
        pair.blockedUntil = 0;
        pair.good = true;
      }),
      failed: () => settle(() => this.#failed(pair, user, addr)),
      release: () => settle(() => undefined),
    };
    return { kind: 'go', waitMs, attempt };
  }

  #failed(pair: PairEntry, user: string, addr: string): void {
    const now = this.#now();
    const o = this.#o;
    if (now - pair.lastFailure >= o.lockoutMs) pair.failures = 0;
    pair.failures += 1;
    pair.lastFailure = now;
    pair.blockedUntil = now + (pair.failures >= o.maxFailures ? o.lockoutMs : Math.min(o.lockoutMs, o.baseDelayMs * 2 ** (pair.failures - 1)));

    const u = this.#users.upsert(user, () => ({ failures: 0, lastFailure: 0 }));
    if (now - u.lastFailure >= o.lockoutMs) u.failures = 0;
    u.failures += 1;
    u.lastFailure = now;

    const a = this.#addresses.upsert(addr, () => ({ failedUsers: new Set(), lastFailure: now, nextSlot: 0 }));
    if (now - a.lastFailure >= o.lockoutMs) a.failedUsers.clear();
    if (a.failedUsers.size < FAILED_USERS_CAP) a.failedUsers.add(user);
    a.lastFailure = now;
  }

  /** Milliseconds until bearer logins from `address` are accepted again; 0 = now. */
  bearerRetryAfter(address: string): number {
    const now = this.#now();
    const b = this.#bearer.get(addressKey(address));
    if (!b || now - b.lastFailure >= this.#o.lockoutMs) return 0;
    return b.failures >= this.#o.maxBearerFailures ? b.lastFailure + this.#o.lockoutMs - now : 0;
  }

  /** Counts a forged bearer token from `address`. */
  bearerForged(address: string): void {
    const now = this.#now();
    const b = this.#bearer.upsert(addressKey(address), () => ({ failures: 0, lastFailure: now }));
    if (now - b.lastFailure >= this.#o.lockoutMs) b.failures = 0;
    b.failures += 1;
    b.lastFailure = now;
  }

  dump(): LoginThrottleDump {
    return { pairs: this.#pairs.size, users: this.#users.size, addresses: this.#addresses.size, bearerAddresses: this.#bearer.size };
  }

  #fresh(u: UserEntry | undefined, now: number): UserEntry | undefined {
    return u && now - u.lastFailure < this.#o.lockoutMs ? u : undefined;
  }
}

function refused(reason: 'pair' | 'user' | 'address', retryAfterMs: number): LoginVerdict {
  return { kind: 'refused', reason, retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) };
}

/**
 * The throttle's key of a client address: IPv4 as is (also when IPv4-mapped in IPv6), IPv6 by its
 * first 64 bits, because one host or customer commonly holds a whole /64.
 */
export function addressKey(address: string): string {
  const a = address.toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  if (!a.includes(':')) return a;
  const zoneless = a.split('%')[0]!;
  const [head = '', tail] = zoneless.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => (g.replace(/^0+(?=.)/, '') || '0')).join(':')}::/64`;
}
