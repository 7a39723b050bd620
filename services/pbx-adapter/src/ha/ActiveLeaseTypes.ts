// Contract of ActiveLease: the store it needs (KvStore's compare-and-set subset), its options and events.
import type { KvEntry, Logger, PbxLease } from '@ucserver/shared';
import type { Clock } from '../sip/mod.ts';

/** What ActiveLease needs of the lease bucket (KvStore<typeof PbxLease> has it). */
export interface LeaseStore {
  create(key: string, value: PbxLease): Promise<number | undefined>;
  update(key: string, value: PbxLease, revision: number): Promise<number | undefined>;
  entry(key: string): Promise<KvEntry<PbxLease> | undefined>;
  delete(key: string): Promise<void>;
}

/**
 * standby: another instance holds the lease (or none could be read yet); active: we hold it; fenced: we
 * held it and could not renew it in time (or it was refused), and nobody else was seen holding it yet:
 * passive like a standby, taking it again when it is free or still ours; stopped: stop() was called.
 */
export type LeaseRole = 'standby' | 'active' | 'fenced' | 'stopped';

export interface ActiveLeaseOptions {
  store: LeaseStore;
  /** This instance: `holder` (host and SIP address), `run` (random per start), `host`, `sip`. */
  identity: Pick<PbxLease, 'holder' | 'run' | 'host' | 'sip'>;
  /** PBX_LEASE_MS: the bucket's TTL. */
  leaseMs: number;
  /** Renewal interval; default leaseMs / 3. */
  renewMs?: number | undefined;
  /** How often a standby reads the lease; default leaseMs / 10 (at least 100 ms). */
  pollMs?: number | undefined;
  /**
   * How long before its lease could expire at the server an active fences itself; default
   * min(1000, leaseMs / 10). Covers the clock rates of this host and the NATS server differing.
   */
  marginMs?: number | undefined;
  logger: Logger;
  /** A monotonic clock (default performance.now()); tests pass a fake one. */
  clock?: Clock | undefined;
  /** Wall-clock time written as renewedAt (default Date.now). */
  wallClock?: (() => number) | undefined;
}

export type ActiveLeaseEvents = {
  /** The role changed. */
  role: [role: LeaseRole, reason: string];
  /** The lease as last read or written (undefined: nobody holds it). */
  holder: [lease: PbxLease | undefined];
};
