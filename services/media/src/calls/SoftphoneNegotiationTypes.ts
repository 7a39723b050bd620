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

/** What the softphone's last SDP (offer or answer) says about its media: a=sendonly (hold) stops what we send it. */
export interface SoftphoneDirection {
  /** The softphone sends (its direction is sendrecv or sendonly): its microphone may reach the far end. */
  readonly softphoneSends: boolean;
  /** The softphone receives (sendrecv or recvonly): we may send it the far end's audio. */
  readonly softphoneReceives: boolean;
}
