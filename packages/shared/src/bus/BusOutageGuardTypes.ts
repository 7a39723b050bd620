// Contract of BusOutageGuard: what a service's own NATS connection being down means for the liveness
// judgements it makes from other parties' heartbeats on that bus, and when an outage ends its calls.
import type { Logger } from 'pino';
import type { BusConnectionState } from './BusClientTypes.ts';

/** The part of a BusClient the guard watches (a fake in unit tests). */
export interface BusStateSource {
  readonly connected: boolean;
  on(event: 'state', listener: (state: BusConnectionState) => void): unknown;
  off(event: 'state', listener: (state: BusConnectionState) => void): unknown;
}

export interface BusOutageGuardOptions {
  bus: BusStateSource;
  /** BUS_OUTAGE_GRACE_MS: an outage longer than this is reported ('graceexceeded') and ends calls. */
  graceMs: number;
  /**
   * How long after our reconnect the other parties may still be reconnecting (their backoff): silence
   * counts from the reconnect plus this. Default {@link DEFAULT_SETTLE_MS}.
   */
  settleMs?: number | undefined;
  logger?: Logger | undefined;
  /** Clock (ms since epoch). Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Timers, injectable for tests. Default the global ones (unref'd). */
  setTimer?: ((fn: () => void, ms: number) => unknown) | undefined;
  clearTimer?: ((handle: unknown) => void) | undefined;
}

export interface BusOutageGuardEvents {
  /** Our connection to NATS went down at `since`. */
  down: [since: number];
  /** It has been down for longer than the grace: calls whose control needs the bus cannot be kept. */
  graceexceeded: [downMs: number];
  /** It is back after `downMs`; `exceeded` says whether the grace ran out meanwhile. */
  restored: [downMs: number, exceeded: boolean];
}

/** One heartbeat-silence question: see {@link heartbeatSilent}. */
export interface SilenceQuestion {
  now: number;
  /** When the party's last heartbeat arrived (or when we started expecting one). */
  lastSeen: number;
  /** The party's heartbeat interval. */
  intervalMs: number;
  /** Intervals of silence after which it counts as gone. */
  missed: number;
  /**
   * Since when our own bus has been connected without a break; undefined while it is down. Before that
   * moment we could not have heard the party, whatever it did.
   */
  connectedSince: number | undefined;
  /** After our reconnect the parties may need this long to be back themselves (default 0). */
  settleMs?: number | undefined;
}
