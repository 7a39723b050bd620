import { EventEmitter } from 'node:events';
import type { Consumer, DtlsParameters, Producer, RtpCapabilities, RtpParameters, WebRtcTransport } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import { AllocationError, CallStateError } from '../errors.ts';
import { ConsumerFeed } from './ConsumerFeed.ts';
import type { SoftphoneLegEvents, SoftphoneLegOptions, SoftphoneLegState } from './SoftphoneLegTypes.ts';

/**
 * The WebRTC leg to a user's softphone: a WebRtcTransport on the worker's WebRtcServer (ICE-lite,
 * DTLS-SRTP), the Producer of the softphone's microphone and the Consumer of what it hears. What it hears
 * (the downlink source) is set by the call: the PBX leg's Producer, or on Direct Media the other call's
 * softphone Producer.
 */
export class SoftphoneLeg extends EventEmitter<SoftphoneLegEvents> {
  readonly transport: WebRtcTransport;
  readonly #logger: Logger;
  #mid: string | undefined;
  #producer: Producer | undefined;
  /** Set once the softphone's codec and receive parameters are known (the downlink can then exist). */
  #receiveCapabilities: RtpCapabilities | undefined;
  readonly #downlink: ConsumerFeed;
  /** The softphone's video m-line, once the call carries video: its mid, camera Producer and what it receives. */
  #video: { mid: string; producer: Producer | undefined; receiveCapabilities: RtpCapabilities } | undefined;
  readonly #videoDownlink: ConsumerFeed;
  #dtlsConnected = false;
  #answered = false;
  #closed = false;

