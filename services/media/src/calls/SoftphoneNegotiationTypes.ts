import type { CodecName, Logger } from '@ucserver/shared';
import type { BrowserDescription } from '../sdp/browserSdp.ts';

export interface SoftphoneNegotiationOptions {
  /** For error messages (`[callId:…]`) and the a=msid stream id. */
  callId: string;
  logger: Logger;
}

/** A softphone's offer read against the call. */
export interface SoftphoneOffer {
  description: BrowserDescription;
  /** The offered codecs the node supports, in the softphone's order. */
  codecs: CodecName[];
}
