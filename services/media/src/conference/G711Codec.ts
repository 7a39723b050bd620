import { decodeG711, encodeG711, type G711Law } from './g711.ts';
import { FadeConcealer } from './FadeConcealer.ts';
import { Downsampler2, Upsampler2 } from './resample.ts';
import type { ConferenceCodec } from './ConferenceCodecTypes.ts';

/** Largest G.711 payload decoded (120 ms at 8 kHz); longer ones are cut, never allocated unbounded. */
const maxPayload = 960;

/**
 * PCMU or PCMA for the mix: 8 kHz code words ⇄ 16 kHz samples. G.711 has no concealment of its own:
 * a lost frame is concealed by fading repetition (FadeConcealer).
 */
export class G711Codec implements ConferenceCodec {
  readonly name: 'PCMU' | 'PCMA';
  readonly frameTicks = 160;
  readonly #law: G711Law;
  readonly #up = new Upsampler2();
  readonly #down = new Downsampler2();
  readonly #narrow = new Int16Array(maxPayload);
  readonly #concealer = new FadeConcealer();

  constructor(name: 'PCMU' | 'PCMA') {
    this.name = name;
    this.#law = name === 'PCMU' ? 'ulaw' : 'alaw';
  }

  decode(payload: Buffer): Int16Array {
    const n = decodeG711(this.#law, payload.subarray(0, maxPayload), this.#narrow);
    const wide = new Int16Array(2 * n);
    this.#up.process(this.#narrow.subarray(0, n), wide);
    this.#concealer.heard(wide);
    return wide;
  }

  conceal(): Int16Array | null {
    return this.#concealer.conceal();
  }

  encode(frame: Int16Array): Buffer {
    const narrow = new Int16Array(frame.length >> 1);
    this.#down.process(frame, narrow);
    return encodeG711(this.#law, narrow);
  }

  close(): void {}
}
