import OpusScript from 'opusscript';
import { frameSamples, maxConcealedFrames, mixRate, type ConferenceCodec } from './ConferenceCodecTypes.ts';

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
 * (RFC 7587). A lost packet is concealed by libopus's own PLC (an empty packet); opusscript does not
 * expose decoding the next packet's in-band FEC, so FEC helps only the browsers that receive our feed.
 */
export class OpusCodec implements ConferenceCodec {
  readonly name = 'opus';
  readonly frameTicks = 960;
  readonly #decoder: OpusScript;
  readonly #encoder: OpusScript;
  readonly #empty = Buffer.alloc(0);
  #concealed = 0;
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
    this.#concealed = 0;
    return pcm;
  }

  conceal(): Int16Array | null {
    if (this.#concealed >= maxConcealedFrames) return null;
    this.#concealed += 1;
    // libopus conceals as much as the output buffer holds (opusscript's is 60 ms); the first 20 ms is the frame.
    const pcm = samplesOf(this.#decoder.decode(this.#empty));
    return pcm.length >= frameSamples ? pcm.subarray(0, frameSamples) : null;
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
