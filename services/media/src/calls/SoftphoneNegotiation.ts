import type { Logger } from '@ucserver/shared';
import { CallStateError, NoCommonCodecError, SdpInvalidError } from '../errors.ts';
import {
  answerSetup,
  browserMlineCodec,
  negotiatedHeaderExtensions,
  offeredHeaderExtensions,
  offeredMlineCodec,
  parseBrowserSdp,
  writeBrowserSdp,
  type BrowserDescription,
  type LocalBrowserDescription,
  type MlineCodec,
} from '../sdp/browserSdp.ts';
import { answerDirection, canRecv, canSend, type Direction } from '../sdp/direction.ts';
import { requireSupportedCodecs } from '../sdp/negotiation.ts';
import type { VideoCodecName } from '../sdp/codecs.ts';
import { browserVideoCodec, negotiatedVideoExtensions, offeredVideoCodec, offeredVideoExtensions, videoCodecNames, type BrowserVideo, type VideoMlineCodec } from '../sdp/videoSdp.ts';
import { sdpSessionId, type MlineSlot } from '../sdp/session.ts';
import type { CallCodec } from './MediaCallTypes.ts';
import type { SoftphoneLeg } from './SoftphoneLeg.ts';
import type { SoftphoneDirection, SoftphoneNegotiationOptions, SoftphoneOffer } from './SoftphoneNegotiationTypes.ts';

/**
 * The softphone side's offer/answer state of one call (JSEP over the CTI link): the softphone's offer and
 * our answer (outgoing calls), our offer and its answer (incoming calls), and its re-offers. It reads and
 * writes the softphone's SDP and checks it against the call's codec; the call connects the leg.
 */
export class SoftphoneNegotiation implements SoftphoneDirection {
  readonly #callId: string;
  readonly #logger: Logger;
  readonly #sessionId = sdpSessionId();
  #version = 0;
  /** The softphone's offer (outgoing calls) or answer (incoming calls) its leg is connected with. */
  #remote: BrowserDescription | undefined;
  /** The softphone's ICE credentials after its last re-offer (undefined: those of #remote). */
  #ice: { ufrag: string; pwd: string } | undefined;
  /** The softphone's direction after its last re-offer (undefined: that of #remote). */
  #direction: Direction | undefined;
  /** Our answer to the softphone's offer, written once. */
  #answer: string | undefined;
  /** Our offer to the softphone, written once. */
  #offer: string | undefined;
  /** The m-line id of our offers. */
  readonly #mid = '0';
  /** The video m-line id of our offers. */
  readonly #videoMid = '1';
  /** The video codec agreed with the softphone (its numbering); undefined while the call has no video. */
  #video: VideoMlineCodec | undefined;
  /** The softphone's video m-line as its last SDP (offer, answer, re-offer, answer to our re-offer) had it. */
  #remoteVideo: BrowserVideo | undefined;
  /** The session's m-lines as the softphone's last SDP had them (undefined: those of #remote). */
  #layout: { mlines: readonly MlineSlot[]; index: number } | undefined;
  /** Our re-offer to the softphone (video added or set to port 0), until its answer. */
  #reoffered: { layout: { mlines: readonly MlineSlot[]; index: number }; video: { codec: VideoMlineCodec; mid: string } | undefined } | undefined;

  constructor(options: SoftphoneNegotiationOptions) {
    this.#callId = options.callId;
    this.#logger = options.logger;
  }

  /** The softphone's SDP the leg is connected with; undefined before. */
  get remote(): BrowserDescription | undefined {
    return this.#remote;
  }

  /** The softphone's direction as last negotiated (its own point of view); sendrecv before. */
  get direction(): Direction {
    return this.#direction ?? this.#remote?.direction ?? 'sendrecv';
  }

  get softphoneSends(): boolean {
    return canSend(this.direction);
  }

  get softphoneReceives(): boolean {
    return canRecv(this.direction);
  }

  /** The node made the offer (an incoming call), rather than the softphone. */
  get offered(): boolean {
    return this.#offer !== undefined;
  }

