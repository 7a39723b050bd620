import { z } from 'zod';
import { Id, topic } from './contract.ts';

/** States of one call on one line, as the pbx-adapter sees the SIP dialog. */
export const CallState = z.enum(['offering', 'dialing', 'ringback', 'connected', 'held', 'disconnected']);
export type CallState = z.infer<typeof CallState>;

/** Why a call ended (or failed to start), independent of SIP and of ENetUC numbers. */
export const CallCause = z.enum([
  'normal', // hung up after connect, by either side
  'cancelled', // the caller gave up before answer
  'busy',
  'rejected', // declined by the callee (603/486 on reject)
  'not-found',
  'no-answer',
  'unavailable', // 480: nobody can take it (e.g. no softphone connected)
  'redirected',
  'picked-up', // a ringing call a colleague took (asnCtiPickupCall): the end of it for the line it rang on (gateway, journal)
  'timeout', // no response at all (SIP timer B/F)
  'media-failure', // the media node or its worker died
  'error',
  // Crash recovery (docs/architecture.md, "Failures and recovery"):
  'service-restart', // the pbx-adapter died during the call; after its restart it hung the call up (BYE/CANCEL)
  'gateway-lost', // the cti-gateway owning the call died (heartbeat expired or restarted); the adapter hung up after GATEWAY_LOSS_GRACE_MS
  'bus-outage', // the NATS connection was down longer than BUS_OUTAGE_GRACE_MS: the call could no longer be controlled, so it was ended
  'lost', // the journal held the call open but no live service carries it any more (closed by the gateway's reconciliation)
]);
export type CallCause = z.infer<typeof CallCause>;

export const CallDirection = z.enum(['inbound', 'outbound']);
export type CallDirection = z.infer<typeof CallDirection>;

export const MediaPath = z.enum(['pbx', 'direct']);
export type MediaPath = z.infer<typeof MediaPath>;

export const HoldSide = z.enum(['local', 'remote', 'both']);
export type HoldSide = z.infer<typeof HoldSide>;

/**
 * One step in a call's life. Published by the pbx-adapter on `calls.event.<lineId>` into the CALLS
 * JetStream stream, so the journal writer (a durable consumer) misses none across restarts.
 * `seq` grows per call, so consumers can detect gaps and order.
 */
export const CallEvent = z.object({
  callId: Id,
  lineId: Id,
  lineNumber: z.string().max(64),
  seq: z.number().int().min(1),
  at: z.number().int(),
  state: CallState,
  direction: CallDirection,
  remoteNumber: z.string().max(256),
  remoteName: z.string().max(256).optional(),
  cause: CallCause.optional(),
  sipStatus: z.number().int().optional(),
  sipReason: z.string().max(256).optional(),
  /** Which side put the call on hold (state 'held'). */
  hold: HoldSide.optional(),
  mediaNodeId: Id.optional(),
  mediaPath: MediaPath.optional(),
  /**
   * The call was picked up from another of our lines (asnCtiPickupCall): from this event on it belongs to
   * `lineId` (the picker's), and every later event says so. The journal closes the ringing line's row
   * ('picked-up'); the gateway ends the call for that line's clients.
   */
  pickup: z.object({ fromLineId: Id, fromLineNumber: z.string().max(64) }).optional(),
});
export type CallEvent = z.infer<typeof CallEvent>;

/** Aggregate media quality of a call, measured on the media node. */
export const MediaQuality = z.object({
  packetsIn: z.number().int().min(0),
  packetsOut: z.number().int().min(0),
  bytesIn: z.number().int().min(0),
  bytesOut: z.number().int().min(0),
  lossPercent: z.number().min(0).max(100),
  jitterMs: z.number().min(0),
  rttMs: z.number().min(0).optional(),
});
export type MediaQuality = z.infer<typeof MediaQuality>;

/** Media-side facts about a call, published by the media node on `calls.media.<callId>` (same stream). */
export const MediaCallEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('path'), callId: Id, nodeId: Id, path: MediaPath, at: z.number().int() }),
  z.object({ type: z.literal('failed'), callId: Id, nodeId: Id, cause: z.string().max(256), at: z.number().int() }),
  /** `video`: video reached the node on the call (a camera's or the PBX's stream); absent from older nodes. */
  z.object({ type: z.literal('closed'), callId: Id, nodeId: Id, quality: MediaQuality, video: z.boolean().optional(), at: z.number().int() }),
]);
export type MediaCallEvent = z.infer<typeof MediaCallEvent>;

/** The CALLS stream's topics (JetStream: a restarted consumer misses none). */
export const CallTopics = {
  /** pbx-adapter: one call's lifecycle, on `calls.event.<lineId>`. */
  event: topic('calls.event', CallEvent, (e) => e.lineId),
  /** media node: one call's path, failure and quality, on `calls.media.<callId>`. */
  media: topic('calls.media', MediaCallEvent, (e) => e.callId),
} as const;
