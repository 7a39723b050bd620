// Which gateway runs are alive: the newest heartbeat of each gateway instance (GatewayTopics.heartbeat),
// checked against the runs that own calls. A run is lost when its instance's heartbeat carries a newer
// startedAt (the gateway restarted), or when nothing was heard from it for 3 of its intervals (a run never
// heard of counts from when a call first named it, with `defaultIntervalMs`). A lost run's calls get
// GATEWAY_LOSS_GRACE_MS before 'lost' is emitted; a heartbeat of the run within the grace revives it.
// Silence is not evidence while our own bus is down: expiry is only judged while the bus is connected and
// has been for at least one interval, and silence is counted from the reconnect at the earliest (the rule
// every heartbeat judge shares: heartbeatSilent; an outage past BUS_OUTAGE_GRACE_MS ends the calls
// elsewhere, with cause 'bus-outage').
import { EventEmitter } from 'node:events';
import { DEFAULT_SETTLE_MS, heartbeatSilent, type BusConnectionState, type GatewayHeartbeat, type GatewayInstance, type Logger } from '@ucserver/shared';
import { systemClock, type Clock, type TimerHandle } from '../sip/mod.ts';
import type { GatewayLivenessEvents, GatewayLivenessOptions, GatewayLossReason } from './GatewayLivenessTypes.ts';

const MISSED_INTERVALS = 3;

interface Instance {
  startedAt: number;
  lastSeen: number;
  intervalMs: number;
}

interface Watched {
  /** When a call first named the run (the start of its silence if it was never heard). */
  firstSeen: number;
  /** When the grace of a lost run ends. */
  deadline: number | undefined;
  reason: GatewayLossReason | undefined;
}

const runKey = (run: GatewayInstance): string => `${run.instanceId}|${run.startedAt}`;

export class GatewayLiveness extends EventEmitter<GatewayLivenessEvents> {
  readonly #options: GatewayLivenessOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #defaultIntervalMs: number;
  readonly #checkEveryMs: number;
  readonly #maxInstances: number;
  readonly #instances = new Map<string, Instance>();
  readonly #watched = new Map<string, Watched>();
  #connectedSince: number | undefined;
  /** Our bus came back after an outage: the gateways may still be reconnecting (DEFAULT_SETTLE_MS). */
  #reconnected = false;
  #timer: TimerHandle | undefined;
  #closed = false;
  readonly #onState = (state: BusConnectionState): void => {
    if (state === 'connected') {
      if (this.#connectedSince === undefined) this.#reconnected = true;
      this.#connectedSince ??= this.#clock.now();
    } else this.#connectedSince = undefined;
  };

  constructor(options: GatewayLivenessOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger.child({ component: 'gateway-liveness' });
    this.#defaultIntervalMs = options.defaultIntervalMs ?? 2000;
    this.#checkEveryMs = options.checkEveryMs ?? 250;
    this.#maxInstances = options.maxInstances ?? 1000;
    this.#connectedSince = options.bus.connected ? this.#clock.now() : undefined;
    options.bus.on('state', this.#onState);
  }

  /** Starts the periodic check. */
  start(): void {
    if (this.#timer || this.#closed) return;
    const arm = (): void => {
      this.#timer = this.#clock.setTimeout(() => {
        this.check();
        if (!this.#closed) arm();
      }, this.#checkEveryMs);
    };
    arm();
  }

  /** A gateway's heartbeat. An older run's late heartbeat is ignored. */
  heartbeat(hb: GatewayHeartbeat): void {
    const known = this.#instances.get(hb.instanceId);
    if (known && hb.startedAt < known.startedAt) return;
    if (known && hb.startedAt > known.startedAt) this.#logger.warn({ gateway: hb.instanceId, was: known.startedAt, now: hb.startedAt }, 'gateway restarted');
    this.#instances.delete(hb.instanceId);
    this.#instances.set(hb.instanceId, { startedAt: hb.startedAt, lastSeen: this.#clock.now(), intervalMs: hb.intervalMs });
    if (this.#instances.size > this.#maxInstances) this.#instances.delete(this.#instances.keys().next().value as string);
  }

  /** Judges every run owning calls now; emits 'lost' for those whose grace ran out. */
  check(): void {
    const now = this.#clock.now();
    const current = new Set<string>();
    for (const run of this.#options.owners()) {
      const key = runKey(run);
      current.add(key);
      let watched = this.#watched.get(key);
      if (!watched) {
        watched = { firstSeen: now, deadline: undefined, reason: undefined };
        this.#watched.set(key, watched);
      }
      const reason = this.#judge(run, watched, now);
      if (reason === undefined) {
        if (watched.deadline !== undefined) this.#logger.info({ gateway: run.instanceId, gatewayStartedAt: run.startedAt }, 'gateway heard again; its calls stay');
        watched.deadline = undefined;
        watched.reason = undefined;
        continue;
      }
      if (watched.deadline === undefined) {
        watched.deadline = now + this.#options.graceMs;
        watched.reason = reason;
        this.#logger.warn({ gateway: run.instanceId, gatewayStartedAt: run.startedAt, reason, graceMs: this.#options.graceMs }, 'gateway lost; its calls end after the grace');
      }
      if (now >= watched.deadline) {
        this.#watched.delete(key);
        this.emit('lost', run, watched.reason ?? reason);
      }
    }
    for (const key of this.#watched.keys()) if (!current.has(key)) this.#watched.delete(key);
  }

  /** Stops checking. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#options.bus.off('state', this.#onState);
    this.#watched.clear();
  }

  /** Why the run is lost, or undefined while it lives (or cannot be judged: our bus is down or just back). */
  #judge(run: GatewayInstance, watched: Watched, now: number): GatewayLossReason | undefined {
    const instance = this.#instances.get(run.instanceId);
    // Positive evidence: the instance runs again under a newer start.
    if (instance && instance.startedAt > run.startedAt) return 'restarted';
    const heard = instance && instance.startedAt === run.startedAt ? instance : undefined;
    const intervalMs = heard?.intervalMs ?? this.#defaultIntervalMs;
    const silent = heartbeatSilent({ now, lastSeen: heard?.lastSeen ?? watched.firstSeen, intervalMs, missed: MISSED_INTERVALS, connectedSince: this.#connectedSince, settleMs: this.#reconnected ? DEFAULT_SETTLE_MS : 0 });
    return silent ? 'expired' : undefined;
  }
}
