import { CtiCommands, type BusClient, type GatewayInstance, type Unsubscribe } from '@ucserver/shared';
import type { IncomingCallDecision, IncomingCallRequest } from '../av/SoftphoneServiceTypes.ts';

/** What the gateway decides for the pbx-adapter's CtiCommands. */
export interface CtiCommandHandlers {
  incomingCall(request: IncomingCallRequest): Promise<IncomingCallDecision>;
  /** A PBX re-INVITE changed the call's video: re-offer to its softphone (SoftphoneRenegotiation). */
  renegotiate(callId: string): Promise<{ video: boolean }>;
}

/**
 * Serves the commands the pbx-adapter sends the gateway (CtiCommands) with the given handlers, in the
 * `cti-gateway` queue group so that one of several gateways answers each request. An accepted incoming
 * call names this gateway run, which owns it from then on.
 */
export function serveCtiCommands(bus: BusClient, gateway: GatewayInstance, handlers: CtiCommandHandlers): Unsubscribe[] {
  return bus.cti.serveTable(CtiCommands, {
    incomingCall: async (request) => {
      const decision = await handlers.incomingCall(request);
      return decision.accept ? { accept: true as const, gateway } : decision;
    },
    renegotiate: (request) => handlers.renegotiate(request.callId),
  }, { queue: 'cti-gateway' });
}
