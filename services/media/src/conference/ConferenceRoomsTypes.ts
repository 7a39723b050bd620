import type { Producer, Router } from 'mediasoup/types';
import type { Logger, MediaPath } from '@ucserver/shared';
import type { ConferenceFeeds } from '../calls/MediaWiringTypes.ts';

/** Which of a call's legs take part: the softphone (the user) and/or the PBX leg (the far end). */
export type ConferenceLeg = 'softphone' | 'pbx';

/** What a conference needs of a call (MediaCall is one). */
export interface ConferenceCall {
  readonly id: string;
  readonly router: Router | undefined;
  readonly softphoneProducer: Producer | undefined;
  readonly pbxProducer: Producer | undefined;
  readonly path: MediaPath | null;
  readonly closed: boolean;
  setConferenceFeeds(feeds: ConferenceFeeds | undefined): Promise<void>;
  /** 'wired': a wiring pass ran (a leg's Producer may have changed); 'close': the call ended. */
  on(event: 'wired' | 'close', listener: () => void): unknown;
  off(event: 'wired' | 'close', listener: () => void): unknown;
}

export interface ConferenceMember {
  call: ConferenceCall;
  /**
   * The legs to mix. A call on Direct Media has no PBX audio: its `pbx` stands for its far end, the
   * partner call's softphone leg (see ConferenceRoomsOptions.partnerOf).
   */
  legs: ConferenceLeg[];
}

export interface ConferenceRoomsOptions {
  /** CONFERENCE_MAX_PARTICIPANTS: legs mixed in one conference at most. */
  maxParticipants: number;
  /** CONFERENCE_MAX_ROOMS: conferences on the node at once (each costs CPU in the node's Node.js process). */
  maxConferences: number;
  /**
   * The call of this node whose softphone leg a call on Direct Media is linked to (its far end), or
   * undefined when there is none here. Without it a call on Direct Media cannot join.
   */
  partnerOf?: (call: ConferenceCall) => ConferenceCall | undefined;
  logger: Logger;
}

export interface ConferenceState {
  conferenceId: string;
  /** `<callId>/<leg>` of each participant mixed. */
  participants: string[];
  /**
   * The conference ended: fewer than two participants, or the two left can be bridged without the mixer
   * (one call's own legs, or the softphone legs of two Direct Media partners): bridged directly again.
   */
  dissolved: boolean;
}
