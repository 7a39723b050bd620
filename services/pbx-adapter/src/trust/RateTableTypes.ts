// Contract of the RateTable: per-key token buckets in a bounded table.

export interface BucketRate {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size (the burst a quiet key may send at once). */
  burst: number;
}

export interface RateTableOptions {
  /** Keys tracked at most; beyond it the least recently seen key is evicted (its bucket forgotten). */
  maxEntries: number;
  /** Milliseconds clock; default performance.now(). */
  now?: (() => number) | undefined;
}
