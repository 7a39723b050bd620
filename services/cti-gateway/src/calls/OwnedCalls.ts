/** Call ids remembered at most (the oldest go first): a bound, far above the calls one gateway carries. */
const DEFAULT_MAX = 100_000;

/**
 * The calls this gateway run owns at the pbx-adapter: the ones it placed (`call.make` names the run) and
 * the incoming ones it accepted (its `call.incoming` reply names it). With several gateways sharing the
 * clients every call table holds every call; what only the owner may do to a call — drop it at the
 * adapter after its own bus outage (BusOutageCalls) — asks here.
 */
export class OwnedCalls {
  readonly #ids = new Set<string>();
  readonly #max: number;

  constructor(max = DEFAULT_MAX) {
    this.#max = max;
  }

  add(callId: string): void {
    this.#ids.delete(callId);
    if (this.#ids.size >= this.#max) this.#ids.delete(this.#ids.values().next().value!);
    this.#ids.add(callId);
  }

  has(callId: string): boolean {
    return this.#ids.has(callId);
  }

  get size(): number {
    return this.#ids.size;
  }
}
