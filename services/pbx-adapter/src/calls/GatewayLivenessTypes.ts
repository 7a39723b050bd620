// Contract of GatewayLiveness: which gateway runs are alive, from their heartbeats.
import type { BusConnectionState, GatewayInstance, Logger } from '@ucserver/shared';
import type { Clock } from '../sip/mod.ts';

export interface GatewayLivenessOptions {
  /** GATEWAY_LOSS_GRACE_MS: how long a lost run's calls are kept before they are ended. */
  graceMs: number;
  /** The gateway runs that own calls now (CallRegistry.owners). */
  owners: () => Iterable<GatewayInstance>;
  /** The adapter's bus: nothing expires while it is down, nor for one interval after it is back. */
  bus: {
    readonly connected: boolean;
    on(event: 'state', listener: (state: BusConnectionState) => void): unknown;
    off(event: 'state', listener: (state: BusConnectionState) => void): unknown;
  };
  logger: Logger;
  /** Heartbeat interval assumed for a run never heard from (ms). Default 2000. */
  defaultIntervalMs?: number | undefined;
  /** How often expiry is checked (ms). Default 250. */
  checkEveryMs?: number | undefined;
  /** Gateway instances remembered at most (least recently heard go first). Default 1000. */
  maxInstances?: number | undefined;
  clock?: Clock | undefined;
}

export type GatewayLossReason = 'expired' | 'restarted';

export type GatewayLivenessEvents = {
  /** A run owning calls is gone (no heartbeat for 3 intervals, or its instance restarted) and the grace passed. */
  lost: [run: GatewayInstance, reason: GatewayLossReason];
};
