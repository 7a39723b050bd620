import type { Router, SrtpCryptoSuite } from 'mediasoup/types';
import { CallFailedError, NoCommonCodecError } from '../errors.ts';
import { consumerRtpCapabilities, producerRtpParameters, type BrowserDescription } from '../sdp/browserSdp.ts';
import { CallRouter } from './CallRouter.ts';
import type { CallLegsOptions } from './CallLegsTypes.ts';
import type { CallCodec } from './MediaCallTypes.ts';
import { PbxLeg } from './PbxLeg.ts';
import { PbxVideo } from './PbxVideo.ts';
import { SoftphoneLeg } from './SoftphoneLeg.ts';
import { takeSoftphoneVideo } from './softphoneVideo.ts';

/**
 * The legs of one call and what they live on: its hold on a router (CallRouter), the softphone's WebRTC
 * leg, the PBX's RTP leg and its video leg (PbxVideo). Each leg is attached to the call's wiring as it is
 * created, the softphone's Producers follow once the codec is fixed, and all close together. Apart from
 * MediaCall so the call object stays about its commands and lifecycle.
 */
export class CallLegs {
  readonly #options: CallLegsOptions;
  readonly #callRouter: CallRouter;
  readonly #pbxVideo: PbxVideo;
  #softphone: SoftphoneLeg | undefined;
  #pbx: PbxLeg | undefined;
  /** A softphone leg made ahead (prepareSoftphone), not the call's until createSoftphone takes it. */
  #ahead: Promise<SoftphoneLeg> | undefined;

  constructor(options: CallLegsOptions) {
    this.#options = options;
    this.#callRouter = new CallRouter({ worker: options.worker, prefer: options.preferRouter, onWorkerClose: () => options.fail('media worker died') });
    this.#pbxVideo = new PbxVideo({ worker: options.worker, wiring: options.wiring, logger: options.logger, ssrcWatchdog: options.ssrcWatchdog });
  }

  /** The call's router, once taken. */
  get router(): Router | undefined {
    return this.#callRouter.router;
  }

  get softphone(): SoftphoneLeg | undefined {
    return this.#softphone;
  }

  get pbx(): PbxLeg | undefined {
    return this.#pbx;
  }

  /** The PBX side's video (its leg while the PBX side carries video). */
  get pbxVideo(): PbxVideo {
    return this.#pbxVideo;
  }

  get count(): number {
    return (this.#softphone ? 1 : 0) + (this.#pbx ? 1 : 0);
  }

  /**
   * Starts the softphone leg's transport now, on the router the PBX leg is taking: an incoming call is
   * offered to a softphone next, and its softphoneCreateOffer then finds the transport made (issue 16:
   * the worker creates both in one go, ~2 ms less on the way to the callee). Unseen until createSoftphone
   * takes it; closed with the call if never taken (a call no softphone takes costs one spare transport).
   */
  prepareSoftphone(): void {
    if (this.#softphone || this.#ahead) return;
    const { callId, logger, worker } = this.#options;
    this.#ahead = this.#ensureRouter(new Map()).then((router) => SoftphoneLeg.create({ router, webRtcServer: worker.webRtcServer, callId, logger }));
    this.#ahead.catch(() => undefined);
  }

  async createSoftphone(payloadTypes: ReadonlyMap<string, number>): Promise<SoftphoneLeg> {
    const { callId, logger, worker, wiring } = this.#options;
    const ahead = this.#ahead;
    this.#ahead = undefined;
    const router = await this.#ensureRouter(payloadTypes);
    // One made ahead that failed is made again here, as it would have been without it.
    const made = ahead ? await ahead.catch(() => undefined) : undefined;
    const leg = made ?? (await SoftphoneLeg.create({ router, webRtcServer: worker.webRtcServer, callId, logger }));
    if (this.#options.closing()) {
      leg.close();
      throw new CallFailedError(`call closed while its softphone leg was created [callId:${callId}]`);
    }
    this.#softphone = leg;
    leg.on('dtlsfailed', () => this.#options.fail('softphone DTLS failed'));
    wiring.attachSoftphone(leg);
    return leg;
  }

  async createPbx(rtcpMux: boolean | 'offered', srtpSuite: SrtpCryptoSuite | undefined, payloadTypes: ReadonlyMap<string, number>): Promise<PbxLeg> {
    const { callId, logger, worker, wiring } = this.#options;
    const router = await this.#ensureRouter(payloadTypes);
    const leg = await PbxLeg.create({
      router,
      worker,
      logger,
      rtcpMux,
      srtpSuite,
      ssrcWatchdog: this.#options.ssrcWatchdog,
    });
    if (this.#options.closing()) {
      leg.close();
      throw new CallFailedError(`call closed while its PBX leg was created [callId:${callId}]`);
    }
    this.#pbx = leg;
    wiring.attachPbx(leg, [worker.announcedAddress, worker.listenIp]);
    return leg;
  }

  /** Creates the softphone microphone Producer and the receive parameters from its SDP, in the call's codec. */
  async produceSoftphone(description: BrowserDescription, callCodec: CallCodec | undefined): Promise<void> {
    const leg = this.#softphone;
    const codec = this.#options.softphoneSide.codec(callCodec, description);
    if (!leg || !codec) throw new NoCommonCodecError(`softphone SDP lacks the call's codec ${callCodec?.name} [callId:${this.#options.callId}]`, description.codecs.map((c) => c.name));
    await leg.produce(producerRtpParameters(description, codec), consumerRtpCapabilities(description, codec));
    this.#options.wiring.reconcilePartner();
  }

  /** Once the codec is fixed: a softphone that offered before it (outgoing call) produces now. */
  async produceWaitingSoftphone(callCodec: CallCodec | undefined): Promise<void> {
    const description = this.#options.softphoneSide.remote;
    if (description && this.#softphone && !this.#softphone.producer) await this.produceSoftphone(description, callCodec);
  }

  /** Once the softphone's video m-line is agreed: its camera Producer and video downlink (see takeSoftphoneVideo). */
  async takeVideo(): Promise<void> {
    const { softphoneSide, logger, wiring } = this.#options;
    if (await takeSoftphoneVideo(this.#softphone, softphoneSide, logger)) await wiring.reconcile().then(() => wiring.reconcilePartner());
  }

  /** Closes every leg and gives the router back (the call's wiring is closed first). */
  close(): void {
    this.#ahead?.then((leg) => leg.close(), () => undefined);
    this.#ahead = undefined;
    this.#softphone?.close();
    this.#pbx?.close();
    this.#pbxVideo.close();
    this.#callRouter.release();
  }

  /** The call's router, taken on first use with the payload types of the call's first SDP. */
  #ensureRouter(payloadTypes: ReadonlyMap<string, number>): Promise<Router> {
    return this.#callRouter.ensure(payloadTypes);
  }
}
