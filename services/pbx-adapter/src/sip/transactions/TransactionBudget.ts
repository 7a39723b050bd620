// The budget of one side of the transaction layer (its client or its server transactions).
//
// A transaction *works* until its final response is sent or received (an INVITE server transaction
// until the ACK of that response, too); after that it only absorbs retransmissions until its timer ends
// it (Timers D, J, L, M: 64·T1 = 32 s over UDP). Only working transactions count against the limit and
// against a source's share: at 100 calls/s the absorbing ones of the last 32 s outnumber the working ones
// fifty to one, and they once filled the PBX's whole share of the server budget, so the PBX's INVITEs got
// 503 (issue 16). The live total stays bounded by the same limit: a new transaction past it ends the
// oldest absorbing one early, which then misses only a late retransmission (the dialog layer takes a
// stray 2xx; anything else gets 481 or is dropped as stray).

/** What the budget needs of a transaction: ending it early. */
export interface Budgeted {
  terminate(): void;
}

export class TransactionBudget<T extends Budgeted> {
  readonly #limit: number;
  readonly #perSource: number;
  /** Working transactions and the source each came from ('' for our own). */
  readonly #working = new Map<T, string>();
  readonly #workingBySource = new Map<string, number>();
  /** Absorbing transactions, oldest first (a Set iterates in insertion order). */
  readonly #absorbing = new Set<T>();
  #evicted = 0;

  /**
   * @param limit live transactions at most, and working ones at most
   * @param perSource working transactions one source may hold at most (default: the limit)
   */
  constructor(limit: number, perSource = limit) {
    this.#limit = Math.max(0, limit);
    this.#perSource = Math.max(0, perSource);
  }

  /** Working transactions. */
  get working(): number {
    return this.#working.size;
  }

  /** Live transactions, working and absorbing. */
  get size(): number {
    return this.#working.size + this.#absorbing.size;
  }

  /** Absorbing transactions ended early to make room, since the start. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Share of the limit that works (0–1; 1 when the limit is 0). */
  get load(): number {
    return this.#limit === 0 ? 1 : this.#working.size / this.#limit;
  }

  /**
   * Whether a new transaction (from `source`) may start: not when the working ones fill the limit or the
   * source's share. When it may and the live total is at the limit, the oldest absorbing ones end now.
   */
  admit(source = ''): boolean {
    if (this.#working.size >= this.#limit) return false;
    if (source !== '' && (this.#workingBySource.get(source) ?? 0) >= this.#perSource) return false;
    while (this.size >= this.#limit) {
      const oldest = this.#absorbing.values().next().value as T;
      this.#absorbing.delete(oldest);
      this.#evicted += 1;
      oldest.terminate();
    }
    return true;
  }

  /** A new transaction, working (call after admit()). */
  add(tx: T, source = ''): void {
    this.#working.set(tx, source);
    this.#workingBySource.set(source, (this.#workingBySource.get(source) ?? 0) + 1);
  }

  /** The transaction only absorbs retransmissions now. Idempotent. */
  settle(tx: T): void {
    if (!this.#release(tx)) return;
    this.#absorbing.add(tx);
  }

  /** The transaction ended. Idempotent. */
  remove(tx: T): void {
    this.#release(tx);
    this.#absorbing.delete(tx);
  }

  clear(): void {
    this.#working.clear();
    this.#workingBySource.clear();
    this.#absorbing.clear();
  }

  /** Takes `tx` off the working ones; false when it was not working. */
  #release(tx: T): boolean {
    const source = this.#working.get(tx);
    if (source === undefined) return false;
    this.#working.delete(tx);
    const n = (this.#workingBySource.get(source) ?? 1) - 1;
    if (n > 0) this.#workingBySource.set(source, n);
    else this.#workingBySource.delete(source);
    return true;
  }
}
