import OpusScript from 'opusscript';
import { FadeConcealer } from './FadeConcealer.ts';
import { frameSamples, mixRate, type ConferenceCodec } from './ConferenceCodecTypes.ts';

/** OPUS_SET_COMPLEXITY: 5 costs about a quarter of the default 9's CPU at 16 kHz voice, with little audible loss. */
const setComplexity = 4010;
const complexity = 5;
const bitrate = 24000;
/** OPUS_SET_INBAND_FEC / OPUS_SET_PACKET_LOSS_PERC: our feed carries FEC for the browser's decoder. */
const setInbandFec = 4012;
const setPacketLossPerc = 4014;

/**
 * opus for the mix (opusscript: libopus compiled to WebAssembly, so nothing is built at install time).
 * Decodes and encodes mono at 16 kHz (libopus resamples any stream to it); the RTP clock stays 48 kHz
 * (RFC 7587). A lost packet is concealed by fading repetition (FadeConcealer), not libopus's PLC:
 * opusscript decodes a PLC request (an empty packet) into a 60 ms output buffer and overruns it into
 * the next allocations of the shared WebAssembly heap — another conference's encoder then fails with
 * "Bad argument" (reproduced with two decoder/encoder pairs; see codecs.test.ts). opusscript does not
 * expose decoding the next packet's in-band FEC either, so FEC helps only the browsers receiving our feed.
 */
export class OpusCodec implements ConferenceCodec {
  readonly name = 'opus';
  readonly frameTicks = 960;
  readonly #decoder: OpusScript;
  readonly #encoder: OpusScript;
  readonly #concealer = new FadeConcealer();
  #closed = false;

  constructor() {
    this.#decoder = new OpusScript(mixRate, 1, OpusScript.Application.VOIP);
    try {
      this.#encoder = new OpusScript(mixRate, 1, OpusScript.Application.VOIP);
    } catch (err) {
      this.#decoder.delete();
      throw err;
    }
    this.#encoder.encoderCTL(setComplexity, complexity);
    this.#encoder.setBitrate(bitrate);
    this.#encoder.encoderCTL(setInbandFec, 1);
    this.#encoder.encoderCTL(setPacketLossPerc, 5);
  }

  decode(payload: Buffer): Int16Array {
    const pcm = samplesOf(this.#decoder.decode(payload));
    this.#concealer.heard(pcm);
    return pcm;
  }

  conceal(): Int16Array | null {
    return this.#concealer.conceal();
  }

  encode(frame: Int16Array): Buffer {
    return this.#encoder.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), frameSamples);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#decoder.delete();
    this.#encoder.delete();
  }
}

/** Little-endian 16-bit samples of a decoder's output, copied (the Buffer may be unaligned). */
function samplesOf(bytes: Buffer): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(2 * i);
  return out;
}
