/**
 * A Map that keeps at most `max` entries: reading or writing an entry makes it the most recent, and
 * adding one past the limit forgets the least recently used. The throttle's tables use it so a flood of
 * user names or addresses cannot grow memory.
 */
export class LruMap<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`LruMap: max must be a positive integer (got ${max})`);
    this.#max = max;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** The entry for `key`, created with `create()` (and possibly evicting the oldest) when absent. */
  upsert(key: K, create: () => V): V {
    const value = this.get(key);
    if (value !== undefined) return value;
    const fresh = create();
    this.#map.set(key, fresh);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
    }
    return fresh;
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}
