/**
 * A worker's slice of the PlainTransport port range, booked here, not by mediasoup: every PBX transport is
 * created on ports taken from it. A PBX leg can then hold a port without a transport bound to it — the
 * RTCP port of our offer, which a=rtcp-mux answers leave unused (mediasoup books only the ports of live
 * transports, so a leg offering two ports on one muxed transport would need a second transport to hold
 * the other) — and a transport re-created on its leg's ports needs no idle transport keeping them booked.
 * Ports go round: the next one taken is the first free one after the last taken, so a port freed by an
 * ended call is the last to be handed out again.
 */
export class PortSlice {
  readonly min: number;
  readonly max: number;
  readonly #used: Uint8Array;
  #next: number;
  #free: number;

  constructor(range: { min: number; max: number }) {
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max > 65535 || range.max < range.min) {
      throw new RangeError(`invalid port range ${range.min}-${range.max}`);
    }
    this.min = range.min;
    this.max = range.max;
    this.#used = new Uint8Array(range.max - range.min + 1);
    this.#free = this.#used.length;
    // Like mediasoup's own choice, a random first port: a restarted node does not start on the ports its
    // predecessor's calls were using a moment ago.
    this.#next = Math.floor(Math.random() * this.#used.length);
  }

  get size(): number {
    return this.#used.length;
  }

  get free(): number {
    return this.#free;
  }

  /** A free port, now booked; undefined when every port of the slice is. */
  take(): number | undefined {
    if (this.#free === 0) return undefined;
    const size = this.#used.length;
    for (let i = 0; i < size; i++) {
      const index = (this.#next + i) % size;
      if (this.#used[index]) continue;
      this.#used[index] = 1;
      this.#free -= 1;
      this.#next = (index + 1) % size;
      return this.min + index;
    }
    return undefined;
  }

  /** Frees `port` (taken before). Idempotent; ports outside the slice are ignored. */
  release(port: number | undefined): void {
    if (port === undefined || port < this.min || port > this.max) return;
    const index = port - this.min;
    if (!this.#used[index]) return;
    this.#used[index] = 0;
    this.#free += 1;
  }

  isTaken(port: number): boolean {
    return port >= this.min && port <= this.max && this.#used[port - this.min] === 1;
  }
}