  /** The softphone m-line's codec: from `description` (default: the connected one) in the call's codec. */
  codec(call: CallCodec | undefined, description = this.#remote): MlineCodec | undefined {
    if (!description || !call) return undefined;
    return browserMlineCodec(description, call.name, call.telephoneEvent);
  }

  /**
   * The softphone's offer (outgoing call), with the codecs the node supports; it must have the call's
   * codec when an incoming PBX offer fixed one already.
   * @throws NoCommonCodecError, SdpInvalidError and the other SDP errors
   */
  readOffer(sdp: string, call: CallCodec | undefined): SoftphoneOffer {
    const offer = parseBrowserSdp(sdp, 'offer');
    const supported = requireSupportedCodecs(offer.codecs, `softphone offer [callId:${this.#callId}]`);
    if (call && !supported.some((c) => c.spec.name === call.name)) {
      throw new NoCommonCodecError(`softphone offer lacks the call's codec ${call.name} [callId:${this.#callId}]`, offer.codecs.map((c) => c.name));
    }
    return { description: offer, codecs: supported.map((c) => c.spec.name) };
  }

  /** The softphone's SDP (its offer or answer) the leg is now connected with. */
  connected(description: BrowserDescription): void {
    this.#remote = description;
    this.#remoteVideo = description.video;
  }

  /** The softphone's video m-line as its last SDP had it (its camera Producer is made from it). */
  get remoteVideo(): BrowserVideo | undefined {
    return this.#remoteVideo;
  }

  /** Our re-offer to the softphone waits for its answer. */
  get reoffering(): boolean {
    return this.#reoffered !== undefined;
  }

