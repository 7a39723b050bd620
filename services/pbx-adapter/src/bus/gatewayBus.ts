// Adapter: what the calls need from the rest of the bus: the gateway's verdict on an incoming call
// (CtiCommands.incomingCall), the gateways' heartbeats (GatewayTopics.heartbeat) and the media nodes'
// failure events (CallTopics.media).
import { CallTopics, CtiCommands, GatewayTopics, type BusClient, type Unsubscribe } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { GatewayLiveness } from '../calls/GatewayLiveness.ts';
import type { IncomingCallContext } from '../calls/IncomingCallTypes.ts';

/** CtiCommands.incomingCall as a function (rejects on bus errors; the call treats that as no client). */
export function gatewayAsker(bus: BusClient): IncomingCallContext['askGateway'] {
  return (request) => bus.cti.request(CtiCommands.incomingCall, request);
}

/** CtiCommands.renegotiate as a function: the gateway re-offers to the call's softphone and says whether it takes video. */
export function softphoneRenegotiator(bus: BusClient): (callId: string) => Promise<{ video: boolean }> {
  return (callId) => bus.cti.request(CtiCommands.renegotiate, { callId }, { timeoutMs: RENEGOTIATE_TIMEOUT_MS });
}

/**
 * How long a re-INVITE waits for the softphone's re-negotiation: the gateway waits up to 10 s for the
 * softphone's answer; a PBX gives up on a re-INVITE after 32 s (Timer B).
 */
const RENEGOTIATE_TIMEOUT_MS = 15_000;

/** Hands media events to the calls (a 'failed' call is hung up, a 'path' change is published). */
export function subscribeMediaEvents(bus: BusClient, calls: CallRegistry): Unsubscribe {
  return bus.subscribe(CallTopics.media, (event) => calls.mediaEvent(event), { mode: 'parallel' });
}

/** Hands every gateway heartbeat to the liveness tracker. */
export function subscribeGatewayHeartbeats(bus: BusClient, liveness: GatewayLiveness): Unsubscribe {
  return bus.subscribe(GatewayTopics.heartbeat, (hb) => liveness.heartbeat(hb));
}
