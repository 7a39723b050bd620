import type { Producer } from 'mediasoup/types';
import type { Logger, MediaPath } from '@ucserver/shared';
import type { DirectMedia } from '../directMedia/DirectMedia.ts';
import type { DirectMediaParty } from '../directMedia/DirectMediaTypes.ts';
import type { PbxDirection } from './PbxNegotiationTypes.ts';
import type { SoftphoneDirection } from './SoftphoneNegotiationTypes.ts';

export interface MediaWiringOptions {
  /** The call wired, as Direct Media knows it (its router, microphone, PBX remote and codec). */
  party: DirectMediaParty;
  directMedia: DirectMedia;
  /** What the PBX side's agreed direction allows (the call's PbxNegotiation). */
  pbxDirection: PbxDirection;
  /** What the softphone's SDP direction allows (the call's SoftphoneNegotiation): hold by re-offer. */
  softphoneDirection: SoftphoneDirection;
  logger: Logger;
}

export interface MediaWiringEvents {
  /** The media path changed (first set when the PBX leg gets its remote). */
  path: [path: MediaPath];
  /** A pass ran: Producers and Consumers may have changed (a capture follows them). */
  wired: [];
}

/** A call's legs in a conference: the mix feed each consumes instead of the other leg (absent: silence). */
export interface ConferenceFeeds {
  softphone?: Producer;
  pbx?: Producer;
}
