import { EventEmitter } from 'node:events';
import type { Producer, Router } from 'mediasoup/types';
import type { CodecName, IceCandidate, Logger, MediaCallDump, MediaPath, MediaQuality, SrtpPolicy } from '@ucserver/shared';
import { CallFailedError, CallStateError } from '../errors.ts';
import type { DirectMediaParty } from '../directMedia/DirectMediaTypes.ts';
import { remoteDtlsParameters } from '../sdp/browserSdp.ts';
import { parseTrickleCandidate } from '../sdp/candidates.ts';
import { routerPayloadTypes, type VideoCodecName } from '../sdp/codecs.ts';
import { offeredSrtpSuite, srtpParameters } from '../sdp/crypto.ts';
import { payloadTypesOf } from '../sdp/negotiation.ts';
import type { PbxDescription } from '../sdp/pbxSdp.ts';
import { pbxVideoPayloadTypes, type PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import { videoCodecNames, videoPayloadTypes } from '../sdp/videoSdp.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import { CommandQueue } from './CommandQueue.ts';
import { MediaWiring } from './MediaWiring.ts';
import type { ConferenceFeeds } from './MediaWiringTypes.ts';
import type { PbxLeg } from './PbxLeg.ts';
import { PbxNegotiation } from './PbxNegotiation.ts';
import type { SoftphoneLeg } from './SoftphoneLeg.ts';
import { SoftphoneNegotiation } from './SoftphoneNegotiation.ts';
import { CallStats } from './CallStats.ts';
import { CallLegs } from './CallLegs.ts';
import type { CallCodec, MediaCallEvents, MediaCallOptions, MediaCallSample } from './MediaCallTypes.ts';

/**
 * One CTI call on this node: legs on a (shared) router of one worker, up to two, the softphone's (WebRTC) and
 * the PBX's (RTP/SRTP), bridged in both directions, or, on Direct Media, bridged to another call's
 * softphone. Commands on a call run one at a time, in arrival order. The call owns its codec and its legs
 * (CallLegs, with the router it may share); each side's SDP is its negotiation's (SoftphoneNegotiation,
 * PbxNegotiation), what flows where is its wiring's (MediaWiring), and its statistics are CallStats'.
 */
export class MediaCall extends EventEmitter<MediaCallEvents> implements DirectMediaParty {
  readonly id: string;
  readonly worker: MediaWorker;
  readonly #logger: Logger;
  readonly #commands: CommandQueue;
  readonly #stats: CallStats;
  readonly #softphoneSide: SoftphoneNegotiation;
  readonly #pbxSide: PbxNegotiation;
  readonly #wiring: MediaWiring;
  readonly #legs: CallLegs;
  #codec: CallCodec | undefined;
  /** Who asked for the softphone's answer to be pushed (softphoneOffer's `answerTo`), until it is. */
  #answerTo: string | undefined;
  #closing = false;
  #closeCause = 'normal';

  constructor(options: MediaCallOptions) {
    super();
    this.id = options.id;
    this.worker = options.worker;
    this.#logger = options.logger.child({ callId: options.id });
    this.#commands = new CommandQueue(this.id, options.maxPendingCommands ?? 16, () => (this.#closing ? this.#closeCause : undefined));
    this.#softphoneSide = new SoftphoneNegotiation({ callId: this.id, logger: this.#logger });
    this.#pbxSide = new PbxNegotiation({ callId: this.id, logger: this.#logger });
    this.#wiring = new MediaWiring({ party: this, directMedia: options.directMedia, pbxDirection: this.#pbxSide, softphoneDirection: this.#softphoneSide, logger: this.#logger });
    this.#wiring.on('path', (path) => this.emit('path', path));
    this.#wiring.on('wired', () => this.emit('wired'));
    this.#legs = new CallLegs({
      callId: this.id, worker: this.worker, preferRouter: options.preferRouter, wiring: this.#wiring, softphoneSide: this.#softphoneSide,
      logger: this.#logger, ssrcWatchdog: options.ssrcWatchdog,
      closing: () => this.#closing,
      fail: (cause) => this.#fail(cause),
    });
    this.#stats = new CallStats({ softphone: () => this.#legs.softphone, pbx: () => this.#legs.pbx, pbxVideo: () => this.#legs.pbxVideo.leg }, this.#logger);
  }

  // --- DirectMediaParty ---------------------------------------------------------------------------

  get router(): Router | undefined {
    return this.#legs.router;
  }

  get softphoneProducer(): Producer | undefined {
    return this.#legs.softphone?.producer;
  }

  get softphoneVideoProducer(): Producer | undefined {
    return this.#legs.softphone?.videoProducer;
  }

  get softphoneVideoCodecs(): readonly VideoCodecName[] {
    const agreed = this.#softphoneSide.video;
    const video = this.#softphoneSide.offered ? undefined : this.#softphoneSide.remote?.video;
    return agreed ? [agreed.spec.name] : video ? videoCodecNames(video) : [];
  }

  get pbxRemote(): { address: string; port: number } | undefined {
    return this.#legs.pbx?.remote;
  }

  get codecName(): CodecName | undefined {
    return this.#codec?.name;
  }

  get sendAllowed(): boolean {
    return this.#pbxSide.sendAllowed;
  }

  get pbxProducer(): Producer | undefined {
    return this.#legs.pbx?.producer;
  }

  /** In a conference (ConferenceRooms): the legs consume these mix feeds; undefined restores the bridge. */
  setConferenceFeeds(feeds: ConferenceFeeds | undefined): Promise<void> {
    return this.#wiring.setConference(feeds);
  }

  /** The Direct Media partner closed (see MediaWiring.partnerClosed). */
  partnerClosed(): Promise<void> {
    return this.#wiring.partnerClosed();
  }

  /** Re-applies the media wiring; concurrent requests coalesce into one more pass. */
  requestReconcile(): Promise<void> {
    return this.#wiring.reconcile();
  }

  // --- state --------------------------------------------------------------------------------------

  get closed(): boolean {
    return this.#closing;
  }

  get path(): MediaPath | null {
    return this.#wiring.path;
  }

  /** The call's quality from every sample so far (the live figure; close() reports the final one). */
  get quality(): MediaQuality {
    return this.#stats.quality;
  }

  get legCount(): number {
    return this.#legs.count;
  }

  get softphoneLeg(): SoftphoneLeg | undefined {
    return this.#legs.softphone;
  }

  get pbxLeg(): PbxLeg | undefined {
    return this.#legs.pbx;
  }

  /** The PBX video leg, while the PBX side carries video. */
  get pbxVideoLeg(): PbxLeg<PbxVideoCodec> | undefined {
    return this.#legs.pbxVideo.leg;
  }

  /** On Direct Media: the partner's softphone Producer, whose audio arrives over the link. */
  get directPartnerProducer(): Producer | undefined {
    return this.#wiring.partnerProducer;
  }

  dump(): MediaCallDump {
    const legs: MediaCallDump['legs'] = [];
    if (this.#legs.softphone) legs.push({ legId: this.#legs.softphone.id, kind: 'softphone', state: this.#legs.softphone.state });
    if (this.#legs.pbx) legs.push({ legId: this.#legs.pbx.id, kind: 'pbx', state: this.#legs.pbx.state });
    return { callId: this.id, mediaPath: this.path, codec: this.#codec?.name ?? null, legs };
  }

  // --- commands -----------------------------------------------------------------------------------

  /**
   * The softphone's SDP offer (outgoing call): creates the WebRTC leg; the answer waits for the codec. With
   * `answerTo`, the answer is emitted ('answer') as soon as the PBX's answer fixes the codec.
   */
  softphoneOffer(sdp: string, answerTo?: string): Promise<{ legId: string; codecs: CodecName[] }> {
    return this.#run('softphoneOffer', async () => {
      if (this.#legs.softphone) throw new CallStateError(`call already has a softphone leg [callId:${this.id}]`);
      this.#answerTo = answerTo;
      const { description, codecs } = this.#softphoneSide.readOffer(sdp, this.#codec);
      const leg = await this.#legs.createSoftphone(new Map([...payloadTypesOf(description.codecs), ...videoPayloadTypes(description.video)]));
      leg.mid = description.mid;
      await leg.connect(remoteDtlsParameters(description));
      this.#softphoneSide.connected(description);
      // An incoming PBX offer may have fixed the codec already; the softphone leg can then produce now.
      if (this.#codec) await this.#legs.produceSoftphone(description, this.#codec);
      return { legId: leg.id, codecs };
    });
  }

  /** Our SDP offer toward the PBX (outgoing INVITE): the softphone's codecs, in its order. */
  pbxCreateOffer(srtp: SrtpPolicy): Promise<{ legId: string; sdp: string }> {
    return this.#run('pbxCreateOffer', async () => {
      const offer = this.#softphoneSide.remote;
      if (!offer || !this.#legs.softphone) throw new CallStateError(`pbxCreateOffer needs the softphone's offer first [callId:${this.id}]`);
      if (this.#legs.pbx) throw new CallStateError(`call already has a PBX leg [callId:${this.id}]`);
      // RFC 5761 §5.1.3: offer a=rtcp-mux together with a separate RTCP port, so a PBX that does not
      // multiplex still has somewhere to send RTCP.
      const leg = await this.#legs.createPbx('offered', offeredSrtpSuite(srtp), payloadTypesOf(offer.codecs));
      const video = offer.video ? videoCodecNames(offer.video) : []; // offered to the PBX on a video leg of their own
      const videoLeg = video.length > 0 ? await this.#legs.pbxVideo.ensure(this.#legs.router!, 'offered', leg.srtpSuite) : undefined;
      return { legId: leg.id, sdp: this.#pbxSide.createOffer(leg, offer.codecs, routerPayloadTypes(this.#legs.router), videoLeg && { leg: videoLeg, names: video }) };
    });
  }

  /** Our offer for an incoming INVITE without SDP (see PbxNegotiation.createLateOffer): it fixes the codec. */
  pbxLateOffer(srtp: SrtpPolicy): Promise<{ legId: string; sdp: string }> {
    return this.#run('pbxLateOffer', async () => {
      if (this.#legs.pbx || this.#legs.softphone) throw new CallStateError(`a late offer is for a new call only [callId:${this.id}]`);
      const leg = await this.#legs.createPbx('offered', offeredSrtpSuite(srtp), new Map());
      const { sdp, codec } = this.#pbxSide.createLateOffer(leg, routerPayloadTypes(this.#legs.router));
      this.#codec = codec;
      return { legId: leg.id, sdp };
    });
  }

  /** The PBX's answer to our offer (initial, or a hold/retrieve re-offer); `answered`: in its 2xx, not early media. */
  pbxApplyAnswer(sdp: string, answered = false): Promise<{ codec: CodecName; mediaPath: MediaPath }> {
    return this.#run('pbxApplyAnswer', async () => {
      await this.#stats.sampleBeforePbxChange();
      const answer = this.#pbxSide.acceptAnswer(sdp, this.#codec?.name);
      const { leg, codec } = answer;
      if (answer.initial) {
        this.#codec = { name: codec.spec.name, telephoneEvent: codec.telephoneEvent !== undefined, ptime: answer.description.ptime };
        await this.#legs.produceWaitingSoftphone(this.#codec);
      }
      leg.setCodec(codec);
      await this.#wiring.retargetPbx(answer.description, answer.srtp, leg.srtpSuite);
      await this.#legs.pbxVideo.applyAnswer(answer.video);
      await this.#reconcileNow();
      if (answer.initial) this.#pushAnswer(answered);
      return { codec: codec.spec.name, mediaPath: this.path ?? 'pbx' };
    });
  }

  /** The softphone's SDP answer (outgoing call), in the codec the PBX leg fixed. */
  softphoneAnswer(): Promise<{ sdp: string }> {
    return this.#run('softphoneAnswer', async () => {
      const offered = this.#softphoneSide.remote?.video;
      const sdp = this.#softphoneSide.answer(this.#legs.softphone, this.#codec, offered && this.#videoWith(videoCodecNames(offered)));
      await this.#legs.takeVideo();
      return { sdp };
    });
  }

  /** The node's SDP offer to a called softphone (incoming call), in the codec the PBX leg fixed. */
  softphoneCreateOffer(): Promise<{ legId: string; sdp: string }> {
    return this.#run('softphoneCreateOffer', async () => {
      const codec = this.#codec;
      if (!codec) throw new CallStateError(`softphoneCreateOffer needs the PBX leg to fix the codec first [callId:${this.id}]`);
      if (this.#legs.softphone && !this.#softphoneSide.offered) throw new CallStateError(`call already has a softphone leg from the softphone's offer [callId:${this.id}]`);
      if (this.#legs.softphone?.producer) throw new CallStateError(`the softphone already answered [callId:${this.id}]`);
      const leg = this.#legs.softphone ?? (await this.#legs.createSoftphone(new Map()));
      return { legId: leg.id, sdp: this.#softphoneSide.offer(leg, codec, routerPayloadTypes(this.#legs.router), this.#videoWith(['VP8', 'H264'])) };
    });
  }

  /** The called softphone's SDP answer. */
  softphoneApplyAnswer(sdp: string): Promise<void> {
    return this.#run('softphoneApplyAnswer', async () => {
      const leg = this.#legs.softphone;
      if (!leg || !this.#softphoneSide.offered || !this.#codec) throw new CallStateError(`softphoneApplyAnswer needs the node's offer first [callId:${this.id}]`);
      if (leg.producer) throw new CallStateError(`the softphone already answered [callId:${this.id}]`);
      const answer = this.#softphoneSide.readAnswer(sdp, this.#codec);
      await leg.connect(remoteDtlsParameters(answer));
      this.#softphoneSide.connected(answer);
      await this.#legs.produceSoftphone(answer, this.#codec);
      await this.#legs.takeVideo();
      await this.#reconcileNow();
    });
  }

  /** A trickled candidate (or end-of-candidates) from the softphone; validated, not needed (ICE-lite). */
  softphoneCandidate(candidate: IceCandidate | null): Promise<void> {
    return this.#run('softphoneCandidate', async () => {
      const leg = this.#legs.softphone;
      if (!leg || leg.mid === undefined) throw new CallStateError(`no softphone leg to add a candidate to [callId:${this.id}]`);
      if (candidate !== null) parseTrickleCandidate(candidate, leg.mid, `softphone candidate [callId:${this.id}]`);
    });
  }

  /**
   * A new offer from a connected softphone: an ICE restart, or hold/retrieve by direction (see
   * SoftphoneNegotiation.reoffer); the wiring follows the new direction before the answer goes back.
   */
  softphoneReoffer(sdp: string): Promise<{ sdp: string }> {
    return this.#run('softphoneReoffer', async () => {
      const answer = await this.#softphoneSide.reoffer(this.#legs.softphone, sdp, this.#codec, (offered) => this.#videoWith(offered));
      await this.#legs.takeVideo();
      await this.#reconcileNow();
      return { sdp: answer };
    });
  }

  /** Re-offer to the softphone when its video differs from the PBX side's SDP (which decides in Direct Media too). */
  softphoneCreateReoffer(): Promise<{ sdp: string | null }> {
    return this.#run('softphoneCreateReoffer', async () => {
      return { sdp: this.#softphoneSide.createReoffer(this.#legs.softphone, this.#codec, routerPayloadTypes(this.#legs.router), this.#pbxSide.video?.spec.name) };
    });
  }

  /** The softphone's answer to our re-offer (null: none); its camera and video downlink follow. */
  softphoneApplyReanswer(sdp: string | null): Promise<{ video: boolean }> {
    return this.#run('softphoneApplyReanswer', async () => {
      const change = this.#softphoneSide.readReanswer(sdp ?? undefined, this.#codec);
      if (change === 'dropped') this.#legs.softphone?.dropVideo();
      else if (change === 'taken') await this.#legs.takeVideo();
      await this.#reconcileNow();
      return { video: this.#legs.softphone?.hasVideo ?? false };
    });
  }

  /**
   * An SDP offer from the PBX: an incoming INVITE (new PBX leg) or a re-INVITE/UPDATE. `parsed`: `sdp`
   * as parsePbxSdp() read it already (the node, for a new call), so it is not parsed twice.
   */
  pbxOffer(sdp: string, parsed?: PbxDescription): Promise<{ legId: string; sdp: string; codec: CodecName; mediaPath: MediaPath; softphoneRenegotiate?: boolean }> {
    return this.#run('pbxOffer', async () => {
      const reinvite = this.#legs.pbx !== undefined;
      const softphoneVideo = this.#softphoneSide.remote?.video;
      const offer = this.#pbxSide.readOffer(parsed ?? sdp, this.#codec?.name, this.#softphoneSide.remote?.codecs, softphoneVideo && this.softphoneVideoCodecs);
      if (this.#legs.pbx) await this.#stats.sampleBeforePbxChange();
      const { description, crypto } = offer;
      let leg = this.#legs.pbx;
      if (!leg) {
        const creating = this.#legs.createPbx(description.rtcpMux, crypto?.usable, new Map([...payloadTypesOf(description.codecs), ...pbxVideoPayloadTypes(description.video?.codecs)]));
        // An incoming call: the softphone it is offered to next gets its transport made beside the PBX leg.
        this.#legs.prepareSoftphone();
        leg = await creating;
      }
      const codec = this.#pbxSide.offerCodec(offer, routerPayloadTypes(this.#legs.router));
      if (!this.#codec) {
        this.#codec = { name: codec.spec.name, telephoneEvent: offer.telephoneEvent !== undefined, ptime: description.ptime };
        await this.#legs.produceWaitingSoftphone(this.#codec);
      }
      const videoCodec = this.#pbxSide.offerVideoCodec(offer, routerPayloadTypes(this.#legs.router));
      this.#pbxSide.acceptOffer(offer, videoCodec);
      leg.setCodec(codec);
      await this.#wiring.retargetPbx(description, crypto ? srtpParameters(crypto) : undefined, crypto?.usable);
      const videoLeg = await this.#legs.pbxVideo.applyOffer(this.#legs.router!, offer, videoCodec);
      const answer = this.#pbxSide.answerOffer(leg, offer, codec, videoLeg);
      await this.#reconcileNow();
      // A re-INVITE that adds or removes video: the connected softphone is re-offered (the gateway's part).
      const softphoneRenegotiate = reinvite && this.#legs.softphone?.producer !== undefined && (this.#pbxSide.video !== undefined) !== this.#legs.softphone.hasVideo;
      return { legId: leg.id, sdp: answer, codec: codec.spec.name, mediaPath: this.path ?? 'pbx', ...(softphoneRenegotiate ? { softphoneRenegotiate } : {}) };
    });
  }

  /** Our re-offer toward the PBX: hold (sendonly, and nothing sent) or retrieve (sendrecv). */
  pbxHoldOffer(hold: boolean): Promise<{ sdp: string }> {
    return this.#run('pbxHoldOffer', async () => {
      const sdp = this.#pbxSide.holdOffer(this.#legs.pbx, hold, this.#codec?.ptime, this.#legs.pbxVideo.leg);
      // Holding mutes what we send at once; retrieving waits for the answer.
      if (hold) await this.#reconcileNow();
      return { sdp };
    });
  }

  /** Our re-offer toward the PBX adding video (upgrade) or setting it to port 0 (downgrade); null: nothing to change. */
  pbxVideoOffer(video: boolean): Promise<{ sdp: string | null }> {
    return this.#run('pbxVideoOffer', async () => {
      const pbx = this.#legs.pbx;
      if (!pbx?.remote || !this.#legs.router) throw new CallStateError(`pbxVideoOffer needs a connected PBX leg [callId:${this.id}]`);
      if (video === (this.#pbxSide.video !== undefined)) return { sdp: null };
      const videoLeg = video ? await this.#legs.pbxVideo.ensure(this.#legs.router, 'offered', pbx.srtpSuite) : undefined;
      return { sdp: this.#pbxSide.videoOffer(pbx, videoLeg, ['VP8', 'H264'], routerPayloadTypes(this.#legs.router), this.#codec?.ptime) };
    });
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  /**
   * Closes both legs and the router; returns the quality summary, or null when already closed.
   * Idempotent.
   */
  async close(cause = 'normal'): Promise<MediaQuality | null> {
    if (this.#closing) return null;
    this.#closing = true;
    this.#closeCause = cause;
    this.#wiring.stop();
    await this.#stats.sampleBounded('at the close');
    const quality = this.#stats.quality;
    this.#teardown();
    this.#logger.info({ cause, ...quality }, 'call closed');
    this.emit('close', quality, cause, this.#stats.videoCarried);
    return quality;
  }

  /** Samples every stream and transport of the call into its ledgers; returns the increments. */
  sample(): Promise<MediaCallSample> {
    return this.#stats.sample();
  }

  // --- internals ----------------------------------------------------------------------------------

  #run<T>(command: string, fn: () => Promise<T>): Promise<T> {
    return this.#commands.run(command, fn);
  }

  /**
   * The softphone's answer, now that the codec is fixed, to whoever asked for it in the offer: queued as
   * the next command (it may take the softphone's video), so the PBX's answer is replied to first. A
   * failure is only logged: the gateway asks with softphoneAnswer when no answer came.
   */
  #pushAnswer(answered: boolean): void {
    const to = this.#answerTo;
    if (to === undefined || !this.#legs.softphone || this.#softphoneSide.offered) return;
    this.#answerTo = undefined;
    this.softphoneAnswer().then(
      ({ sdp }) => this.emit('answer', sdp, to, answered),
      (err: unknown) => this.#logger.info({ err: (err as Error).message }, 'no softphone answer to push'),
    );
  }

  /** The video codec the call can carry: the PBX side's, else the first of `ours` its Direct Media partner (to be) has. */
  #videoWith(ours: readonly VideoCodecName[]): VideoCodecName | undefined {
    const pbx = this.#pbxSide.video?.spec.name;
    return pbx ? ours.find((name) => name === pbx) : ours.find((name) => this.#wiring.videoPartner()?.softphoneVideoCodecs.includes(name));
  }

  async #reconcileNow(): Promise<void> {
    await this.#wiring.reconcile();
    if (this.#closing) throw new CallFailedError(`call closed (${this.#closeCause}) [callId:${this.id}]`);
  }

  #fail(cause: string): void {
    if (this.#closing) return;
    this.#logger.warn({ cause }, 'call failed');
    this.emit('failed', cause);
    this.close(cause).catch((err: unknown) => this.#logger.error({ err }, 'closing the failed call threw'));
  }

  #teardown(): void {
    this.#wiring.close();
    this.#legs.close();
  }
}
