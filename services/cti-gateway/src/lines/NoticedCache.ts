import type { NoticedCacheOptions } from './NoticedCacheTypes.ts';

interface Entry<V> {
  value: Promise<V>;
  until: number;
}

/**
 * A bounded read-through cache of database rows that stay right across several gateways: this gateway's
 * writes replace or drop an entry at once, and another gateway's writes reach us as a change notice
 * (`gateway.changed`, ClusterChanges) that drops it. An entry is served for `noticedMaxAgeMs` while
 * notices can reach us ({@link noticed} true), else for `unnoticedMaxAgeMs` only: before the cluster
 * listens, and while our bus is down — ClusterChanges drops everything when the bus goes and again when it
 * is back, since a notice sent meanwhile never comes.
 *
 * A read that overlapped a drop (a notice, or a write) is not kept: it may have read the row before the
 * change the notice announced.
 */
export class NoticedCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #o: NoticedCacheOptions;
  readonly #now: () => number;
  /** Counts drops, so a read or write result that overlapped one is not kept. */
  #generation = 0;
  #noticed = false;

  constructor(options: NoticedCacheOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => Date.now());
  }

  /** Whether change notices reach us now (set by ClusterChanges from the bus' state). */
  get noticed(): boolean {
    return this.#noticed;
  }

  set noticed(on: boolean) {
    if (on === this.#noticed) return;
    this.#noticed = on;
    // Entries read under the other regime carry its age limit: start over.
    this.forget();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Taken before a write; {@link put} keeps the write's result only if nothing was dropped since. */
  get generation(): number {
    return this.#generation;
  }

  /** The cached value, else `load()`'s (which concurrent lookups of the key share). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      if (hit.until > now) {
        this.#entries.set(key, hit); // most recently read: last to go at the bound
        return hit.value;
      }
    }
    const generation = this.#generation;
    const value = load();
    const entry = this.#set(key, value, now);
    const drop = (): void => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    };
    value.then(() => {
      if (generation !== this.#generation) drop();
    }, drop);
    return value;
  }

  /**
   * Keeps what a write returned (the row as it is now). When a drop came in since `generation` (taken
   * before the write) another gateway may have written after us: the entry goes and the next read decides.
   */
  put(key: string, value: V, generation: number): void {
    this.#entries.delete(key);
    if (generation === this.#generation) this.#set(key, Promise.resolve(value), this.#now());
  }

  /** Drops one entry, or every one. */
  forget(key?: string): void {
    this.#generation += 1;
    if (key === undefined) this.#entries.clear();
    else this.#entries.delete(key);
  }

  #set(key: string, value: Promise<V>, now: number): Entry<V> {
    const entry = { value, until: now + (this.#noticed ? this.#o.noticedMaxAgeMs : this.#o.unnoticedMaxAgeMs) };
    while (this.#entries.size >= this.#o.max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, entry);
    return entry;
  }
}
