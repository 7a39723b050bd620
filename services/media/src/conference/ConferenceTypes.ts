import type { Producer, Router } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import type { MixParticipantStats } from './MixParticipantTypes.ts';

export interface ConferenceOptions {
  id: string;
  /** CONFERENCE_MAX_PARTICIPANTS. */
  maxParticipants: number;
  logger: Logger;
  /** See MixerOptions.manualClock. */
  manualClock?: boolean;
}

/** A participant's audio as the node has it: a leg's Producer on that leg's call router. */
export interface ConferenceParticipantSpec {
  /** Unique in the conference, e.g. `<callId>/pbx`. */
  id: string;
  router: Router;
  /** What the participant says (a softphone microphone or a PBX leg's Producer). */
  source: Producer;
}

export interface ConferenceEvents {
  /** A participant's source Producer closed (its leg went away); it still hears the mix until removed. */
  sourceclose: [participantId: string];
  close: [];
}

export interface ConferenceParticipantDump extends MixParticipantStats {
  id: string;
  codec: string;
}
