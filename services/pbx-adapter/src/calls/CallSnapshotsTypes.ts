// Contract of CallSnapshots: the crash-recovery copy of the running calls in the PBX_CALLS bucket.
import type { GatewayInstance, KvStore, Logger, PbxCallTeardown, PbxCallSnapshot } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';

export interface CallSnapshotsOptions {
  /** The `PbxBuckets.calls` bucket. */
  store: Pick<KvStore<typeof PbxCallSnapshot>, 'put' | 'delete'>;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  now?: (() => number) | undefined;
}

/** What a call tells its snapshot, read at each write. */
export interface SnapshotSource {
  /** The gateway run owning the call (undefined while nobody has taken it). */
  owner(): GatewayInstance | undefined;
  /** How to end the call toward the PBX now. */
  teardown(): PbxCallTeardown;
}
