// Contract of NoticedCache: a bounded read-through cache whose entries the cluster's change notices drop.

export interface NoticedCacheOptions {
  /** Entries kept at most; at the bound the least recently read goes first. */
  max: number;
  /**
   * How long an entry is served while change notices reach us (the bus is up and ClusterChanges listens):
   * a notice drops it at once, so this only bounds a notice that was lost nonetheless.
   */
  noticedMaxAgeMs: number;
  /** How long an entry is served while no notice can reach us (no bus, or it is down): the documented bound. */
  unnoticedMaxAgeMs: number;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
}

/**
 * How long a cached row is served while no change notice can reach us (no bus, or it is down): the bound
 * within which a change made through another gateway is seen then — the line cache's since 2026-12-06.
 */
export const UNNOTICED_MAX_AGE_MS = 5000;
/**
 * How long a cached row is served while the notices reach us: a change drops it at once (ClusterChanges),
 * so this only bounds what no notice announces — one lost nonetheless (a subscription's backlog full:
 * BusClient drops messages), a row edited in the database by hand. A minute: an admin who edits by hand
 * sees it count soon, while a line called several times a minute is still read about once a minute.
 */
export const NOTICED_MAX_AGE_MS = 60_000;
