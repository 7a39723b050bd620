import { frameSamples, maxConcealedFrames } from './ConferenceCodecTypes.ts';

/**
 * Packet-loss concealment by repetition: a lost 20 ms frame is the last 20 ms heard again, each
 * repetition at half the level of the one before, then silence after `maxConcealedFrames`. Used for
 * G.711 (which has no concealment of its own) and for opus (see OpusCodec for why not libopus's PLC).
 */
export class FadeConcealer {
  readonly #last = new Int16Array(frameSamples);
  #valid = false;
  #concealed = 0;

  /** Remembers the tail of what was decoded; the next loss starts concealing from it. */
  heard(pcm: Int16Array): void {
    if (pcm.length >= frameSamples) {
      this.#last.set(pcm.subarray(pcm.length - frameSamples));
      this.#valid = true;
    }
    this.#concealed = 0;
  }

  conceal(): Int16Array | null {
    if (!this.#valid || this.#concealed >= maxConcealedFrames) return null;
    this.#concealed += 1;
    const shift = this.#concealed;
    const frame = new Int16Array(frameSamples);
    for (let i = 0; i < frameSamples; i++) frame[i] = this.#last[i]! >> shift;
    return frame;
  }
}
