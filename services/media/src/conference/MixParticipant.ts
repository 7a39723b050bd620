import { JitterBuffer } from './JitterBuffer.ts';
import { buildRtp, parseRtp } from './rtp.ts';
import { frameSamples, type ConferenceCodec } from './ConferenceCodecTypes.ts';
import type { MixParticipantOptions, MixParticipantStats } from './MixParticipantTypes.ts';

/** Decoded samples held beyond one frame at most (a 120 ms packet); more is dropped, oldest first. */
const maxPending = 8 * frameSamples;

/**
 * One participant of a mix: its RTP in (jitter buffer → decoder, concealment for a gap), one 20 ms
 * frame per tick out of it, and its mixed feed encoded back into RTP with its own sequence and clock.
 */
export class MixParticipant {
  readonly id: string;
  readonly #codec: ConferenceCodec;
  readonly #inPayloadType: number;
  readonly #outPayloadType: number;
  readonly #outSsrc: number;
  readonly #jitter: JitterBuffer<Buffer>;
  /** Decoded samples not yet mixed (a packet longer than 20 ms spans ticks). */
  #pending = new Int16Array(maxPending);
  #pendingLength = 0;
  readonly #frame = new Int16Array(frameSamples);
  /** The mixed feed for this participant, written by the mixer each tick. */
  readonly feed = new Int16Array(frameSamples);
  #seq = Math.floor(Math.random() * 0x10000);
  #timestamp = Math.floor(Math.random() * 0x100000000);
  #first = true;
  #closed = false;
  readonly #stats = { received: 0, discarded: 0, concealed: 0, sent: 0 };

  constructor(options: MixParticipantOptions) {
    this.id = options.id;
    this.#codec = options.codec;
    this.#inPayloadType = options.inPayloadType;
    this.#outPayloadType = options.outPayloadType;
    this.#outSsrc = options.outSsrc;
    this.#jitter = new JitterBuffer({ capacity: options.jitterCapacity ?? 16, targetDepth: options.jitterDepth ?? 3 });
  }

  get codecName(): string {
    return this.#codec.name;
  }

  get stats(): MixParticipantStats {
    return { ...this.#jitter.stats, ...this.#stats };
  }

  /** One RTP packet from the participant; anything else is counted and dropped. */
  receive(packet: Buffer): void {
    if (this.#closed) return;
    const rtp = parseRtp(packet);
    if (!rtp || rtp.payloadType !== this.#inPayloadType || rtp.payload.length === 0) {
      this.#stats.discarded += 1;
      return;
    }
    this.#stats.received += 1;
    // The packet's buffer may be reused by its sender: keep a copy of the payload only.
    this.#jitter.push(rtp.sequenceNumber, Buffer.from(rtp.payload));
  }

  /** The participant's next 20 ms (decoded, or concealed), or null when there is nothing to play. */
  take(): Int16Array | null {
    while (this.#pendingLength < frameSamples) {
      const next = this.#jitter.pop();
      if (next.kind === 'empty') break;
      let pcm: Int16Array | null;
      if (next.kind === 'packet') {
        try {
          pcm = this.#codec.decode(next.item);
        } catch {
          this.#stats.discarded += 1;
          pcm = this.#conceal();
        }
      } else {
        pcm = this.#conceal();
      }
      if (pcm) this.#append(pcm);
    }
    if (this.#pendingLength === 0) {
      // Nothing buffered (before the first packets, or an underrun): conceal the gap, fading out.
      const pcm = this.#jitter.playing || this.#stats.received > 0 ? this.#conceal() : null;
      if (!pcm) return null;
      this.#append(pcm);
    }
    const n = Math.min(frameSamples, this.#pendingLength);
    this.#frame.set(this.#pending.subarray(0, n));
    this.#frame.fill(0, n);
    this.#pending.copyWithin(0, n, this.#pendingLength);
    this.#pendingLength -= n;
    return this.#frame;
  }

  /** The current `feed` encoded as this participant's next RTP packet. */
  emit(): Buffer {
    const payload = this.#codec.encode(this.feed);
    const packet = buildRtp({ payloadType: this.#outPayloadType, marker: this.#first, sequenceNumber: this.#seq, timestamp: this.#timestamp, ssrc: this.#outSsrc }, payload);
    this.#first = false;
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + this.#codec.frameTicks) >>> 0;
    this.#stats.sent += 1;
    return packet;
  }

  /** A tick that sent nothing still advances the clock, so the receiver sees the gap's duration. */
  skip(): void {
    this.#timestamp = (this.#timestamp + this.#codec.frameTicks) >>> 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#jitter.reset();
    this.#codec.close();
  }

  #conceal(): Int16Array | null {
    const pcm = this.#codec.conceal();
    if (pcm) this.#stats.concealed += 1;
    return pcm;
  }

  #append(pcm: Int16Array): void {
    let source = pcm;
    if (this.#pendingLength + source.length > maxPending) {
      // Bounded: keep the newest samples.
      const drop = this.#pendingLength + source.length - maxPending;
      if (drop >= this.#pendingLength) {
        source = source.subarray(drop - this.#pendingLength);
        this.#pendingLength = 0;
      } else {
        this.#pending.copyWithin(0, drop, this.#pendingLength);
        this.#pendingLength -= drop;
      }
    }
    this.#pending.set(source, this.#pendingLength);
    this.#pendingLength += source.length;
  }
}
