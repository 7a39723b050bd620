// Per-source token buckets (pike-style): each key (a source IP address) has a bucket that refills at
// its rate up to its burst; take() spends one token or says no. The table holds at most maxEntries
// keys: a Map kept in recency order, so the least recently seen key is evicted first, in O(1). An
// evicted key comes back with a full bucket, so a spoofing flood that cycles through more addresses
// than the table holds gets at most one burst per address: the caller bounds that with a shared key.
import { performance } from 'node:perf_hooks';
import type { BucketRate, RateTableOptions } from './RateTableTypes.ts';

interface Bucket {
  tokens: number;
  /** When tokens was last brought up to date (ms). */
  at: number;
}

export class RateTable {
  readonly maxEntries: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  #evictions = 0;

  constructor(options: RateTableOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new TypeError(`RateTable maxEntries must be a positive integer, got ${options.maxEntries}`);
    this.maxEntries = options.maxEntries;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Keys evicted so far to stay within maxEntries. */
  get evictions(): number {
    return this.#evictions;
  }

  /** Spends one token of `key`'s bucket at `rate`; false when it is empty (the message is over the limit). */
  take(key: string, rate: BucketRate): boolean {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      // Move to the most recent end.
      this.#buckets.delete(key);
      bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
      bucket.at = now;
    } else {
      if (this.#buckets.size >= this.maxEntries) {
        const oldest = this.#buckets.keys().next().value as string;
        this.#buckets.delete(oldest);
        this.#evictions++;
      }
      bucket = { tokens: rate.burst, at: now };
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Tokens left for `key` (undefined when it is not tracked), for tests and diagnostics. */
  tokens(key: string): number | undefined {
    return this.#buckets.get(key)?.tokens;
  }

  clear(): void {
    this.#buckets.clear();
  }
}
