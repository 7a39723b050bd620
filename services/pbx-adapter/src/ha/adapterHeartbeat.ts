// The adapter's heartbeat (PbxTopics.heartbeat): every instance, active or standby, says who it is, its
// role in the lease and who holds it, so the gateway's System page lists every adapter (not only the
// active one, the only one that answers `lines.registrations`). Published at once when the role or the holder
// changes: a standby's first beat goes out before its first read of the lease, and must not name no holder
// for a whole interval.
import { HeartbeatPublisher, PbxTopics, type BusClient, type Logger, type PbxLease } from '@ucserver/shared';
import type { ActiveLease } from './ActiveLease.ts';

export interface AdapterHeartbeatOptions {
  bus: BusClient;
  lease: ActiveLease;
  identity: Pick<PbxLease, 'holder' | 'run' | 'host' | 'sip'>;
  version: string;
  startedAt: number;
  /** PBX_LEASE_MS: the heartbeat goes out every third of it (between 0.5 and 5 s). */
  leaseMs: number;
  logger: Logger;
}

/** Starts the heartbeat; returns its stop. */
export function startAdapterHeartbeat(o: AdapterHeartbeatOptions): () => void {
  const intervalMs = Math.min(5000, Math.max(500, Math.round(o.leaseMs / 3)));
  const beat = new HeartbeatPublisher({
    bus: o.bus,
    topic: PbxTopics.heartbeat,
    payload: () => ({
      ...o.identity,
      role: o.lease.role,
      leaseHolder: o.lease.holder?.holder ?? null,
      version: o.version,
      startedAt: o.startedAt,
      at: Date.now(),
      intervalMs,
    }),
    intervalMs,
    logger: o.logger,
  });
  const onChange = (): void => beat.publish();
  o.lease.on('role', onChange);
  o.lease.on('holder', onChange);
  beat.start();
  return () => {
    o.lease.off('role', onChange);
    o.lease.off('holder', onChange);
    // The last word: 'stopped' (the page shows it down at once instead of after 3 intervals).
    beat.publish();
    beat.stop();
  };
}
