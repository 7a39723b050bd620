// Contract of the PbxClient.
import type { BusClient, GatewayInstance, PbxCommands, ReplyOf, RequestOf } from '@ucserver/shared';

export interface PbxClientOptions {
  bus: BusClient;
  /** This gateway's run: it owns the calls it places (PbxCommands.makeCall names it). */
  gateway: GatewayInstance;
  /** Where a placed call is recorded as this run's (several gateways: only the owner drops it after an outage). */
  owned?: { add(callId: string): void } | undefined;
  /** Timeout of one command. Default the bus default (BUS_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
}

/** A call to place on a line (PbxCommands.makeCall; the client adds the owning gateway run). */
export type PbxMakeCall = Omit<RequestOf<(typeof PbxCommands)['makeCall']>, 'gateway'>;

/** One page of the adapter's live calls (PbxCommands.listCalls). */
export type PbxCallList = ReplyOf<(typeof PbxCommands)['listCalls']>;

/** Why a call is dropped: hang up, busy, decline (reject a ringing call), unavailable (its client left). */
export type PbxDropReason = NonNullable<RequestOf<(typeof PbxCommands)['drop']>['reason']>;
