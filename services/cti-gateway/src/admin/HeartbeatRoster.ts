/** What a roster needs of a heartbeat: when its run started and how often it beats. */
export interface RosterBeat {
  startedAt: number;
  intervalMs: number;
}

/** One instance as last heard. */
export interface RosterEntry<T extends RosterBeat> {
  key: string;
  hb: T;
  /** When its last heartbeat arrived (our clock). */
  seen: number;
  /** ms since then. */
  ageMs: number;
  /** Heard within 3 of its intervals. */
  alive: boolean;
}

/**
 * The instances of one kind of service heard on their heartbeat topic, for the System page: one entry per
 * instance (the newest run's; a late beat of an older run is ignored), silent for 3 intervals = down,
 * forgotten after 20 intervals or a minute, whichever is longer; at most `max` remembered (a bound: an
 * instance whose identity changes at each start adds one each time — the oldest heard goes first).
 */
export class HeartbeatRoster<T extends RosterBeat> {
  readonly #byKey = new Map<string, { hb: T; seen: number }>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(max: number, now: () => number = Date.now) {
    this.#max = max;
    this.#now = now;
  }

  heard(key: string, hb: T): void {
    const known = this.#byKey.get(key);
    if (known && known.hb.startedAt > hb.startedAt) return;
    if (!known && this.#byKey.size >= this.#max) this.#forgetOldest();
    this.#byKey.set(key, { hb, seen: this.#now() });
  }

  /** Every instance heard lately (forgets the long-silent ones), in the order first heard. */
  list(): Array<RosterEntry<T>> {
    const now = this.#now();
    const entries: Array<RosterEntry<T>> = [];
    for (const [key, { hb, seen }] of [...this.#byKey]) {
      const ageMs = Math.max(0, now - seen);
      if (ageMs > Math.max(60_000, 20 * hb.intervalMs)) {
        this.#byKey.delete(key);
        continue;
      }
      entries.push({ key, hb, seen, ageMs, alive: ageMs <= 3 * hb.intervalMs });
    }
    return entries;
  }

  #forgetOldest(): void {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [key, { seen }] of this.#byKey) if (seen < at) [oldest, at] = [key, seen];
    if (oldest !== undefined) this.#byKey.delete(oldest);
  }
}
