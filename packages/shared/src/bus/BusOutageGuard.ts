// A service's view of its own NATS connection, for everything that judges OTHER parties by their
// heartbeats on the bus (media placement, the pbx-adapter's gateway liveness): silence heard while our
// connection is down, or that began before it came back, is not evidence against anyone. After a
// reconnect every party gets its heartbeat interval before it is judged, and its silence counts from the
// reconnect at the earliest. Separately, an outage longer than BUS_OUTAGE_GRACE_MS is reported once
// ('graceexceeded'): the calls the service carries can no longer be controlled (no hang-up, no event
// crosses the bus), and each service ends its part of them with the cause 'bus-outage'.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DEFAULT_RECONNECT_MAX_DELAY_MS, type BusConnectionState } from './BusClientTypes.ts';
import type { BusOutageGuardEvents, BusOutageGuardOptions, SilenceQuestion } from './BusOutageGuardTypes.ts';

/**
 * After our reconnect, how long the others may still be reconnecting: their longest backoff step plus
 * nats.js's connect timeout (2 s).
 */
export const DEFAULT_SETTLE_MS = DEFAULT_RECONNECT_MAX_DELAY_MS + 2000;

/**
 * Whether a party has been silent long enough to count as gone (pure). Never while our bus is down, nor
 * before `settleMs` plus one of its intervals have passed since our reconnect; silence counts from the
 * later of its last heartbeat and our reconnect plus `settleMs`.
 */
export function heartbeatSilent(q: SilenceQuestion): boolean {
  if (q.connectedSince === undefined) return false;
  const from = q.connectedSince + (q.settleMs ?? 0);
  if (q.now - from < q.intervalMs) return false;
  return q.now - Math.max(q.lastSeen, from) > q.missed * q.intervalMs;
}

export class BusOutageGuard extends EventEmitter<BusOutageGuardEvents> {
  readonly #bus: BusOutageGuardOptions['bus'];
  readonly #graceMs: number;
  readonly #settleMs: number;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => unknown;
  readonly #clearTimer: (handle: unknown) => void;
  #connectedSince: number | undefined;
  #downSince: number | undefined;
  #exceeded = false;
  /** The connection came back after an outage (at start the others are not reconnecting). */
  #reconnected = false;
  #timer: unknown;
  #closed = false;
  readonly #onState = (state: BusConnectionState): void => this.#changed(state);

  constructor(options: BusOutageGuardOptions) {
    super();
    this.#bus = options.bus;
    this.#graceMs = options.graceMs;
    this.#settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.#logger = options.logger?.child({ component: 'bus-outage' });
    this.#now = options.now ?? Date.now;
    this.#setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.#clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    const now = this.#now();
    if (options.bus.connected) this.#connectedSince = now;
    else this.#wentDown(now);
    options.bus.on('state', this.#onState);
  }

  /** Since when our bus has been connected without a break; undefined while it is down. */
  get connectedSince(): number | undefined {
    return this.#connectedSince;
  }

  /** When the current outage began; undefined while connected. */
  get downSince(): number | undefined {
    return this.#downSince;
  }

  /** Whether the current outage has outlasted the grace. */
  get exceeded(): boolean {
    return this.#exceeded;
  }

  get graceMs(): number {
    return this.#graceMs;
  }

  /** {@link heartbeatSilent} with our connection's history (the settle time only after a reconnect). */
  silent(lastSeen: number, intervalMs: number, missed: number, now = this.#now()): boolean {
    return heartbeatSilent({ now, lastSeen, intervalMs, missed, connectedSince: this.#connectedSince, settleMs: this.#reconnected ? this.#settleMs : 0 });
  }

  /** Stops watching. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#bus.off('state', this.#onState);
    if (this.#timer !== undefined) this.#clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #changed(state: BusConnectionState): void {
    if (this.#closed) return;
    const now = this.#now();
    if (state === 'connected') {
      if (this.#connectedSince !== undefined) return;
      this.#connectedSince = now;
      this.#reconnected = true;
      const downMs = now - (this.#downSince ?? now);
      const exceeded = this.#exceeded;
      this.#downSince = undefined;
      this.#exceeded = false;
      if (this.#timer !== undefined) this.#clearTimer(this.#timer);
      this.#timer = undefined;
      this.#logger?.info({ downMs, graceMs: this.#graceMs, exceeded }, 'bus back: every party gets time to reconnect and a fresh heartbeat interval before it is judged');
      this.emit('restored', downMs, exceeded);
    } else if (this.#connectedSince !== undefined) {
      this.#wentDown(now);
    }
  }

  #wentDown(now: number): void {
    this.#connectedSince = undefined;
    this.#downSince = now;
    this.#exceeded = false;
    this.#logger?.warn({ graceMs: this.#graceMs }, 'bus down: no party is judged by its heartbeats until it is back; calls end if it stays down past the grace');
    this.emit('down', now);
    // An infinite grace (a guard that only answers silence questions) never ends calls.
    if (!Number.isFinite(this.#graceMs)) return;
    this.#timer = this.#setTimer(() => {
      this.#timer = undefined;
      if (this.#closed || this.#connectedSince !== undefined) return;
      this.#exceeded = true;
      const downMs = this.#now() - (this.#downSince ?? now);
      this.#logger?.error({ downMs, graceMs: this.#graceMs }, 'bus down longer than BUS_OUTAGE_GRACE_MS: ending the calls');
      this.emit('graceexceeded', downMs);
    }, this.#graceMs);
  }
}