  /**
   * Our answer to the softphone's offer (outgoing call), in the call's codec; the same SDP every time.
   * @throws CallStateError before the softphone's offer, or before the PBX leg fixed the codec
   */
  answer(leg: SoftphoneLeg | undefined, call: CallCodec | undefined, video?: VideoCodecName): string {
    const offer = this.#remote;
    const codec = this.codec(call);
    if (!offer || !leg || this.#offer) throw new CallStateError(`softphoneAnswer needs the softphone's offer [callId:${this.#callId}]`);
    if (!codec || !call) throw new CallStateError(`softphoneAnswer needs the PBX leg to fix the codec first [callId:${this.#callId}]`);
    if (this.#answer === undefined && video && offer.video) this.#video = browserVideoCodec(offer.video, video);
    this.#answer ??= writeBrowserSdp(this.#local(leg, call, 'answer', {
      video: this.#videoSection(offer.video, leg),
      mid: offer.mid,
      bundle: offer.bundle,
      setup: answerSetup(offer),
      codec,
      headerExtensions: negotiatedHeaderExtensions(offer),
      direction: answerDirection(offer.direction),
      rtcpRsize: offer.rtcpRsize,
      layout: { mlines: offer.mlines, index: offer.audioIndex },
    }));
    return this.#answer;
  }

  /**
   * Our offer to a called softphone (incoming call) on `leg`, in the call's codec numbered as the call's
   * router numbers it (`payloadTypes`); the same SDP every time.
   */
  offer(leg: SoftphoneLeg, call: CallCodec, payloadTypes: ReadonlyMap<string, number>, video?: VideoCodecName): string {
    leg.mid = this.#mid;
    if (this.#offer === undefined && video) this.#video = offeredVideoCodec(video, payloadTypes);
    const videoSection = this.#video && { index: 1, mid: this.#videoMid, codec: this.#video, headerExtensions: offeredVideoExtensions(), direction: 'sendrecv' as const, trackId: `ucs-video-${leg.id}` };
    this.#offer ??= writeBrowserSdp(this.#local(leg, call, 'offer', {
      video: videoSection,
      mid: this.#mid,
      bundle: true,
      setup: 'actpass',
      codec: offeredMlineCodec(call.name, call.telephoneEvent, payloadTypes),
      headerExtensions: offeredHeaderExtensions(),
      direction: 'sendrecv',
      rtcpRsize: true,
    }));
    return this.#offer;
  }

  /**
   * The called softphone's answer to our offer: our m-line, in the call's codec.
   * @throws SdpInvalidError, NoCommonCodecError and the other SDP errors
   */
  readAnswer(sdp: string, call: CallCodec): BrowserDescription {
    const answer = parseBrowserSdp(sdp, 'answer', `softphone answer [callId:${this.#callId}]`);
    if (answer.mid !== this.#mid) throw new SdpInvalidError(`softphone answer has mid '${answer.mid}' (offered '${this.#mid}') [callId:${this.#callId}]`);
    if (!browserMlineCodec(answer, call.name, false)) {
      throw new NoCommonCodecError(`softphone answer rejects ${call.name} [callId:${this.#callId}]`, answer.codecs.map((c) => c.name));
    }
    if (answer.video && (!this.#video || answer.video.mid !== this.#videoMid)) throw new SdpInvalidError(`softphone answer has a video m-line '${answer.video.mid}' that was not offered [callId:${this.#callId}]`);
    // A softphone that declines our video m-line (port 0), or answers it without our codec, has no video.
    if (this.#video && (!answer.video || !browserVideoCodec(answer.video, this.#video.spec.name))) this.#video = undefined;
    return answer;
  }

  /**
   * A new offer from a connected softphone. A softphone re-offers for an ICE restart (its network
   * changed): new ICE credentials in the offer restart ICE on our transport too, and the answer carries
   * ours; or to hold and retrieve the way WebRTC does it, by direction: a=sendonly (or inactive) is
   * answered recvonly (inactive), a=sendrecv again sendrecv, and `direction` follows (the call's wiring
   * then stops or resumes what we send it). Hold at the PBX is the gateway's part. Everything else must
   * stay as negotiated: same m-line, codec and payload type, DTLS fingerprint (no new DTLS association;
   * we keep our role).
   * @throws CallStateError without a connected leg; SdpInvalidError, NoCommonCodecError for a re-offer that changes the session
   */
  async reoffer(leg: SoftphoneLeg | undefined, sdp: string, call: CallCodec | undefined, videoFor?: (offered: VideoCodecName[]) => VideoCodecName | undefined): Promise<string> {
    const current = this.#remote;
    const codec = this.codec(call);
    if (!leg || !current || !leg.producer || !codec || !call) throw new CallStateError(`a re-offer needs a connected softphone leg [callId:${this.#callId}]`);
    if (this.#reoffered) throw new CallStateError(`our own re-offer to the softphone is still unanswered (glare) [callId:${this.#callId}]`);
    const offer = parseBrowserSdp(sdp, 'offer', `softphone re-offer [callId:${this.#callId}]`);
    const what = `[callId:${this.#callId}]`;
    if (offer.mid !== current.mid) throw new SdpInvalidError(`softphone re-offer has mid '${offer.mid}', the session has '${current.mid}' ${what}`);
    const again = browserMlineCodec(offer, codec.spec.name, codec.telephoneEvent !== undefined);
    if (!again || again.payloadType !== codec.payloadType) {
      throw new NoCommonCodecError(`softphone re-offer lacks ${codec.spec.name} with payload type ${codec.payloadType} ${what}`, offer.codecs.map((c) => c.name));
    }
    const known = new Set(current.fingerprints.map((f) => `${f.algorithm} ${f.value.toUpperCase()}`));
    if (!offer.fingerprints.some((f) => known.has(`${f.algorithm} ${f.value.toUpperCase()}`))) {
      throw new SdpInvalidError(`softphone re-offer has a new DTLS fingerprint; a new DTLS session needs a new call ${what}`);
    }
    const ice = this.#ice ?? { ufrag: current.iceUfrag, pwd: current.icePwd };
    if (offer.iceUfrag !== ice.ufrag || offer.icePwd !== ice.pwd) {
      await leg.transport.restartIce();
      this.#logger.info({ callId: this.#callId }, 'softphone restarted ICE');
      // Video lost on the old path must not leave a frozen picture: a key frame from the source at once.
      await leg.videoDownlink?.requestKeyFrame().catch((err: unknown) => this.#logger.debug({ err: (err as Error).message }, 'key frame request after the ICE restart failed'));
    }
    this.#ice = { ufrag: offer.iceUfrag, pwd: offer.icePwd };
    const upgrade = !this.#video && offer.video ? videoFor?.(videoCodecNames(offer.video)) : undefined;
    if (upgrade && offer.video) {
      // Upgrade: the re-offer adds video and the call can carry it (the PBX side agreed a codec, or the
      // Direct Media partner has one); the call takes the camera once this answer is out.
      this.#video = browserVideoCodec(offer.video, upgrade);
      this.#logger.info({ callId: this.#callId, codec: upgrade }, 'softphone re-offer adds video');
    }
    if (this.#video && !this.#videoSection(offer.video, leg)) {
      // Downgrade: the re-offer disables video (port 0) or changes its codec; the call goes on with audio.
      this.#logger.info({ callId: this.#callId }, 'softphone re-offer drops video');
      this.#video = undefined;
      leg.dropVideo();
    }
    if (offer.direction !== this.direction) this.#logger.info({ callId: this.#callId, direction: offer.direction }, 'softphone re-offer changes direction');
    this.#direction = offer.direction;
    this.#remoteVideo = this.#video ? offer.video : undefined;
    this.#layout = { mlines: offer.mlines, index: offer.audioIndex };
    return writeBrowserSdp(this.#local(leg, call, 'answer', {
      video: this.#videoSection(offer.video, leg),
      mid: offer.mid,
      bundle: offer.bundle,
      // The DTLS association stands: we keep the role we have (answerSetup of what set it up).
      setup: answerSetup(current),
      codec: again,
      headerExtensions: negotiatedHeaderExtensions(offer),
      direction: answerDirection(offer.direction),
      rtcpRsize: offer.rtcpRsize,
      layout: { mlines: offer.mlines, index: offer.audioIndex },
    }));
  }

  /** The video codec agreed with the softphone, in its numbering; undefined while the call has no video. */
  get video(): VideoMlineCodec | undefined {
    return this.#video;
  }

  /**
   * Our re-offer to a connected softphone whose video must follow the call's (`want`: the codec the
   * call carries now, numbered as the router numbers it; undefined: no video): a video m-line added
   * at the end of the session (a fresh mid), or the one in use set to port 0. Audio, ICE and DTLS stay;
   * we offer actpass and the softphone keeps its DTLS role. Null when the softphone has it that way.
   * @throws CallStateError without a connected leg, or while an offer is pending either way
   */
  createReoffer(leg: SoftphoneLeg | undefined, call: CallCodec | undefined, payloadTypes: ReadonlyMap<string, number>, want: VideoCodecName | undefined): string | null {
    const current = this.#remote;
    const codec = this.codec(call);
    if (!leg || !current || !leg.producer || !codec || !call) throw new CallStateError(`a re-offer to the softphone needs a connected softphone leg [callId:${this.#callId}]`);
    if (this.#reoffered) throw new CallStateError(`a re-offer to the softphone is already pending [callId:${this.#callId}]`);
    if ((want !== undefined) === (this.#video !== undefined)) return null;
    const layout = this.#layout ?? { mlines: current.mlines, index: current.audioIndex };
    const mlines = [...layout.mlines];
    let video: LocalBrowserDescription['video'];
    if (want) {
      const offered = offeredVideoCodec(want, payloadTypes);
      const taken = new Set(mlines.map((m) => m.mid));
      let n = mlines.length;
      while (taken.has(String(n))) n += 1;
      const mid = String(n);
      mlines.push({ type: 'video', protocol: 'UDP/TLS/RTP/SAVPF', formats: String(offered.payloadType), mid });
      video = { index: mlines.length - 1, mid, codec: offered, headerExtensions: offeredVideoExtensions(), direction: 'sendrecv', trackId: `ucs-video-${leg.id}` };
      this.#reoffered = { layout: { mlines, index: layout.index }, video: { codec: offered, mid } };
    } else {
      // The video m-line in use stays in its place, at port 0 (RFC 3264 §8.2).
      this.#reoffered = { layout: { mlines, index: layout.index }, video: undefined };
    }
    this.#logger.info({ callId: this.#callId, video: want ?? 'port 0' }, 're-offer to the softphone');
    return writeBrowserSdp(this.#local(leg, call, 'offer', {
      video,
      mid: current.mid,
      bundle: true,
      setup: 'actpass',
      codec,
      headerExtensions: negotiatedHeaderExtensions(current),
      direction: answerDirection(this.direction),
      rtcpRsize: current.rtcpRsize,
      layout: { mlines, index: layout.index },
    }));
  }

  /**
   * The softphone's answer to our re-offer (undefined: it declined or did not answer; the session stays
   * as it was). Returns what changed for video: 'taken' (the call takes the camera now), 'dropped' (the
   * leg must drop its video), or 'none'.
   * @throws CallStateError without a pending re-offer; SdpInvalidError and the other SDP errors
   */
  readReanswer(sdp: string | undefined, call: CallCodec | undefined): 'taken' | 'dropped' | 'none' {
    const pending = this.#reoffered;
    if (!pending) throw new CallStateError(`no re-offer to the softphone is waiting for an answer [callId:${this.#callId}]`);
    this.#reoffered = undefined;
    if (sdp === undefined) return 'none';
    const answer = parseBrowserSdp(sdp, 'answer', `softphone answer to our re-offer [callId:${this.#callId}]`);
    const current = this.#remote!;
    if (answer.mid !== current.mid) throw new SdpInvalidError(`softphone answer has mid '${answer.mid}' (the session has '${current.mid}') [callId:${this.#callId}]`);
    if (call && !browserMlineCodec(answer, call.name, false)) throw new NoCommonCodecError(`softphone answer rejects ${call.name} [callId:${this.#callId}]`, answer.codecs.map((c) => c.name));
    this.#layout = pending.layout;
    if (!pending.video) {
      this.#video = undefined;
      this.#remoteVideo = undefined;
      return 'dropped';
    }
    const taken = answer.video && answer.video.mid === pending.video.mid ? browserVideoCodec(answer.video, pending.video.codec.spec.name) : undefined;
    if (!taken) {
      this.#logger.info({ callId: this.#callId }, 'softphone declines the video of our re-offer');
      return 'none';
    }
    this.#video = taken;
    this.#remoteVideo = answer.video;
    return 'taken';
  }

  /**
   * Our answer's video m-line for the softphone's `video` m-line: taken (in the agreed codec, which it
   * must still offer with the same payload type) when the call carries video, else undefined (declined).
   */
  #videoSection(video: BrowserVideo | undefined, leg: SoftphoneLeg): LocalBrowserDescription['video'] {
    const agreed = this.#video;
    if (!video || !agreed) return undefined;
    const again = browserVideoCodec(video, agreed.spec.name);
    if (!again || again.payloadType !== agreed.payloadType) return undefined;
    return { index: video.index, mid: video.mid, codec: again, headerExtensions: negotiatedVideoExtensions(video), direction: answerDirection(video.direction), trackId: `ucs-video-${leg.id}` };
  }

  #local(
    leg: SoftphoneLeg,
    call: CallCodec,
    type: 'offer' | 'answer',
    parts: Pick<LocalBrowserDescription, 'mid' | 'bundle' | 'setup' | 'codec' | 'headerExtensions' | 'direction' | 'rtcpRsize' | 'layout' | 'video'>,
  ): LocalBrowserDescription {
    const { transport } = leg;
    // mediasoup's dtlsParameters getter deep-copies (structuredClone): read it once.
    const { fingerprints } = transport.dtlsParameters;
    const fingerprint = fingerprints.find((f) => f.algorithm === 'sha-256') ?? fingerprints[0]!;
    this.#version += 1;
    return {
      type,
      sessionId: this.#sessionId,
      sessionVersion: this.#version,
      iceUfrag: transport.iceParameters.usernameFragment,
      icePwd: transport.iceParameters.password,
      candidates: transport.iceCandidates,
      fingerprint,
      msid: { streamId: `ucs-${this.#callId}`.slice(0, 64), trackId: `ucs-audio-${leg.id}` },
      ptime: call.ptime,
      ...parts,
    };
  }
}
