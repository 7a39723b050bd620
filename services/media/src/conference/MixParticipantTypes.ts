import type { JitterBufferStats } from './JitterBufferTypes.ts';
import type { ConferenceCodec } from './ConferenceCodecTypes.ts';

export interface MixParticipantOptions {
  id: string;
  codec: ConferenceCodec;
  /** Payload type of the RTP the participant sends us (others, e.g. telephone-event, are ignored). */
  inPayloadType: number;
  /** Payload type, SSRC written on the feed sent back. */
  outPayloadType: number;
  outSsrc: number;
  /** Jitter buffer capacity and playout depth, in packets. */
  jitterCapacity?: number;
  jitterDepth?: number;
}

export interface MixParticipantStats extends JitterBufferStats {
  received: number;
  /** Packets that were not RTP, of another payload type, or that the codec could not decode. */
  discarded: number;
  concealed: number;
  sent: number;
}
