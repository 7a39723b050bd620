import type { Router, SrtpCryptoSuite } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import { CallFailedError } from '../errors.ts';
import type { PbxVideoSection } from '../sdp/pbxSdp.ts';
import { srtpParameters } from '../sdp/crypto.ts';
import type { PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import type { MediaWiring } from './MediaWiring.ts';
import { PbxLeg } from './PbxLeg.ts';
import type { PbxAnswer, PbxOffer } from './PbxNegotiationTypes.ts';
import type { SsrcWatchdogOptions } from './SsrcWatchdogTypes.ts';

export interface PbxVideoOptions {
  worker: MediaWorker;
  wiring: MediaWiring;
  logger: Logger;
  ssrcWatchdog: Partial<SsrcWatchdogOptions> | false | undefined;
}

/**
 * The video side of a call's PBX leg: a second PlainTransport for the SDP's video m-line, with the
 * Producer of the video the PBX sends and the Consumer of the softphone's camera. A video m-line of
 * RTP/AVP without BUNDLE has its own port (and RTCP port) in SIP, and mediasoup connects a
 * PlainTransport to one remote tuple, so video cannot share the audio transport. It exists while the
 * PBX side carries video: created for our offer or the PBX's, closed when the PBX declines video.
 */
export class PbxVideo {
  readonly #options: PbxVideoOptions;
  #leg: PbxLeg<PbxVideoCodec> | undefined;
  #closed = false;

  constructor(options: PbxVideoOptions) {
    this.#options = options;
  }

  get leg(): PbxLeg<PbxVideoCodec> | undefined {
    return this.#leg;
  }

  /** The video leg, created on `router` when the call has none yet. */
  async ensure(router: Router, rtcpMux: boolean | 'offered', srtpSuite: SrtpCryptoSuite | undefined): Promise<PbxLeg<PbxVideoCodec>> {
    if (this.#leg) return this.#leg;
    const { worker, logger, ssrcWatchdog, wiring } = this.#options;
    const leg = await PbxLeg.create<PbxVideoCodec>({ router, worker, logger: logger.child({ media: 'video' }), rtcpMux, srtpSuite, ssrcWatchdog });
    if (this.#closed) {
      leg.close();
      throw new CallFailedError('call closed while its PBX video leg was created');
    }
    this.#leg = leg;
    wiring.attachPbxVideo(leg);
    return leg;
  }

  /** The PBX's answer to our offer: video taken on the leg it was offered on, or (declined) the leg closes. */
  async applyAnswer(video: PbxAnswer['video']): Promise<void> {
    if (!video || video.leg !== this.#leg) {
      this.drop('the PBX answer declines video');
      return;
    }
    await this.#apply(video.section, video.codec, video.srtp);
  }

  /** The PBX's offer: its video m-line taken on a (new) video leg, or, without one we can take, no video. */
  async applyOffer(router: Router, offer: PbxOffer, codec: PbxVideoCodec | undefined): Promise<PbxLeg<PbxVideoCodec> | undefined> {
    const video = offer.video;
    if (!video || !codec) {
      this.drop('the PBX offer has no video we can take');
      return undefined;
    }
    const leg = await this.ensure(router, video.section.rtcpMux, video.crypto?.usable);
    await this.#apply(video.section, codec, video.crypto ? srtpParameters(video.crypto) : undefined, video.crypto?.usable);
    return leg;
  }

  /** The call no longer carries video toward the PBX. Idempotent. */
  drop(reason: string): void {
    const leg = this.#leg;
    if (!leg) return;
    this.#leg = undefined;
    this.#options.wiring.attachPbxVideo(undefined);
    leg.close();
    this.#options.logger.info({ reason }, 'PBX video leg closed');
  }

  close(): void {
    this.#closed = true;
    this.#leg?.close();
    this.#leg = undefined;
  }

  async #apply(section: PbxVideoSection, codec: PbxVideoCodec, srtp: Parameters<MediaWiring['retargetPbxVideo']>[1], srtpSuite = this.#leg?.srtpSuite): Promise<void> {
    const leg = this.#leg!;
    leg.setCodec(codec);
    await this.#options.wiring.retargetPbxVideo(section, srtp, srtpSuite);
    this.#options.logger.info({ codec: codec.spec.name, send: codec.sendPayloadType, recv: codec.recvPayloadType, remote: `${section.address}:${section.port}` }, 'PBX video taken');
  }
}
