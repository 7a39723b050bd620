import { EventEmitter } from 'node:events';
import type { Consumer, DirectTransport, Producer, RtpCodecCapability, RtpCodecParameters } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import { AllocationError, CallStateError, NoCommonCodecError } from '../errors.ts';
import { codecFor, isMixable } from './codecFor.ts';
import { MixParticipant } from './MixParticipant.ts';
import { Mixer } from './Mixer.ts';
import type { ConferenceEvents, ConferenceOptions, ConferenceParticipantDump, ConferenceParticipantSpec } from './ConferenceTypes.ts';

interface Seat {
  participant: MixParticipant;
  source: Producer;
  transport: DirectTransport;
  consumer: Consumer;
  feed: Producer;
}

/**
 * A conference on this node: mediasoup relays but does not mix, so each participant's audio leaves its
 * router through a DirectTransport Consumer into the Node.js process (no sockets, no ports: the worker
 * hands the RTP over its channel), is mixed there (Mixer), and comes back on the same DirectTransport as
 * a Producer, the participant's feed, which its leg consumes instead of its two-party partner. Works
 * across routers and workers: each seat lives on its participant's own call router.
 */
export class Conference extends EventEmitter<ConferenceEvents> {
  readonly id: string;
  readonly #logger: Logger;
  readonly #mixer: Mixer;
  readonly #seats = new Map<string, Seat>();
  #closed = false;

  constructor(options: ConferenceOptions) {
    super();
    this.id = options.id;
    this.#logger = options.logger.child({ conferenceId: options.id });
    this.#mixer = new Mixer({ maxParticipants: options.maxParticipants, manualClock: options.manualClock });
    this.#mixer.on('error', (err) => this.#logger.warn({ err: err.message }, 'conference mix tick failed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#seats.size;
  }

  get participantIds(): string[] {
    return [...this.#seats.keys()];
  }

  /** The participant's feed (the mix without its own voice), for its leg to consume. */
  feedOf(participantId: string): Producer | undefined {
    return this.#seats.get(participantId)?.feed;
  }

  /** The Producer a participant is mixed from. */
  sourceOf(participantId: string): Producer | undefined {
    return this.#seats.get(participantId)?.source;
  }

  /** Mixer timing, for the bench and the node's metrics. */
  get mixerStats(): { ticks: number; skippedTicks: number; busyMs: number } {
    return { ...this.#mixer.stats };
  }

  /** One tick by hand (manualClock). */
  tick(): void {
    this.#mixer.tick();
  }

  dump(): ConferenceParticipantDump[] {
    return [...this.#seats.entries()].map(([id, seat]) => ({ id, codec: seat.participant.codecName, ...seat.participant.stats }));
  }

  /**
   * Seats a participant: its source is consumed into the mix, its feed produced back.
   * @throws CallStateError when closed, full or seated already; NoCommonCodecError for a codec the mixer
   *   does not decode; AllocationError when mediasoup refuses the transport
   */
  async add(spec: ConferenceParticipantSpec): Promise<Producer> {
    if (this.#closed) throw new CallStateError(`the conference is closed [conferenceId:${this.id}]`);
    if (this.#seats.has(spec.id)) throw new CallStateError(`already in the conference [conferenceId:${this.id}, participant:${spec.id}]`);
    if (this.#seats.size >= this.#mixer.maxParticipants) throw new CallStateError(`the conference is full [conferenceId:${this.id}, participant:${spec.id}]`);
    const sourceCodec = spec.source.rtpParameters.codecs.find((c) => !/telephone-event|rtx|cn$/i.test(c.mimeType));
    const name = sourceCodec?.mimeType.split('/')[1] ?? '';
    if (!sourceCodec || !isMixable(name)) throw new NoCommonCodecError(`the conference mixer cannot mix ${name || 'this source'} [participant:${spec.id}]`, [name]);
    const routerCodec = spec.router.rtpCapabilities.codecs?.find((c) => c.kind === 'audio' && c.mimeType.toLowerCase() === sourceCodec.mimeType.toLowerCase() && c.clockRate === sourceCodec.clockRate);
    if (!routerCodec) throw new NoCommonCodecError(`the router has no ${sourceCodec.mimeType} [participant:${spec.id}]`, [name]);
    let transport: DirectTransport;
    try {
      transport = await spec.router.createDirectTransport({ appData: { conference: this.id, participant: spec.id } });
    } catch (err) {
      throw new AllocationError(`cannot create the conference transport [participant:${spec.id}]: ${(err as Error).message}`, { cause: err });
    }
    try {
      const consumer = await transport.consume({ producerId: spec.source.id, rtpCapabilities: { codecs: [routerCodec], headerExtensions: [] } });
      const feedSsrc = randomSsrc();
      const feed = await transport.produce({ kind: 'audio', rtpParameters: { codecs: [producerCodec(routerCodec)], encodings: [{ ssrc: feedSsrc }] }, appData: { conference: this.id, participant: spec.id } });
      if (this.#closed) throw new CallStateError(`the conference closed while a participant joined [conferenceId:${this.id}]`);
      const participant = new MixParticipant({
        id: spec.id,
        codec: codecFor(name),
        inPayloadType: consumer.rtpParameters.codecs[0]!.payloadType,
        outPayloadType: routerCodec.preferredPayloadType!,
        outSsrc: feedSsrc,
      });
      this.#mixer.add(participant, (packet) => {
        if (!feed.closed) feed.send(packet);
      });
      consumer.on('rtp', (packet) => participant.receive(packet));
      consumer.on('producerclose', () => this.emit('sourceclose', spec.id));
      this.#seats.set(spec.id, { participant, source: spec.source, transport, consumer, feed });
      this.#logger.info({ participant: spec.id, codec: name }, 'conference participant joined');
      return feed;
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  /** Takes a participant out; the others mix on. Returns whether it was seated. */
  remove(participantId: string): boolean {
    const seat = this.#seats.get(participantId);
    if (!seat) return false;
    this.#seats.delete(participantId);
    this.#mixer.remove(participantId);
    seat.transport.close();
    this.#logger.info({ participant: participantId, ...seat.participant.stats }, 'conference participant left');
    return true;
  }

  /** Ends the mix and every seat. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mixer.close();
    for (const seat of this.#seats.values()) seat.transport.close();
    this.#seats.clear();
    this.emit('close');
  }
}

/** The router's codec as a Producer's codec parameters. */
function producerCodec(codec: RtpCodecCapability): RtpCodecParameters {
  return {
    mimeType: codec.mimeType,
    payloadType: codec.preferredPayloadType!,
    clockRate: codec.clockRate,
    ...(codec.channels && codec.channels > 1 ? { channels: codec.channels } : {}),
    parameters: codec.parameters ?? {},
    rtcpFeedback: [],
  };
}

function randomSsrc(): number {
  return (Math.floor(Math.random() * 0xfffffff0) + 1) >>> 0;
}
