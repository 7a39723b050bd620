import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Consumer, PlainTransport, Producer, Router, SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import { AllocationError, CallStateError } from '../errors.ts';
import { pbxConsumerRtpCapabilities, pbxProducerRtpParameters, type PbxCodec } from '../sdp/pbxSdp.ts';
import { pbxVideoConsumerRtpCapabilities, pbxVideoProducerRtpParameters, type PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import { ConsumerFeed } from './ConsumerFeed.ts';
import { SsrcLearner } from './SsrcLearner.ts';
import { SsrcWatchdog } from './SsrcWatchdog.ts';
import type { SsrcWatchdogTarget } from './SsrcWatchdogTypes.ts';
import type { PbxLegEvents, PbxLegOptions, PbxRemote } from './PbxLegTypes.ts';
import { connectParameters, createOnNewPorts, createTransport, describeTarget, sameConnectParameters, type LegPorts } from './pbxTransport.ts';

/** What a PBX leg carries: the call's audio (PbxCodec) or its video (PbxVideoCodec), each on its own m-line and port. */
export type PbxLegCodec = PbxCodec | PbxVideoCodec;

/**
 * The RTP (or SDES-SRTP) leg to the PBX for one m-line: a PlainTransport, the Producer of what the PBX
 * sends and the Consumer of what it receives. mediasoup connects a PlainTransport once, so re-targeting
 * to another address (re-INVITE) re-creates the transport on the same local port(s), which the leg holds
 * in the worker's PortSlice for its whole life.
 */
export class PbxLeg<C extends PbxLegCodec = PbxCodec> extends EventEmitter<PbxLegEvents> {
  /** Stable across transport re-creation. */
  readonly id = randomUUID();
  /** RTP and RTCP on one port as agreed in SDP (see the getter). */
  #rtcpMux: boolean;
  /** The current transport is muxed: also while our offer of a=rtcp-mux waits for its answer. */
  #transportMux: boolean;
  readonly #router: Router;
  readonly #worker: MediaWorker;
  readonly #logger: Logger;
  #transport: PlainTransport;
  /**
   * The leg's ports, booked in the worker's PortSlice until the leg closes: every transport of the leg is
   * bound to them. Were one freed while the leg lives, another call would be handed it, and its socket
   * (bound last, SO_REUSEADDR) would receive all of this leg's packets. The RTCP port stays booked once
   * RTCP is muxed, as it was offered.
   */
  readonly #ports: LegPorts;
  /**
   * The current transport's SDES key, read once per transport: mediasoup's `srtpParameters` getter
   * deep-copies on every read (structuredClone), and it is read for every SDP written.
   */
  #srtp: SrtpParameters | undefined;
  #srtpSuite: SrtpCryptoSuite | undefined;
  #remote: PbxRemote | undefined;
  #connectedTo: PbxRemote | undefined;
  #codec: C | undefined;
  #active = false;
  #producer: Producer | undefined;
  #producerSsrc: number | undefined;
  #learnedSsrc: number | undefined;
  #learner: SsrcLearner | undefined;
  #producing: Promise<void> | undefined;
  readonly #uplink: ConsumerFeed;
  /** Retired transports' byte counters are kept by the call's stats ledger; this counts re-creations. */
  #generation = 0;
  readonly #watchdog: SsrcWatchdog | undefined;
  #closed = false;

  private constructor(transport: PlainTransport, ports: LegPorts, transportMux: boolean, options: PbxLegOptions) {
    super();
    this.#transport = transport;
    this.#srtp = transport.srtpParameters;
    this.#ports = ports;
    this.#router = options.router;
    this.#worker = options.worker;
    this.#rtcpMux = options.rtcpMux === true;
    this.#transportMux = transportMux;
    this.#srtpSuite = options.srtpSuite;
    this.#logger = options.logger.child({ legId: this.id });
    this.#uplink = new ConsumerFeed({
      // setUplink() feeds only once the codec is fixed.
      consume: async (source, paused) => {
        try {
          return await this.#transport.consume({ producerId: source.id, rtpCapabilities: consumerCapabilities(this.#codec!), paused, appData: { leg: 'pbx' } });
        } catch (err) {
          throw new AllocationError(`cannot create the PBX consumer [legId:${this.id}]: ${(err as Error).message}`, { cause: err });
        }
      },
      wanted: () => !this.#closed && this.#active,
    });
    this.#watch(transport);
    this.#watchdog = options.ssrcWatchdog === false
      ? undefined
      : new SsrcWatchdog({ target: () => this.#watchdogTarget(), relearn: () => this.relearn() }, options.ssrcWatchdog ?? {}, this.#logger);
  }

  /**
   * A leg on new ports: one when RTCP is muxed, else a second for RTCP. A leg created for our offer
   * (rtcpMux 'offered': a=rtcp-mux with a separate RTCP port, RFC 5761 §5.1.3) starts on a muxed
   * transport, as nearly every answer multiplexes, its RTCP port only booked: an answer without
   * a=rtcp-mux re-creates it non-muxed on both ports (see configure()). Before the answer the transport
   * is not connected, so it sends nothing and drops what it receives either way. Not with SDES-SRTP: our
   * key is in the offer, and a re-created transport has a new one, so that leg starts non-muxed and the
   * offer does not offer a=rtcp-mux (PbxNegotiation).
   */
  static async create<C extends PbxLegCodec = PbxCodec>(options: PbxLegOptions): Promise<PbxLeg<C>> {
    const transportMux = options.rtcpMux === true || (options.rtcpMux === 'offered' && options.srtpSuite === undefined);
    const { transport, ports } = await createOnNewPorts(options.router, options.worker, { rtcpMux: transportMux, rtcpPort: options.rtcpMux !== true, srtpSuite: options.srtpSuite });
    return new PbxLeg<C>(transport, ports, transportMux, options);
  }

  /** RTP and RTCP on one port; once muxed, for good (its transport is re-created with the same ports). */
  get rtcpMux(): boolean {
    return this.#rtcpMux;
  }

  get transport(): PlainTransport {
    return this.#transport;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Our RTP address and port as written in SDP. */
  get local(): { address: string; port: number } {
    return { address: this.#worker.announcedAddress, port: this.#ports.port };
  }

  /** Our RTCP port when RTCP has its own (non-mux), or may have (our offer of a=rtcp-mux, not answered yet). */
  get localRtcpPort(): number | undefined {
    return this.#rtcpMux ? undefined : this.#ports.rtcpPort;
  }

  /** Our SDES key (what we encrypt with); undefined for plain RTP. */
  get srtpParameters(): SrtpParameters | undefined {
    return this.#srtp;
  }

  get srtpSuite(): SrtpCryptoSuite | undefined {
    return this.#srtpSuite;
  }

  get remote(): PbxRemote | undefined {
    return this.#remote;
  }

  get codec(): C | undefined {
    return this.#codec;
  }

  get producer(): Producer | undefined {
    return this.#producer;
  }

  get uplink(): Consumer | undefined {
    return this.#uplink.consumer;
  }

  /** The transport is connected to a remote (not the case while the remote is one of our own tuples). */
  get connected(): boolean {
    return this.#connectedTo !== undefined;
  }

  get generation(): number {
    return this.#generation;
  }

  get state(): string {
    if (this.#closed) return 'closed';
    if (!this.#remote) return 'offered';
    if (!this.#connectedTo) return 'idle';
    return this.#producer ? 'flowing' : 'connected';
  }

  /**
   * Fixes or changes the codec. A different payload type or codec invalidates the Producer and the
   * uplink Consumer, which are re-created.
   */
  setCodec(codec: C): void {
    const old = this.#codec;
    this.#codec = codec;
    if (!old) return;
    if (numbering(old, 'recv') !== numbering(codec, 'recv')) this.#closeProducer();
    if (numbering(old, 'send') !== numbering(codec, 'send')) this.#uplink.clear();
  }

  /**
   * Applies the PBX's SDP: its SRTP suite (a change re-creates the transport, so do this before writing
   * our SDP, which carries our new key) and its address. `connect` is false while the address is one
   * of this node's own tuples (Direct Media): then no packet is sent and the transport stays as it is.
   * The transport is re-created only when what mediasoup sends to changes (RTP address and port, the
   * RTCP port when RTCP is not multiplexed, the PBX's key): an a=rtcp change under rtcp-mux, a new
   * direction or a new SSRC keep the transport, its port and the SSRC of what we send.
   */
  async configure(options: { remote: PbxRemote; srtpSuite: SrtpCryptoSuite | undefined; connect: boolean }): Promise<void> {
    this.#assertOpen();
    const { remote, srtpSuite, connect } = options;
    // RFC 5761: we offered a=rtcp-mux (or answer it now), so RTCP comes to our RTP port. mediasoup's
    // non-muxed transport drops RTCP there (it takes RTCP only from the RTCP tuple): the transport must
    // be muxed, or PLI/FIR from the PBX would never reach a camera. Once muxed, for good.
    if (remote.rtcpMux) this.#rtcpMux = true;
    if (srtpSuite !== this.#srtpSuite) {
      this.#srtpSuite = srtpSuite;
      await this.#recreate('srtp suite changed');
    } else if (this.#transportMux !== this.#rtcpMux) {
      // Our offer's muxed transport, answered without a=rtcp-mux: RTCP goes to our a=rtcp port; or a
      // non-muxed one the PBX now multiplexes.
      await this.#recreate(this.#rtcpMux ? 'the PBX multiplexes RTCP' : 'the PBX does not multiplex RTCP');
    }
    this.#remote = remote;
    if (!connect) return;
    const target = connectParameters(remote, this.rtcpMux);
    if (this.#connectedTo) {
      const current = connectParameters(this.#connectedTo, this.rtcpMux);
      if (sameConnectParameters(current, target)) {
        this.#connectedTo = remote;
        return;
      }
      this.#logger.info({ from: describeTarget(current), to: describeTarget(target) }, 'PBX remote changed');
      await this.#recreate('remote address changed');
    }
    if (!this.#connectedTo) {
      try {
        await this.#transport.connect(target);
      } catch (err) {
        throw new AllocationError(`cannot connect the PBX transport to ${remote.address}:${remote.port} [legId:${this.id}]: ${(err as Error).message}`, { cause: err });
      }
      this.#connectedTo = remote;
      this.#logger.debug({ remote: `${remote.address}:${remote.port}` }, 'PBX leg connected');
    }
  }

  /**
   * Active: the leg carries the call's audio over UDP (remote is a real PBX address, no Direct Media).
   * Inactive: its Producer, Consumer and SSRC learner are closed, so not one packet (nor RTCP) leaves.
   */
  async setActive(active: boolean): Promise<void> {
    if (this.#closed) return;
    const wasActive = this.#active;
    this.#active = active && this.#connectedTo !== undefined;
    if (!this.#active) {
      this.#stopLearning();
      this.#closeProducer();
      this.#uplink.clear();
      return;
    }
    await this.#ensureProducer();
    // Coming back (e.g. from Direct Media): a remembered SSRC may be stale, so check the next packet.
    if (!wasActive && this.#producer) await this.relearn();
  }

  /**
   * Re-reads the PBX's SSRC from its next packet: after every SDP applied to the leg (the far end may
   * have re-created its stream) and when the SSRC watchdog sees packets that reach no Producer. The
   * current Producer stays until a different SSRC is read. A no-op while inactive or when the PBX's SDP
   * names its SSRC.
   */
  async relearn(): Promise<void> {
    if (!this.#active || this.#remote?.ssrc !== undefined) return;
    await this.#startLearning();
  }

  /** Makes the PBX receive `source` (paused or not); `undefined` sends nothing. */
  async setUplink(source: Producer | undefined, paused: boolean): Promise<void> {
    if (this.#closed) return;
    if (!this.#active || !this.#codec) {
      this.#uplink.clear();
      return;
    }
    await this.#uplink.set(source, paused);
  }

  /** Closes the transport and the SSRC learner. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchdog?.close();
    this.#stopLearning();
    this.#uplink.forget();
    this.#producer = undefined;
    this.#transport.close();
    this.#releasePorts();
    this.emit('@close');
  }

  /** Single-flight: the SSRC learner and the call's wiring may both ask for the Producer at once. */
  #ensureProducer(): Promise<void> {
    this.#producing ??= this.#createProducer().finally(() => {
      this.#producing = undefined;
    });
    return this.#producing;
  }

  async #createProducer(): Promise<void> {
    if (!this.#active || !this.#codec) return;
    const ssrc = this.#remote?.ssrc ?? this.#learnedSsrc;
    if (ssrc === undefined) {
      await this.#startLearning();
      return;
    }
    if (this.#producer && !this.#producer.closed && this.#producerSsrc === ssrc) return;
    this.#closeProducer();
    let producer: Producer;
    try {
      producer = await this.#transport.produce({ kind: isVideo(this.#codec) ? 'video' : 'audio', rtpParameters: producerParameters(this.#codec, ssrc), appData: { leg: 'pbx' } });
    } catch (err) {
      throw new AllocationError(`cannot create the PBX producer [legId:${this.id}, ssrc:${ssrc}]: ${(err as Error).message}`, { cause: err });
    }
    if (this.#closed || !this.#active) {
      producer.close();
      return;
    }
    this.#producer = producer;
    this.#producerSsrc = ssrc;
    producer.on('transportclose', () => {
      if (this.#producer === producer) this.#producer = undefined;
    });
    this.emit('producer');
  }

  async #startLearning(): Promise<void> {
    const remote = this.#connectedTo;
    const codec = this.#codec;
    if (!remote || !codec || this.#learner) return;
    let learner: SsrcLearner;
    try {
      learner = await SsrcLearner.start({
        localIp: this.#worker.listenIp,
        localPort: this.#ports.port,
        remoteIp: remote.address,
        remotePort: remote.port,
        payloadTypes: new Set([codec.recvPayloadType]),
      });
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'cannot start the SSRC learner; PBX audio needs a=ssrc');
      return;
    }
    if (this.#closed || !this.#active || this.#learner) {
      learner.close();
      return;
    }
    this.#learner = learner;
    learner.once('ssrc', (ssrc) => {
      if (this.#learner !== learner) return;
      this.#learner = undefined;
      this.#logger.debug({ ssrc }, 'PBX SSRC learnt');
      this.#learnedSsrc = ssrc;
      this.#ensureProducer().catch((err: unknown) => this.#logger.error({ err }, 'cannot create the PBX producer'));
    });
    learner.once('error', (err) => {
      if (this.#learner === learner) this.#learner = undefined;
      this.#logger.warn({ err: err.message }, 'SSRC learner failed');
    });
  }

  #stopLearning(): void {
    this.#learner?.close();
    this.#learner = undefined;
  }

  #closeProducer(): void {
    const producer = this.#producer;
    this.#producer = undefined;
    this.#producerSsrc = undefined;
    producer?.close();
  }

  /** A new transport on the leg's ports, muxed as agreed (#rtcpMux). */
  async #recreate(reason: string): Promise<void> {
    const old = this.#transport;
    this.#stopLearning();
    this.#uplink.clear();
    this.#closeProducer();
    this.#connectedTo = undefined;
    // Closed first: the worker takes requests in order, so the old sockets are gone before the new ones
    // bind the same ports (the leg keeps them booked meanwhile).
    old.close();
    this.#transport = await createTransport(this.#router, this.#worker, this.#rtcpMux, this.#srtpSuite, this.#ports);
    this.#transportMux = this.#rtcpMux;
    this.#srtp = this.#transport.srtpParameters;
    this.#generation += 1;
    this.#watch(this.#transport);
    this.#logger.debug({ reason, port: this.#ports.port }, 'PBX transport re-created');
  }

  #releasePorts(): void {
    this.#worker.ports.release(this.#ports.port);
    this.#worker.ports.release(this.#ports.rtcpPort);
  }

  #watch(transport: PlainTransport): void {
    transport.on('routerclose', () => {
      if (this.#transport !== transport || this.#closed) return;
      this.#closed = true;
      this.#watchdog?.close();
      this.#stopLearning();
      this.#releasePorts();
      this.emit('@close');
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new CallStateError(`PBX leg is closed [legId:${this.id}]`);
  }

  /** What the SSRC watchdog watches: only while audio should flow with a learnt SSRC, and not while the learner holds the PBX's packets. */
  #watchdogTarget(): SsrcWatchdogTarget | undefined {
    const producer = this.#producer;
    if (this.#closed || !this.#active || !producer || producer.closed || this.#learner || this.#producing || this.#remote?.ssrc !== undefined) return undefined;
    return { transport: this.#transport, producer, ssrc: this.#producerSsrc };
  }
}

function isVideo(codec: PbxLegCodec): codec is PbxVideoCodec {
  return 'kind' in codec && codec.kind === 'video';
}

/** The codec and payload types of one direction: what the PBX sends (`recv`) or receives (`send`); a change re-creates that side. */
function numbering(codec: PbxLegCodec, direction: 'send' | 'recv'): string {
  const pt = direction === 'send' ? codec.sendPayloadType : codec.recvPayloadType;
  const te = isVideo(codec) ? undefined : codec.telephoneEvent;
  const tePt = direction === 'send' ? te?.sendPayloadType : te?.recvPayloadType;
  return `${codec.spec.name}/${pt}/${tePt ?? ''}${isVideo(codec) ? `/${codec.rtcpFeedback.map((f) => `${f.type}:${f.parameter ?? ''}`).join(',')}` : ''}`;
}

function producerParameters(codec: PbxLegCodec, ssrc: number) {
  return isVideo(codec) ? pbxVideoProducerRtpParameters(codec, ssrc) : pbxProducerRtpParameters(codec, ssrc);
}

function consumerCapabilities(codec: PbxLegCodec) {
  return isVideo(codec) ? pbxVideoConsumerRtpCapabilities(codec) : pbxConsumerRtpCapabilities(codec);
}
