// The lease that makes one pbx-adapter of several the active one (issue 18): an entry in a NATS KV bucket
// whose TTL is the lease time. Whoever creates the entry (compare-and-set: only if absent) is active and
// renews it every third of the lease by compare-and-set on its revision; the others are standbys that
// read it and create it once the server dropped it (the holder stopped renewing) or it was released.
//
// No split brain: the server drops the entry `leaseMs` after it received the last renewal, and that was
// after the holder sent it. The holder therefore times its lease from the moment it *sent* its last
// acknowledged write, on its own monotonic clock, and fences itself `marginMs` before `leaseMs` ran out
// of that: by the time a standby can create the entry, the old holder has stopped. A renewal the server
// refuses (the lease is gone or someone else's) fences at once; one that gets no answer (a NATS election,
// a reconnect) is retried until that deadline. A fenced instance keeps reading the lease like a standby:
// free (expired, released) or still its own, it takes it again (a single instance rides through a NATS
// outage this way); held by another, it becomes a standby.
import { EventEmitter } from 'node:events';
import { PBX_LEASE_KEY, type Logger, type PbxLease } from '@ucserver/shared';
import type { Clock, TimerHandle } from '../sip/mod.ts';
import type { ActiveLeaseEvents, ActiveLeaseOptions, LeaseRole, LeaseStore } from './ActiveLeaseTypes.ts';

