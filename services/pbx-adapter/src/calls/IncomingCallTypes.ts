// Contract of an IncomingCall.
import type { CtiCommands, MediaPickOptions, ReplyOf, RequestOf } from '@ucserver/shared';
import type { InviteServerTransaction, MessageSource, SipRequest } from '../sip/mod.ts';
import type { SipCallOptions } from './SipCallTypes.ts';

export interface IncomingCallOptions extends SipCallOptions {
  invite: SipRequest;
  transaction: InviteServerTransaction;
  /** Where the INVITE came from (its responses' destination). */
  source: MessageSource;
}

/** What the call needs from outside to get going: a media node for the offer, and the gateway's verdict. */
export interface IncomingCallContext {
  /**
   * Media placement: the node for a call whose PBX side uses `preferAddress` (the offer's c=), next to
   * `preferNode` (the INVITE's media mark) when that node can take it. Rejects when none is up.
   */
  pickNode(prefer: MediaPickOptions): Promise<string>;
  /** CtiCommands.incomingCall: the gateway accepts or refuses (rejects on bus failure). */
  askGateway(request: RequestOf<typeof CtiCommands.incomingCall>): Promise<ReplyOf<typeof CtiCommands.incomingCall>>;
}
