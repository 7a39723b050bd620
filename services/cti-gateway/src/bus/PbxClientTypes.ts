// Contract of the PbxClient.
import type { BusClient, PbxCommands, RequestOf } from '@ucserver/shared';

export interface PbxClientOptions {
  bus: BusClient;
  /** Timeout of one command. Default the bus default (BUS_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
}

/** A call to place on a line (PbxCommands.makeCall). */
export type PbxMakeCall = RequestOf<(typeof PbxCommands)['makeCall']>;

/** Why a call is dropped: hang up, busy, decline (reject a ringing call), unavailable (its client left). */
export type PbxDropReason = NonNullable<RequestOf<(typeof PbxCommands)['drop']>['reason']>;
