// The running RFC 4028 timer of one call: as refresher it fires `refresh` at half the interval; as the
// other side it fires `expire` shortly before the interval ends without a refresh. Re-armed by every
// successful refresh (ours or the peer's).
import { systemClock, type Clock, type TimerHandle } from '../sip/mod.ts';
import { sessionTimerDelays, type SessionTimerSpec } from './sessionTimers.ts';
import type { SessionTimerOptions } from './SessionTimerTypes.ts';


export class SessionTimer {
  readonly #options: SessionTimerOptions;
  readonly #clock: Clock;
  #handle: TimerHandle | undefined;
  #spec: SessionTimerSpec | undefined;

  constructor(options: SessionTimerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get spec(): SessionTimerSpec | undefined {
    return this.#spec;
  }

  /** (Re)starts the timer for `spec`; undefined stops it (no session timer negotiated). */
  arm(spec: SessionTimerSpec | undefined): void {
    this.stop();
    this.#spec = spec;
    if (!spec) return;
    const { refreshMs, expireMs } = sessionTimerDelays(spec);
    this.#handle =
      spec.refresher === 'local'
        ? this.#clock.setTimeout(() => this.#fire(this.#options.onRefresh), refreshMs)
        : this.#clock.setTimeout(() => this.#fire(this.#options.onExpire), expireMs);
  }

  stop(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #fire(fn: () => void): void {
    this.#handle = undefined;
    fn();
  }
}
