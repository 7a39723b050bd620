import type { Logger, MediaPath } from '@ucserver/shared';
import type { DirectMedia } from '../directMedia/DirectMedia.ts';
import type { DirectMediaParty } from '../directMedia/DirectMediaTypes.ts';
import type { PbxDirection } from './PbxNegotiationTypes.ts';

export interface MediaWiringOptions {
  /** The call wired, as Direct Media knows it (its router, microphone, PBX remote and codec). */
  party: DirectMediaParty;
  directMedia: DirectMedia;
  /** What the PBX side's agreed direction allows (the call's PbxNegotiation). */
  pbxDirection: PbxDirection;
  logger: Logger;
}

export interface MediaWiringEvents {
  /** The media path changed (first set when the PBX leg gets its remote). */
  path: [path: MediaPath];
}
