import type { Logger } from '@ucserver/shared';
import type { SrtpParameters } from 'mediasoup/types';
import type { SdesCrypto } from '../sdp/crypto.ts';
import type { OfferedCodec } from '../sdp/negotiation.ts';
import type { VideoCodecName } from '../sdp/codecs.ts';
import type { PbxCodec, PbxDescription, PbxVideoSection } from '../sdp/pbxSdp.ts';
import type { PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import type { SdpCodec } from '../sdp/rtpmap.ts';
import type { PbxLeg } from './PbxLeg.ts';

export interface PbxNegotiationOptions {
  /** For error messages (`[callId:…]`). */
  callId: string;
  logger: Logger;
}

/** What the PBX side's agreed direction lets the call do (read by the wiring on every pass). */
export interface PbxDirection {
  /** We may send to the PBX: the agreed direction allows it and we do not hold. */
  readonly sendAllowed: boolean;
  /** The PBX may send to us. */
  readonly recvAllowed: boolean;
}

/** A PBX offer read against the call: what the call needs to create or re-point its PBX leg. */
export interface PbxOffer {
  description: PbxDescription;
  /** The codec for the call: its own, else the PBX's first one (that the softphone offered, if it did). */
  chosen: OfferedCodec;
  /** The a=crypto line we answer (RTP/SAVP offers); undefined for plain RTP. */
  crypto: SdesCrypto | undefined;
  /** The PBX's telephone-event at the chosen codec's clock rate. */
  telephoneEvent: SdpCodec | undefined;
  /** The PBX's video m-line when we can take it: the codec chosen, and the a=crypto line we answer. */
  video: { section: PbxVideoSection; chosen: VideoCodecName; crypto: SdesCrypto | undefined } | undefined;
}

/** The PBX's answer to our offer, accepted. */
export interface PbxAnswer {
  description: PbxDescription;
  /** The leg our offer was made on. */
  leg: PbxLeg;
  /** Our offer was the leg's first (it fixes the call's codec), not a hold/retrieve re-offer. */
  initial: boolean;
  codec: PbxCodec;
  /** The PBX's SDES key (what it encrypts with); undefined for plain RTP. */
  srtp: SrtpParameters | undefined;
  /** The video the PBX answered on the leg our offer made for it; undefined: the PBX declined video. */
  video: { section: PbxVideoSection; codec: PbxVideoCodec; srtp: SrtpParameters | undefined; leg: PbxLeg<PbxVideoCodec> } | undefined;
}