  private constructor(transport: WebRtcTransport, logger: Logger) {
    super();
    this.transport = transport;
    this.#logger = logger;
    // setDownlink() feeds only once the receive parameters and the m-line are known.
    this.#downlink = new ConsumerFeed({
      consume: async (source, paused) => {
        try {
          return await transport.consume({ producerId: source.id, rtpCapabilities: this.#receiveCapabilities!, paused, mid: this.#mid!, appData: { leg: 'softphone' } });
        } catch (err) {
          throw new AllocationError(`cannot create the softphone consumer [legId:${this.id}]: ${(err as Error).message}`, { cause: err });
        }
      },
      wanted: () => !this.#closed,
    });
    this.#downlink.on('@close', () => this.emit('@downlinkclose'));
    // A new video Consumer starts with a key frame request to its source (mediasoup sends PLI/FIR on
    // creation and on resume), so a new receiver or a retrieve from hold gets a picture at once.
    this.#videoDownlink = new ConsumerFeed({
      consume: async (source, paused) => {
        try {
          return await transport.consume({ producerId: source.id, rtpCapabilities: this.#video!.receiveCapabilities, paused, mid: this.#video!.mid, appData: { leg: 'softphone', kind: 'video' } });
        } catch (err) {
          throw new AllocationError(`cannot create the softphone video consumer [legId:${this.id}]: ${(err as Error).message}`, { cause: err });
        }
      },
      wanted: () => !this.#closed && this.#video !== undefined,
    });
    this.#videoDownlink.on('@close', () => this.emit('@downlinkclose'));
    transport.on('dtlsstatechange', (state) => {
      this.#logger.debug({ dtlsState: state }, 'softphone DTLS state');
      if (state === 'failed') this.emit('dtlsfailed');
    });
    transport.on('routerclose', () => this.#closeFromParent());
    transport.on('listenserverclose', () => this.#closeFromParent());
  }

  static async create(options: SoftphoneLegOptions): Promise<SoftphoneLeg> {
    let transport: WebRtcTransport;
    try {
      transport = await options.router.createWebRtcTransport({
        webRtcServer: options.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        appData: { callId: options.callId, leg: 'softphone' },
      });
    } catch (err) {
      throw new AllocationError(`cannot create the softphone transport [callId:${options.callId}]`, { cause: err });
    }
    return new SoftphoneLeg(transport, options.logger.child({ legId: transport.id }));
  }

  get id(): string {
    return this.transport.id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mid(): string | undefined {
    return this.#mid;
  }

  set mid(mid: string | undefined) {
    this.#mid = mid;
  }

  get producer(): Producer | undefined {
    return this.#producer;
  }

  get downlink(): Consumer | undefined {
    return this.#downlink.consumer;
  }

  /** The softphone's camera Producer, when the call carries video and it sends. */
  get videoProducer(): Producer | undefined {
    return this.#video?.producer;
  }

  get videoDownlink(): Consumer | undefined {
    return this.#videoDownlink.consumer;
  }

  /** The call carries video on this leg (its video m-line was taken). */
  get hasVideo(): boolean {
    return this.#video !== undefined;
  }

  /**
   * Takes the softphone's video m-line `mid`: what it can receive there and, when it sends
   * (`rtpParameters`), the Producer of its camera. Once per leg.
   */
  async produceVideo(mid: string, rtpParameters: RtpParameters | undefined, receiveCapabilities: RtpCapabilities): Promise<Producer | undefined> {
    this.#assertOpen();
    if (this.#video) throw new CallStateError(`softphone leg already has video [legId:${this.id}]`);
    this.#video = { mid, producer: undefined, receiveCapabilities };
    if (!rtpParameters) return undefined;
    try {
      this.#video.producer = await this.transport.produce({ kind: 'video', rtpParameters, appData: { leg: 'softphone', kind: 'video' } });
    } catch (err) {
      throw new AllocationError(`cannot create the softphone video producer [legId:${this.id}]: ${(err as Error).message}`, { cause: err });
    }
    return this.#video.producer;
  }

  /**
   * The softphone no longer takes video (its re-offer set the video m-line to port 0): closes its camera
   * Producer (a partner's Consumer of it closes with it) and its video downlink.
   */
  dropVideo(): void {
    const video = this.#video;
    if (!video) return;
    this.#video = undefined;
    this.#videoDownlink.clear();
    video.producer?.close();
  }

  /** Makes the softphone see `source` (paused or not); `undefined` stops its video downlink. */
  async setVideoDownlink(source: Producer | undefined, paused: boolean): Promise<void> {
    if (this.#closed || !this.#video) return;
    await this.#videoDownlink.set(source, paused);
  }

  get state(): SoftphoneLegState {
    if (this.#closed) return 'closed';
    const dtls = this.transport.dtlsState;
    if (dtls === 'connected') return this.transport.iceState === 'disconnected' ? 'disconnected' : 'connected';
    if (dtls === 'failed') return 'failed';
    if (this.#answered) return 'answered';
    return this.#mid === undefined ? 'new' : 'offered';
  }

  /** Gives the transport the softphone's DTLS role and fingerprints (once). */
  async connect(dtlsParameters: DtlsParameters): Promise<void> {
    this.#assertOpen();
    if (this.#dtlsConnected) throw new CallStateError(`softphone leg already has its DTLS parameters [legId:${this.id}]`);
    this.#dtlsConnected = true;
    await this.transport.connect({ dtlsParameters });
  }

  /** Creates the Producer of the softphone's microphone and records what it can receive. */
  async produce(rtpParameters: RtpParameters, receiveCapabilities: RtpCapabilities): Promise<Producer> {
    this.#assertOpen();
    if (this.#producer) throw new CallStateError(`softphone leg already produces [legId:${this.id}]`);
    let producer: Producer;
    try {
      producer = await this.transport.produce({ kind: 'audio', rtpParameters, appData: { leg: 'softphone' } });
    } catch (err) {
      throw new AllocationError(`cannot create the softphone producer [legId:${this.id}]: ${(err as Error).message}`, { cause: err });
    }
    this.#producer = producer;
    this.#receiveCapabilities = receiveCapabilities;
    this.#answered = true;
    return producer;
  }

  /**
   * Makes the softphone hear `source` (paused or not); `undefined` stops the downlink. Replacing the
   * source replaces the Consumer (a Consumer belongs to one Producer), so the SSRC the softphone
   * receives changes; it follows through the MID header extension.
   */
  async setDownlink(source: Producer | undefined, paused: boolean): Promise<void> {
    if (this.#closed || !this.#receiveCapabilities || !this.#mid) return;
    await this.#downlink.set(source, paused);
  }

  /** Closes the transport (and its producer and consumer). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#downlink.forget();
    this.#videoDownlink.forget();
    this.transport.close();
    this.emit('@close');
  }

  #closeFromParent(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#downlink.forget();
    this.#videoDownlink.forget();
    this.emit('@close');
  }

  #assertOpen(): void {
    if (this.#closed) throw new CallStateError(`softphone leg is closed [legId:${this.id}]`);
  }
}
