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
  /** For the admin console's System page (optional: gateways before 2026-12-07 do not send them). */
  host: z.string().min(1).max(256).optional(),
  version: z.string().min(1).max(64).optional(),
  /** Authenticated client sessions on this run. */
  clients: z.number().int().min(0).optional(),
  /** This run writes the journal (the lowest live instance id). */
  journal: z.boolean().optional(),
});
export type GatewayHeartbeat = z.infer<typeof GatewayHeartbeat>;

/** Users (entries) in one `gateway.sessions` message at most; a longer list goes out in several. */
export const GATEWAY_SESSIONS_MAX_USERS = 500;
/** Bytes of one `gateway.sessions` message at most (entries with capabilities are larger; well below NATS' 1 MB). */
export const GATEWAY_SESSIONS_MAX_BYTES = 256 * 1024;
/** Custom capability pairs announced per user and run at most (what a client sees of another gateway's sessions). */
export const GATEWAY_CAPABILITIES_MAX_CUSTOM = 64;

/**
 * The sum of a user's client capabilities on one gateway run (ENetUC `AsnClientCapabilitiesV2`: the
 * well-known `AsnClientCapabilityEnum` values and custom key/value pairs), so a client of another gateway
 * asking `asnGetClientCapabilitiesV2` sees them too.
 */
export const GatewayClientCapabilities = z.object({
  eClientCapabilities: z.array(z.number().int().min(0).max(1_000_000)).max(64),
  customCapabilities: z.array(z.object({ key: z.string().max(256), value: z.string().max(256) })).max(GATEWAY_CAPABILITIES_MAX_CUSTOM),
});
export type GatewayClientCapabilities = z.infer<typeof GatewayClientCapabilities>;

/** One user's clients on one gateway run. */
export const GatewayUserSessions = z.object({
  userId: z.string().min(1).max(128),
  /** Authenticated sessions of the user on this run; 0: none any more (the entry goes). */
  sessions: z.number().int().min(0).max(100_000),
  /**
   * When the newest softphone (audio) session of the user on this run logged in (epoch ms); absent: no
   * softphone there. Of several gateways with a softphone of the user, the newest takes their calls.
   */
  softphoneSince: z.number().int().min(0).optional(),
  /** Their sessions' capabilities summed (absent: none declared; gateways before 2026-12-07 send none). */
  capabilities: GatewayClientCapabilities.optional(),
});
export type GatewayUserSessions = z.infer<typeof GatewayUserSessions>;

/**
 * Which users have clients on a gateway run (`gateway.sessions`): sent for a user when its sessions
 * change, and for all of them every few heartbeats (a lost message is repaired by the next round; an
 * entry not repeated for 3 rounds, or of a run whose heartbeat stopped, is dropped by the others).
 */
export const GatewaySessions = GatewayInstance.extend({
  at: z.number().int(),
  /** How often this run repeats its whole list (ms). */
  refreshMs: z.number().int().min(1).max(3_600_000),
  users: z.array(GatewayUserSessions).max(GATEWAY_SESSIONS_MAX_USERS),
});
export type GatewaySessions = z.infer<typeof GatewaySessions>;

/**
 * Something a gateway changed in the database that the other gateways keep in memory or announce to
 * their clients (`gateway.changed`): a line's routing (DND, forwards: `id` = line id), a user's absent
 * state or note (`manual`), a user itself (`user`: renamed, disabled; `user-removed`; `revoked`: their
 * tokens died, their sessions end) or the lines (`lines`). The receiver reads the row again.
 */
export const GatewayChange = GatewayInstance.extend({
  kind: z.enum(['routing', 'manual', 'user', 'user-removed', 'revoked', 'lines']),
  id: z.string().min(1).max(128),
  /** The user's login (`user-removed`: the row is gone) or the reason (`revoked`). */
  detail: z.string().max(256).optional(),
});
export type GatewayChange = z.infer<typeof GatewayChange>;

export const GatewayTopics = {
  /** A gateway is alive; the pbx-adapter ends the calls of a gateway whose heartbeat stops (3 intervals). */
  heartbeat: topic('gateway.heartbeat', GatewayHeartbeat),
  /** The users with clients on a gateway run (presence "online", where a user's softphone is). */
  sessions: topic('gateway.sessions', GatewaySessions),
  /** A gateway changed a row the others cache or announce. */
  changed: topic('gateway.changed', GatewayChange),
} as const;
