import { decodeG711, encodeG711, type G711Law } from './g711.ts';
import { Downsampler2, Upsampler2 } from './resample.ts';
import { frameSamples, maxConcealedFrames, type ConferenceCodec } from './ConferenceCodecTypes.ts';

/** Largest G.711 payload decoded (120 ms at 8 kHz); longer ones are cut, never allocated unbounded. */
const maxPayload = 960;

/**
 * PCMU or PCMA for the mix: 8 kHz code words ⇄ 16 kHz samples. G.711 has no concealment of its own,
 * so a lost frame repeats the last 20 ms heard, each repetition at half the level, then silence.
 */
export class G711Codec implements ConferenceCodec {
  readonly name: 'PCMU' | 'PCMA';
  readonly frameTicks = 160;
  readonly #law: G711Law;
  readonly #up = new Upsampler2();
  readonly #down = new Downsampler2();
  readonly #narrow = new Int16Array(maxPayload);
  readonly #last = new Int16Array(frameSamples);
  #lastValid = false;
  #concealed = 0;

  constructor(name: 'PCMU' | 'PCMA') {
    this.name = name;
    this.#law = name === 'PCMU' ? 'ulaw' : 'alaw';
  }

  decode(payload: Buffer): Int16Array {
    const n = decodeG711(this.#law, payload.subarray(0, maxPayload), this.#narrow);
    const wide = new Int16Array(2 * n);
    this.#up.process(this.#narrow.subarray(0, n), wide);
    if (wide.length >= frameSamples) {
      this.#last.set(wide.subarray(wide.length - frameSamples));
      this.#lastValid = true;
    }
    this.#concealed = 0;
    return wide;
  }

  conceal(): Int16Array | null {
    if (!this.#lastValid || this.#concealed >= maxConcealedFrames) return null;
    this.#concealed += 1;
    const shift = this.#concealed;
    const frame = new Int16Array(frameSamples);
    for (let i = 0; i < frameSamples; i++) frame[i] = this.#last[i]! >> shift;
    return frame;
  }

  encode(frame: Int16Array): Buffer {
    const narrow = new Int16Array(frame.length >> 1);
    this.#down.process(frame, narrow);
    return encodeG711(this.#law, narrow);
  }

  close(): void {}
}
