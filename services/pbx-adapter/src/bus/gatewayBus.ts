// Adapter: what the calls need from the rest of the bus: the gateway's verdict on an incoming call
// (CtiCommands.incomingCall) and the media nodes' failure events (CallTopics.media).
import { CallTopics, CtiCommands, type BusClient, type Unsubscribe } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { IncomingCallContext } from '../calls/IncomingCallTypes.ts';

/** CtiCommands.incomingCall as a function (rejects on bus errors; the call treats that as no client). */
export function gatewayAsker(bus: BusClient): IncomingCallContext['askGateway'] {
  return (request) => bus.cti.request(CtiCommands.incomingCall, request);
}

/** Hands media events to the calls (a 'failed' call is hung up, a 'path' change is published). */
export function subscribeMediaEvents(bus: BusClient, calls: CallRegistry): Unsubscribe {
  return bus.subscribe(CallTopics.media, (event) => calls.mediaEvent(event), { mode: 'parallel' });
}
