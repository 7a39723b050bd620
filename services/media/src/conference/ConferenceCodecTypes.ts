import type { CodecName } from '@ucserver/shared';

/** The mix runs at 16 kHz mono (wideband voice; G.711 is resampled 8 ⇄ 16 kHz) in 20 ms frames. */
export const mixRate = 16000;
export const frameMs = 20;
export const frameSamples = (mixRate * frameMs) / 1000;

/** Consecutive 20 ms frames concealed before a participant falls silent (100 ms). */
export const maxConcealedFrames = 5;

/** The codecs the mixer decodes and encodes. */
export type MixableCodecName = Extract<CodecName, 'opus' | 'PCMU' | 'PCMA'>;

/** One participant's decoder and encoder, at the mix rate. */
export interface ConferenceCodec {
  readonly name: MixableCodecName;
  /** RTP clock ticks per 20 ms frame sent. */
  readonly frameTicks: number;
  /** One RTP payload as mix-rate samples (a payload of any duration). */
  decode(payload: Buffer): Int16Array;
  /** 20 ms standing in for a lost packet, fading to silence; null once `maxConcealedFrames` ran out. */
  conceal(): Int16Array | null;
  /** One mixed 20 ms frame (`frameSamples`) as an RTP payload. */
  encode(frame: Int16Array): Buffer;
  /** Frees the codec's memory. Idempotent. */
  close(): void;
}
