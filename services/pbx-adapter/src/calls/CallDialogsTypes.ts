// Contract of CallDialogs: the view of its call it works through.
import type { CallCause, Logger } from '@ucserver/shared';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { DialogHandler } from '../userAgent/SipEndpointTypes.ts';
import type { CallSnapshots } from './CallSnapshots.ts';
import type { CallTransfer } from './CallTransfer.ts';
import type { InDialogNegotiation } from './InDialogNegotiation.ts';

export interface CallDialogsHost {
  /** The bus id of the call (its snapshot, its SIP trace). */
  readonly callId: string;
  /** The call itself: what the endpoint hands the requests of the call's dialogs to. */
  readonly handler: DialogHandler;
  readonly endpoint: SipEndpoint;
  readonly snapshots: CallSnapshots | undefined;
  readonly logger: Logger;
  /** Takes re-INVITE and UPDATE, and learns the peer's Allow from every request. */
  readonly negotiation: InDialogNegotiation;
  /** Takes REFER and NOTIFY, and the BYE of a dialog it is leaving. */
  readonly transfer: CallTransfer;
  ended(): boolean;
  /** The PBX hung up the call (a BYE in its current dialog). */
  remoteBye(): void;
  /** Ends the call with a BYE (an in-dialog request of ours was answered 408/481 or timed out). */
  hangup(cause: CallCause, sip?: { status?: number; reason?: string }): void;
}
