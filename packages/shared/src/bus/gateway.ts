import { z } from 'zod';
import { Id, topic } from './contract.ts';

/**
 * One run of a cti-gateway: its instance id (GATEWAY_INSTANCE_ID, stable across restarts of the same
 * gateway) and when this run started. A call is owned by a run: a new `startedAt` under the same id
 * means the gateway restarted and the calls of the earlier run have no owner any more.
 */
export const GatewayInstance = z.object({
  instanceId: Id,
  startedAt: z.number().int().min(0),
});
export type GatewayInstance = z.infer<typeof GatewayInstance>;

/** Published by every gateway every GATEWAY_HEARTBEAT_INTERVAL_MS on `gateway.heartbeat`. */
export const GatewayHeartbeat = GatewayInstance.extend({
  at: z.number().int(),
  intervalMs: z.number().int().min(1).max(600_000),
});
export type GatewayHeartbeat = z.infer<typeof GatewayHeartbeat>;

export const GatewayTopics = {
  /** A gateway is alive; the pbx-adapter ends the calls of a gateway whose heartbeat stops (3 intervals). */
  heartbeat: topic('gateway.heartbeat', GatewayHeartbeat),
} as const;
