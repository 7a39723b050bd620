import { BusNoReply, CtiCommands, type BusClient, type GatewayInstance, type Unsubscribe } from '@ucserver/shared';
import type { IncomingCallDecision, IncomingCallRequest } from '../av/SoftphoneServiceTypes.ts';
import { NotFoundError } from '../errors.ts';

/** What the gateway decides for the pbx-adapter's CtiCommands. */
export interface CtiCommandHandlers {
  incomingCall(request: IncomingCallRequest): Promise<IncomingCallDecision>;
  /** A PBX re-INVITE changed the call's video: re-offer to its softphone (SoftphoneRenegotiation). */
  renegotiate(callId: string): Promise<{ video: boolean }>;
}

/**
 * Serves the commands the pbx-adapter sends the gateway (CtiCommands) with the given handlers. Every
 * gateway hears each request (no queue group: with several gateways sharing the clients, the one with the
 * line owner's softphone answers, the others stay silent — cluster/IncomingCallRouter.ts). An accepted
 * incoming call names this gateway run, which owns it from then on.
 */
export function serveCtiCommands(bus: BusClient, gateway: GatewayInstance, handlers: CtiCommandHandlers, owned?: { add(callId: string): void }): Unsubscribe[] {
  return bus.cti.serveTable(CtiCommands, {
    incomingCall: async (request) => {
      const decision = await handlers.incomingCall(request);
      if (decision.accept) owned?.add(request.callId);
      return decision.accept ? { accept: true as const, gateway } : decision;
    },
    // Every gateway hears it too: only the one carrying the call's softphone answers.
    renegotiate: async (request) => {
      try {
        return await handlers.renegotiate(request.callId);
      } catch (err) {
        if (err instanceof NotFoundError) throw new BusNoReply(`no softphone call ${request.callId} on this gateway`);
        throw err;
      }
    },
  });
}