/** performance.now(): unaffected by wall-clock steps (NTP), which must not stretch a lease. */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => {
    const t = globalThis.setTimeout(callback, ms);
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class ActiveLease extends EventEmitter<ActiveLeaseEvents> {
  readonly #store: LeaseStore;
  readonly #identity: ActiveLeaseOptions['identity'];
  readonly #leaseMs: number;
  readonly #renewMs: number;
  readonly #pollMs: number;
  readonly #marginMs: number;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #wallClock: () => number;
  #role: LeaseRole = 'standby';
  #holder: PbxLease | undefined;
  /** Our entry's revision while active. */
  #revision = 0;
  /** Monotonic time until which we may act as active (sent time of the last acknowledged write + lease − margin). */
  #validUntil = 0;
  #timer: TimerHandle | undefined;
  #deadline: TimerHandle | undefined;
  #lastPollError: string | undefined;

  constructor(options: ActiveLeaseOptions) {
    super();
    if (!(options.leaseMs >= 1000)) throw new TypeError(`ActiveLease: leaseMs must be at least 1000, got ${options.leaseMs}`);
    this.#store = options.store;
    this.#identity = options.identity;
    this.#leaseMs = options.leaseMs;
    this.#renewMs = options.renewMs ?? Math.floor(options.leaseMs / 3);
    this.#pollMs = options.pollMs ?? Math.max(100, Math.floor(options.leaseMs / 10));
    this.#marginMs = options.marginMs ?? Math.min(1000, Math.floor(options.leaseMs / 10));
    if (!(this.#renewMs > 0 && this.#renewMs < this.#leaseMs - this.#marginMs)) throw new TypeError(`ActiveLease: renewMs (${this.#renewMs}) must be positive and below leaseMs − marginMs`);
    this.#logger = options.logger.child({ component: 'active-lease' });
    this.#clock = options.clock ?? monotonicClock;
    this.#wallClock = options.wallClock ?? Date.now;
  }

  get role(): LeaseRole {
    return this.#role;
  }

  /** The lease as last read or written; undefined when nobody holds it (or it was not read yet). */
  get holder(): PbxLease | undefined {
    return this.#holder;
  }

  /** While active: how long we may still act without another successful renewal (ms); else 0. */
  get remainingMs(): number {
    return this.#role === 'active' ? Math.max(0, this.#validUntil - this.#clock.now()) : 0;
  }

  /** Tries to take the lease once (resolves with the role it got), then keeps contending or renewing. */
  async start(): Promise<LeaseRole> {
    await this.#contend(undefined);
    return this.#role;
  }

  /**
   * Stops contending. An active holder releases its lease (compare-and-set, so a lease that is no longer
   * ours is left alone): a standby takes over at its next read instead of after the TTL.
   */
  async stop(): Promise<void> {
    const wasActive = this.#role === 'active';
    this.#clear();
    this.#setRole('stopped', 'stopped');
    if (!wasActive) return;
    try {
      await this.#store.update(PBX_LEASE_KEY, { ...this.#value(), released: true }, this.#revision);
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'lease not released; it expires by its TTL');
    }
  }

  #value(): PbxLease {
    return { ...this.#identity, leaseMs: this.#leaseMs, renewedAt: this.#wallClock() };
  }

  /** Takes the lease if it is free (absent, released, or held by an earlier run of this very instance). */
  async #contend(known: { lease: PbxLease; revision: number } | undefined): Promise<void> {
    const sentAt = this.#clock.now();
    const value = this.#value();
    let revision: number | undefined;
    try {
      revision = known ? await this.#store.update(PBX_LEASE_KEY, value, known.revision) : await this.#store.create(PBX_LEASE_KEY, value);
    } catch (err) {
      this.#pollFailed(err);
      return;
    }
    if (!this.#passive) return;
    if (revision !== undefined) {
      this.#activate(revision, sentAt, value, known ? 'took the lease of an earlier run' : 'took the free lease');
      return;
    }
    // Someone else holds it (or won the race): read who, and watch.
    await this.#poll();
  }

  async #poll(): Promise<void> {
    let entry: Awaited<ReturnType<LeaseStore['entry']>>;
    try {
      entry = await this.#store.entry(PBX_LEASE_KEY);
    } catch (err) {
      this.#pollFailed(err);
      return;
    }
    if (!this.#passive) return;
    this.#lastPollError = undefined;
    if (!entry || entry.value.released || entry.value.holder === this.#identity.holder) {
      // Free, released, or ours: our own earlier run (a restart: the port is ours now, so that run is
      // gone) or this run after a create whose answer was lost.
      await this.#contend(entry ? { lease: entry.value, revision: entry.revision } : undefined);
      return;
    }
    const lease = entry.value;
    this.#observe(lease);
    if (this.#role === 'fenced') this.#setRole('standby', `the lease is held by ${lease.holder}`);
    if (lease.leaseMs !== this.#leaseMs) this.#logger.error({ theirs: lease.leaseMs, ours: this.#leaseMs }, 'the active instance uses another PBX_LEASE_MS; set the same on every instance');
    this.#schedule(this.#pollMs, () => void this.#poll());
  }

  #pollFailed(err: unknown): void {
    if (!this.#passive) return;
    const message = (err as Error).message;
    if (message !== this.#lastPollError) this.#logger.warn({ err: message }, 'lease not readable; retrying');
    this.#lastPollError = message;
    this.#schedule(this.#pollMs, () => void this.#poll());
  }

  #activate(revision: number, sentAt: number, value: PbxLease, reason: string): void {
    this.#revision = revision;
    this.#extend(sentAt);
    this.#observe(value);
    this.#setRole('active', reason);
    this.#schedule(this.#renewMs, () => void this.#renew());
  }

  async #renew(): Promise<void> {
    const sentAt = this.#clock.now();
    const value = this.#value();
    let revision: number | undefined;
    try {
      revision = await this.#store.update(PBX_LEASE_KEY, value, this.#revision);
    } catch (err) {
      if (this.#role !== 'active') return;
      // No answer: retried until the deadline fences us (an answer may still come).
      const retryMs = Math.min(500, Math.floor(this.#renewMs / 4));
      this.#logger.warn({ err: (err as Error).message, remainingMs: Math.round(this.remainingMs), retryMs }, 'lease renewal got no answer; retrying');
      this.#schedule(retryMs, () => void this.#renew());
      return;
    }
    if (this.#role !== 'active') return;
    if (revision === undefined) {
      await this.#conflict();
      return;
    }
    this.#revision = revision;
    this.#extend(sentAt);
    this.#observe(value);
    this.#schedule(this.#renewMs, () => void this.#renew());
  }

  /** The renewal was refused: unless it is our own write whose answer was lost, the lease is not ours. */
  async #conflict(): Promise<void> {
    let entry: Awaited<ReturnType<LeaseStore['entry']>>;
    try {
      entry = await this.#store.entry(PBX_LEASE_KEY);
    } catch {
      entry = undefined;
    }
    if (this.#role !== 'active') return;
    if (entry?.value.holder === this.#identity.holder && entry.value.run === this.#identity.run && !entry.value.released) {
      // Our earlier attempt did land. The deadline stays that of our last acknowledged write.
      this.#revision = entry.revision;
      this.#schedule(0, () => void this.#renew());
      return;
    }
    this.#observe(entry?.value);
    this.#fence(entry ? `the lease is held by ${entry.value.holder}` : 'the lease expired');
  }

  #extend(sentAt: number): void {
    this.#validUntil = sentAt + this.#leaseMs - this.#marginMs;
    if (this.#deadline !== undefined) this.#clock.clearTimeout(this.#deadline);
    this.#deadline = this.#clock.setTimeout(() => this.#fence('no renewal acknowledged in time'), Math.max(0, this.#validUntil - this.#clock.now()));
  }

  #fence(reason: string): void {
    if (this.#role !== 'active') return;
    this.#clear();
    this.#logger.error({ reason }, 'lease lost: this instance stops acting as the active pbx-adapter');
    this.#setRole('fenced', reason);
    this.#schedule(this.#pollMs, () => void this.#poll());
  }

  /** Standby or fenced: reading the lease, taking it when free. */
  get #passive(): boolean {
    return this.#role === 'standby' || this.#role === 'fenced';
  }

  #observe(lease: PbxLease | undefined): void {
    const changed = lease?.holder !== this.#holder?.holder || lease?.run !== this.#holder?.run;
    this.#holder = lease;
    if (changed) this.emit('holder', lease);
  }

  #setRole(role: LeaseRole, reason: string): void {
    if (this.#role === role) return;
    this.#role = role;
    if (role !== 'stopped') this.#logger.info({ role, reason, holder: this.#holder?.holder }, 'lease role');
    this.emit('role', role, reason);
  }

  #schedule(ms: number, run: () => void): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      run();
    }, ms);
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    if (this.#deadline !== undefined) this.#clock.clearTimeout(this.#deadline);
    this.#timer = undefined;
    this.#deadline = undefined;
  }
}
