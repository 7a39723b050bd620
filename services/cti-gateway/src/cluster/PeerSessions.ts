import { EventEmitter } from 'node:events';
import { GatewayTopics, type BusClient, type GatewayClientCapabilities, type GatewayHeartbeat, type GatewayInstance, type GatewaySessions, type Unsubscribe } from '@ucserver/shared';
import { sameCapabilities } from '../capabilities/clientCapabilities.ts';
import type { PeerRun, PeerSessionsEvents, PeerSessionsOptions, RemoteSoftphone } from './PeerSessionsTypes.ts';

/**
 * The users that have clients on the *other* gateways (several gateways share the clients): fed by their
 * `gateway.sessions` messages and heartbeats, never by this run's own. A run that stops heartbeating for 3
 * intervals, or restarts (a newer `startedAt` of the same instance), loses its users at once; an entry its
 * run did not repeat for 3 refresh rounds goes too (a lost "0 sessions" message heals itself). Presence asks
 * it whether a user is online elsewhere, the incoming-call router where the user's softphone is, the
 * capability operations what the user's clients there handle.
 */
export class PeerSessions extends EventEmitter<PeerSessionsEvents> {
  readonly #self: GatewayInstance;
  readonly #now: () => number;
  readonly #sweepMs: number;
  readonly #maxUsers: number;
  readonly #runs = new Map<string, PeerRun>();
  #timer: NodeJS.Timeout | undefined;
  #subs: Unsubscribe[] = [];

  constructor(options: PeerSessionsOptions) {
    super();
    this.setMaxListeners(0);
    this.#self = options.self;
    this.#now = options.now ?? Date.now;
    this.#sweepMs = options.sweepMs ?? 1000;
    this.#maxUsers = options.maxUsersPerRun ?? 100_000;
  }

  /** Listens on the bus and sweeps expired runs and entries. */
  start(bus: BusClient): void {
    this.#subs = [
      bus.subscribe(GatewayTopics.heartbeat, (hb) => this.heartbeat(hb)),
      bus.subscribe(GatewayTopics.sessions, (msg) => this.sessions(msg)),
    ];
    this.#timer = setInterval(() => this.sweep(), this.#sweepMs);
    this.#timer.unref();
  }

  heartbeat(hb: GatewayHeartbeat): void {
    const run = this.#run(hb);
    if (run) run.intervalMs = hb.intervalMs;
  }

  sessions(msg: GatewaySessions): void {
    const run = this.#run(msg);
    if (!run) return;
    run.refreshMs = msg.refreshMs;
    const now = this.#now();
    for (const u of msg.users) {
      const had = run.users.get(u.userId);
      if (u.sessions === 0) {
        if (had) this.#forget(run, u.userId);
        continue;
      }
      if (!had && run.users.size >= this.#maxUsers) continue;
      run.users.set(u.userId, { sessions: u.sessions, softphoneSince: u.softphoneSince, capabilities: u.capabilities, seen: now });
      if (!had || had.sessions !== u.sessions || had.softphoneSince !== u.softphoneSince) this.emit('changed', u.userId);
      if (!sameCapabilities(had?.capabilities, u.capabilities)) this.emit('capabilities', u.userId);
    }
  }

  /** Drops runs silent for 3 heartbeat intervals and entries not repeated for 3 refresh rounds. */
  sweep(): void {
    const now = this.#now();
    for (const run of [...this.#runs.values()]) {
      if (now - run.lastHeard > 3 * run.intervalMs) {
        this.#drop(run);
        continue;
      }
      for (const [userId, u] of [...run.users]) {
        if (now - u.seen > 3 * run.refreshMs) this.#forget(run, userId);
      }
    }
  }

  /** Whether the user has an authenticated client on another gateway. */
  online(userId: string): boolean {
    for (const run of this.#runs.values()) if ((run.users.get(userId)?.sessions ?? 0) > 0) return true;
    return false;
  }

  /** The user's newest softphone on another gateway, if any. */
  softphone(userId: string): RemoteSoftphone | undefined {
    let best: RemoteSoftphone | undefined;
    for (const run of this.#runs.values()) {
      const since = run.users.get(userId)?.softphoneSince;
      if (since === undefined) continue;
      if (!best || since > best.since || (since === best.since && run.instanceId < best.instanceId)) best = { instanceId: run.instanceId, since };
    }
    return best;
  }

  /** What the user's clients on each other gateway run handle (their sums; runs without any left out). */
  capabilities(userId: string): GatewayClientCapabilities[] {
    const sums: GatewayClientCapabilities[] = [];
    for (const run of this.#runs.values()) {
      const c = run.users.get(userId)?.capabilities;
      if (c) sums.push(c);
    }
    return sums;
  }

  /** The instance ids of the other live gateway runs. */
  peers(): string[] {
    return [...this.#runs.keys()];
  }

  close(): void {
    clearInterval(this.#timer);
    for (const s of this.#subs.splice(0)) s.unsubscribe();
    this.#runs.clear();
  }

  /** The run a message comes from (a newer run of an instance replaces the older); undefined: ours or stale. */
  #run(from: GatewayInstance): PeerRun | undefined {
    if (from.instanceId === this.#self.instanceId) return undefined;
    const now = this.#now();
    let run = this.#runs.get(from.instanceId);
    if (run && from.startedAt < run.startedAt) return undefined;
    if (run && from.startedAt > run.startedAt) {
      this.#drop(run);
      run = undefined;
    }
    if (!run) {
      run = { instanceId: from.instanceId, startedAt: from.startedAt, intervalMs: 1000, refreshMs: 5000, lastHeard: now, users: new Map() };
      this.#runs.set(run.instanceId, run);
      this.emit('newrun', run.instanceId);
    }
    run.lastHeard = now;
    return run;
  }

  #forget(run: PeerRun, userId: string): void {
    const had = run.users.get(userId);
    if (!had || !run.users.delete(userId)) return;
    this.emit('changed', userId);
    if (had.capabilities) this.emit('capabilities', userId);
  }

  #drop(run: PeerRun): void {
    this.#runs.delete(run.instanceId);
    for (const [userId, u] of run.users) {
      this.emit('changed', userId);
      if (u.capabilities) this.emit('capabilities', userId);
    }
    this.emit('rundown', run.instanceId, Math.max(0, this.#now() - run.lastHeard));
  }
}
