import type { SrtpParameters } from 'mediasoup/types';
import { InvalidStateError, type CodecName, type Logger } from '@ucserver/shared';
import { CallStateError, CryptoInvalidError, NoCommonCodecError } from '../errors.ts';
import { payloadTypeKey, telephoneEvent, videoCodecSpec, type VideoCodecName } from '../sdp/codecs.ts';
import { chooseCrypto, srtpParameters } from '../sdp/crypto.ts';
import { canRecv, canSend, intersectDirection, type Direction } from '../sdp/direction.ts';
import { requireSupportedCodecs, supportedCodecs, telephoneEventAt } from '../sdp/negotiation.ts';
import {
  offeredPbxCodec,
  parsePbxSdp,
  pbxCodec,
  pbxSdpCodec,
  telephoneEventSdpCodec,
  writePbxSdp,
  type PbxCodec,
  type PbxDescription,
  type PbxSdpCodec,
  type PbxVideoSection,
} from '../sdp/pbxSdp.ts';
import { offeredPbxVideoCodecs, pbxVideoCodec, supportedPbxVideoCodecs, type LocalPbxVideo, type PbxVideoCodec } from '../sdp/pbxVideoSdp.ts';
import type { SdpCodec } from '../sdp/rtpmap.ts';
import { sdpSessionId, type MlineSlot } from '../sdp/session.ts';
import type { CallCodec } from './MediaCallTypes.ts';
import type { PbxLeg } from './PbxLeg.ts';
import type { PbxAnswer, PbxDirection, PbxNegotiationOptions, PbxOffer } from './PbxNegotiationTypes.ts';

/** Our pending SDP offer toward the PBX, until its answer arrives. */
interface PendingPbxOffer {
  kind: 'initial' | 'reoffer';
  leg: PbxLeg;
  /** Codecs offered, with the payload type we wrote for each. */
  codecs: Map<CodecName, number>;
  /** telephone-event payload types we wrote, by clock rate. */
  telephoneEvents: Map<number, number>;
  direction: Direction;
  /** The crypto tag we offered (SDES), if any. */
  cryptoTag: number | undefined;
  /** Our video m-line: the codecs offered with our payload type for each, and its crypto tag. */
  video: { leg: PbxLeg<PbxVideoCodec>; codecs: Map<VideoCodecName, number>; cryptoTag: number | undefined } | undefined;
}

/** The session's m-lines as the PBX's last offer (or our own first offer) had them. */
interface Layout {
  mlines: readonly MlineSlot[];
  /** Where the audio m-line is. */
  index: number;
  /** Where the video m-line is, when the session has one. */
  videoIndex: number | undefined;
}

/** The one codec of a late offer (see createLateOffer): G.711 µ-law, which every PBX and browser speaks. */
const lateOfferCodec: CodecName = 'PCMU';

/**
 * The PBX side's offer/answer state of one call (RFC 3264): our offers (the first one on a new leg, a
 * late offer, hold and retrieve) and the answers to them, the PBX's offers and our answers, the SDES
 * crypto tag in use, the agreed direction and our SDP session toward the PBX. It reads and writes SDP and
 * checks it against the state; the call applies the result to its PBX leg.
 */
export class PbxNegotiation implements PbxDirection {
  readonly #callId: string;
  readonly #logger: Logger;
  readonly #sessionId = sdpSessionId();
  #version = 0;
  #pending: PendingPbxOffer | undefined;
  #cryptoTag: number | undefined;
  /** Our direction toward the PBX as last agreed; `#localHold` additionally mutes what we send. */
  #direction: Direction = 'sendrecv';
  #localHold = false;
  /**
   * The session's m-lines as the PBX's last offer had them (audio at `index`, the rest declined): every
   * later SDP of ours repeats them (RFC 3264 §8). Undefined while the session is ours (audio alone).
   */
  #layout: Layout | undefined;
  /** The video codec agreed with the PBX; undefined while the PBX side carries no video. */
  #video: PbxVideoCodec | undefined;
  #videoCryptoTag: number | undefined;

  constructor(options: PbxNegotiationOptions) {
    this.#callId = options.callId;
    this.#logger = options.logger;
  }

  get sendAllowed(): boolean {
    return canSend(this.#direction) && !this.#localHold;
  }

  get recvAllowed(): boolean {
    return canRecv(this.#direction);
  }

  /** The video codec agreed with the PBX; undefined while the PBX side carries no video. */
  get video(): PbxVideoCodec | undefined {
    return this.#video;
  }

  /**
   * Our offer (for an outgoing INVITE) on a new PBX leg: the softphone's codecs, in its order, and with
   * `video` a video m-line on its own leg with the softphone's video codecs.
   */
  createOffer(leg: PbxLeg, softphoneCodecs: SdpCodec[], payloadTypes: ReadonlyMap<string, number>, video?: { leg: PbxLeg<PbxVideoCodec>; names: readonly VideoCodecName[] }): string {
    const names = supportedCodecs(softphoneCodecs).map((c) => c.spec.name);
    const codecs = video && offeredPbxVideoCodecs(video.names, payloadTypes);
    const offered = video && codecs && { leg: video.leg, codecs: new Map(codecs.map((c) => [c.spec.name, c.payloadType])), cryptoTag: video.leg.srtpSuite ? 1 : undefined };
    return this.#initialOffer(leg, names, payloadTypes, (clockRate) => telephoneEventAt(softphoneCodecs, clockRate) !== undefined, offered);
  }

  /**
   * Our offer for an incoming INVITE without SDP, which goes in our 200. It has the late offer codec only,
   * fixed from now on (returned as the call's codec): the softphone is offered the call before the PBX
   * answers in its ACK, and without transcoding a second codec could not be honoured.
   */
  createLateOffer(leg: PbxLeg, payloadTypes: ReadonlyMap<string, number>): { sdp: string; codec: CallCodec } {
    const sdp = this.#initialOffer(leg, [lateOfferCodec], payloadTypes, () => true);
    return { sdp, codec: { name: lateOfferCodec, telephoneEvent: (this.#pending?.telephoneEvents.size ?? 0) > 0, ptime: 20 } };
  }

  /** Our re-offer toward the PBX: hold (sendonly, and nothing sent at once) or retrieve (sendrecv). */
  holdOffer(leg: PbxLeg | undefined, hold: boolean, ptime: number | undefined, videoLeg?: PbxLeg<PbxVideoCodec>): string {
    const { codec, lines, telephoneEvents } = this.#reofferAudio(leg, 'pbxHoldOffer');
    const direction: Direction = hold ? 'sendonly' : 'sendrecv';
    const video = this.#video && videoLeg?.remote ? { leg: videoLeg, codecs: new Map([[this.#video.spec.name, this.#video.recvPayloadType]]), cryptoTag: this.#videoCryptoTag } : undefined;
    const videoMux = videoLeg !== undefined && (videoLeg.rtcpMux || (videoLeg.remote?.rtcpMux ?? false));
    this.#pending = { kind: 'reoffer', leg: leg!, codecs: new Map([[codec.spec.name, codec.recvPayloadType]]), telephoneEvents, direction, cryptoTag: this.#cryptoTag, video };
    // Holding mutes what we send at once; retrieving waits for the answer.
    this.#localHold = hold;
    return this.#write(leg!, lines, direction, leg!.rtcpMux || (leg!.remote?.rtcpMux ?? false), this.#cryptoTag, ptime, this.#layout, video && this.#localVideo(video.leg, video.codecs, direction, videoMux, video.cryptoTag));
  }

  /**
   * Our re-offer toward the PBX that adds video on `videoLeg` (upgrade: `names` in our preference order,
   * in the router's numbering; a session without a video m-line gets one at its end, RFC 3264 §8.4) or,
   * without a leg, sets the session's video m-line to port 0 (downgrade). Audio and direction stay.
   */
  videoOffer(leg: PbxLeg | undefined, videoLeg: PbxLeg<PbxVideoCodec> | undefined, names: readonly VideoCodecName[], payloadTypes: ReadonlyMap<string, number>, ptime: number | undefined): string {
    const { codec, lines, telephoneEvents } = this.#reofferAudio(leg, 'pbxVideoOffer');
    const direction: Direction = this.#localHold ? 'sendonly' : 'sendrecv';
    const offered = videoLeg && offeredPbxVideoCodecs(names, payloadTypes);
    const video = videoLeg && offered && offered.length > 0
      ? { leg: videoLeg, codecs: new Map(offered.map((c) => [c.spec.name, c.payloadType])), cryptoTag: videoLeg.srtpSuite ? 1 : undefined }
      : undefined;
    if (video && this.#layout?.videoIndex === undefined) {
      const slot: MlineSlot = { type: 'video', protocol: video.cryptoTag ? 'RTP/SAVP' : 'RTP/AVP', formats: [...video.codecs.values()].join(' '), mid: undefined };
      const audio: MlineSlot = { type: 'audio', protocol: this.#cryptoTag ? 'RTP/SAVP' : 'RTP/AVP', formats: lines.map((l) => l.payloadType).join(' '), mid: undefined };
      const mlines = this.#layout ? [...this.#layout.mlines, slot] : [audio, slot];
      this.#layout = { mlines, index: this.#layout?.index ?? 0, videoIndex: mlines.length - 1 };
    }
    this.#pending = { kind: 'reoffer', leg: leg!, codecs: new Map([[codec.spec.name, codec.recvPayloadType]]), telephoneEvents, direction, cryptoTag: this.#cryptoTag, video };
    this.#logger.info({ video: video ? [...video.codecs.keys()].join(' ') : 'port 0' }, 'video re-offer to the PBX');
    return this.#write(leg!, lines, direction, leg!.rtcpMux || (leg!.remote?.rtcpMux ?? false), this.#cryptoTag, ptime, this.#layout, video && this.#localVideo(video.leg, video.codecs, direction, true, video.cryptoTag));
  }

  /** The audio part of a re-offer on a connected leg: the call's codec (and telephone-event) as agreed. */
  #reofferAudio(leg: PbxLeg | undefined, what: string): { codec: PbxCodec; lines: PbxSdpCodec[]; telephoneEvents: Map<number, number> } {
    const codec = leg?.codec;
    if (!leg || !codec || !leg.remote) throw new CallStateError(`${what} needs a connected PBX leg [callId:${this.#callId}]`);
    if (this.#pending) throw new CallStateError(`an offer to the PBX is already pending [callId:${this.#callId}]`);
    const lines = [pbxSdpCodec(codec.spec, codec.recvPayloadType, codec.fmtp)];
    const telephoneEvents = new Map<number, number>();
    if (codec.telephoneEvent) {
      telephoneEvents.set(codec.telephoneEvent.clockRate, codec.telephoneEvent.recvPayloadType);
      lines.push(telephoneEventSdpCodec(codec.telephoneEvent.recvPayloadType, codec.telephoneEvent.clockRate));
    }
    return { codec, lines, telephoneEvents };
  }

  /**
   * The PBX's answer to our pending offer (initial, or a hold/retrieve re-offer), checked against it:
   * the first codec of the answer that we offered (RFC 3264 §6.1: the answerer's preference), in the
   * call's codec once it has one, and SRTP as offered. Accepting it settles the direction.
   * @throws CallStateError without a pending offer; NoCommonCodecError, CryptoInvalidError, SdpInvalidError
   */
  acceptAnswer(sdp: string, callCodec: CodecName | undefined): PbxAnswer {
    const pending = this.#pending;
    if (!pending) throw new CallStateError(`no PBX offer is waiting for an answer [callId:${this.#callId}]`);
    const { leg } = pending;
    const answer = parsePbxSdp(sdp, `PBX answer [callId:${this.#callId}]`);
    const chosen = supportedCodecs(answer.codecs).find((c) => pending.codecs.has(c.spec.name) && (!callCodec || c.spec.name === callCodec));
    if (!chosen) {
      throw new NoCommonCodecError(`PBX answer has none of the offered codecs [callId:${this.#callId}, offered:${[...pending.codecs.keys()].join(' ')}]`, answer.codecs.map((c) => c.name));
    }
    const name = chosen.spec.name;
    const srtp = this.#answerSrtp(answer, pending);
    const codec = pbxCodec(answer, name, { payloadType: pending.codecs.get(name)!, telephoneEventPayloadType: pending.telephoneEvents.get(chosen.spec.clockRate) });
    if (!codec) throw new NoCommonCodecError(`PBX answer lacks codec ${name} [callId:${this.#callId}]`, answer.codecs.map((c) => c.name));
    if (codec.sendPayloadType !== codec.recvPayloadType) {
      // Consumers send with their router's numbers (RFC 3264 §6.1 asks answerers to keep the offer's).
      this.#logger.warn({ offered: codec.recvPayloadType, answered: codec.sendPayloadType, codec: name }, 'PBX renumbered the codec in its answer; we keep sending with the offered payload type');
    }
    if (pending.kind === 'reoffer' && srtp && leg.remote?.srtp && srtp.keyBase64 !== leg.remote.srtp.keyBase64) {
      this.#logger.warn('PBX changed its SRTP key in an answer; the PBX leg is re-keyed with a new local key the PBX has not seen');
    }
    this.#pending = undefined;
    this.#direction = intersectDirection(answer.direction, pending.direction);
    const video = this.#answerVideo(answer, pending);
    this.#video = video?.codec;
    return { description: answer, leg, initial: pending.kind === 'initial', codec, srtp, video };
  }

  /**
   * An SDP offer from the PBX (incoming INVITE, re-INVITE, UPDATE), read against the call: the call's
   * codec if it has one, else the PBX's first one (that the softphone offered, if it did), and the first
   * a=crypto line mediasoup can use. Nothing changes until acceptOffer().
   * `sdp` may come parsed (parsePbxSdp()) already.
   * @throws CallStateError while our own offer is unanswered (glare); NoCommonCodecError, CryptoInvalidError, SdpInvalidError
   */
  readOffer(sdp: string | PbxDescription, callCodec: CodecName | undefined, softphoneCodecs: SdpCodec[] | undefined, softphoneVideo?: readonly VideoCodecName[]): PbxOffer {
    if (this.#pending) throw new CallStateError(`our own offer to the PBX is still unanswered (glare) [callId:${this.#callId}]`);
    const offer = typeof sdp === 'string' ? parsePbxSdp(sdp, `PBX offer [callId:${this.#callId}]`) : sdp;
    const supported = requireSupportedCodecs(offer.codecs, `PBX offer [callId:${this.#callId}]`);
    const softphone = softphoneCodecs && !callCodec ? new Set(supportedCodecs(softphoneCodecs).map((c) => c.spec.name)) : undefined;
    const chosen = callCodec ? supported.find((c) => c.spec.name === callCodec) : supported.find((c) => !softphone || softphone.has(c.spec.name));
    if (!chosen) {
      throw new NoCommonCodecError(`PBX offer lacks ${callCodec ? `the call's codec ${callCodec}` : 'every codec the softphone offered'} [callId:${this.#callId}]`, offer.codecs.map((c) => c.name));
    }
    const crypto = offer.secure ? chooseCrypto(offer.crypto) : undefined;
    if (offer.secure && !crypto) throw new CryptoInvalidError(`PBX offer has no a=crypto line with a supported suite and no MKI [callId:${this.#callId}]`);
    return { description: offer, chosen, crypto, telephoneEvent: telephoneEventAt(offer.codecs, chosen.spec.clockRate), video: this.#offeredVideo(offer.video, softphoneVideo) };
  }

  /** The PBX video leg's codec for `offer`: we answer with the router's number for it, the PBX's own for a call it started. */
  offerVideoCodec(offer: PbxOffer, payloadTypes: ReadonlyMap<string, number>): PbxVideoCodec | undefined {
    const video = offer.video;
    if (!video) return undefined;
    const spec = videoCodecSpec(video.chosen);
    const ours = payloadTypes.get(payloadTypeKey(spec.mimeType, spec.clockRate)) ?? supportedPbxVideoCodecs(video.section.codecs).find((c) => c.spec.name === video.chosen)!.sdp.payloadType;
    return pbxVideoCodec(video.section.codecs, video.chosen, ours);
  }

  /** The PBX leg's codec for `offer`: we answer with the router's numbers, which for a call the PBX started are the PBX's own. */
  offerCodec(offer: PbxOffer, payloadTypes: ReadonlyMap<string, number>): PbxCodec {
    const { chosen, telephoneEvent: te } = offer;
    const codec = pbxCodec(offer.description, chosen.spec.name, {
      payloadType: payloadTypes.get(payloadTypeKey(chosen.spec.mimeType, chosen.spec.clockRate)) ?? chosen.sdp.payloadType,
      telephoneEventPayloadType: te ? payloadTypes.get(payloadTypeKey(telephoneEvent.mimeType, te.clockRate)) : undefined,
    });
    // readOffer() chose the codec from this very description.
    if (!codec) throw new InvalidStateError(`offerCodec() with an offer that lacks ${chosen.spec.name} [callId:${this.#callId}]`);
    return codec;
  }

  /** Agrees the direction of `offer` (what we send also depends on our own hold) and the video codec taken (undefined: video declined). */
  acceptOffer(offer: PbxOffer, video?: PbxVideoCodec): void {
    this.#direction = intersectDirection(offer.description.direction, this.#localHold ? 'sendonly' : 'sendrecv');
    this.#video = video;
    this.#videoCryptoTag = video ? offer.video?.crypto?.tag : undefined;
  }

  /** Our answer to an accepted offer, on the leg re-pointed at the PBX; its crypto tag is ours from now on. */
  answerOffer(leg: PbxLeg, offer: PbxOffer, codec: PbxCodec, videoLeg?: PbxLeg<PbxVideoCodec>): string {
    this.#cryptoTag = offer.crypto?.tag;
    const lines = [pbxSdpCodec(offer.chosen.spec, codec.recvPayloadType, offer.chosen.sdp.fmtp)];
    if (codec.telephoneEvent) lines.push(telephoneEventSdpCodec(codec.telephoneEvent.recvPayloadType, codec.telephoneEvent.clockRate));
    this.#layout = { mlines: offer.description.mlines, index: offer.description.audioIndex, videoIndex: offer.description.video?.index };
    const section = offer.video?.section;
    const video = this.#video && videoLeg && section
      ? this.#localVideo(videoLeg, new Map([[this.#video.spec.name, this.#video.recvPayloadType]]), this.#direction, section.rtcpMux, this.#videoCryptoTag)
      : undefined;
    return this.#write(leg, lines, this.#direction, offer.description.rtcpMux, offer.crypto?.tag, offer.description.ptime, this.#layout, video);
  }

  /**
   * The first offer on a new PBX leg, left pending for acceptAnswer(): `names` in their order, plus
   * telephone-event at each of their clock rates where `withTelephoneEvent` says so.
   */
  #initialOffer(leg: PbxLeg, names: CodecName[], payloadTypes: ReadonlyMap<string, number>, withTelephoneEvent: (clockRate: number) => boolean, video?: PendingPbxOffer['video']): string {
    const codecs = new Map<CodecName, number>();
    const telephoneEvents = new Map<number, number>();
    const lines: PbxSdpCodec[] = [];
    for (const name of names) {
      const line = offeredPbxCodec(name, payloadTypes);
      codecs.set(name, line.payloadType);
      lines.push(line);
    }
    for (const rate of new Set(lines.map((l) => l.clockRate))) {
      const pt = payloadTypes.get(payloadTypeKey(telephoneEvent.mimeType, rate));
      if (pt !== undefined && withTelephoneEvent(rate)) {
        telephoneEvents.set(rate, pt);
        lines.push(telephoneEventSdpCodec(pt, rate));
      }
    }
    const cryptoTag = leg.srtpSuite ? 1 : undefined;
    this.#pending = { kind: 'initial', leg, codecs, telephoneEvents, direction: 'sendrecv', cryptoTag, video };
    // No a=rtcp-mux with SDES: our key is in this offer, and a muxed answer would need the leg's transport
    // re-created, which gives it a new key the PBX never hears of (its audio from us would not decrypt).
    const local = video && this.#localVideo(video.leg, video.codecs, 'sendrecv', video.cryptoTag === undefined, video.cryptoTag);
    // Our later offers keep the session's m-lines (RFC 3264 §8): a video m-line the PBX declines stays, at port 0.
    this.#layout = local && {
      mlines: [
        { type: 'audio', protocol: cryptoTag ? 'RTP/SAVP' : 'RTP/AVP', formats: lines.map((l) => l.payloadType).join(' '), mid: undefined },
        { type: 'video', protocol: video.cryptoTag ? 'RTP/SAVP' : 'RTP/AVP', formats: [...video.codecs.values()].join(' '), mid: undefined },
      ],
      index: 0,
      videoIndex: 1,
    };
    return this.#write(leg, lines, 'sendrecv', cryptoTag === undefined, cryptoTag, 20, undefined, local);
  }

  /** The video m-line the PBX offers, and the codec we would take from it (see readOffer). */
  #offeredVideo(section: PbxVideoSection | undefined, softphoneVideo: readonly VideoCodecName[] | undefined): PbxOffer['video'] {
    if (!section) return undefined;
    const agreed = this.#video?.spec.name;
    const chosen = supportedPbxVideoCodecs(section.codecs).find((c) => (agreed ? c.spec.name === agreed : !softphoneVideo || softphoneVideo.includes(c.spec.name)));
    const crypto = section.secure ? chooseCrypto(section.crypto) : undefined;
    if (!chosen || (section.secure && !crypto)) {
      this.#logger.info({ codecs: section.codecs.map((c) => c.name).join(' '), secure: section.secure }, 'PBX video m-line declined: no video codec or SRTP suite we can take');
      return undefined;
    }
    return { section, chosen: chosen.spec.name, crypto };
  }

  /**
   * The video part of the PBX's answer to our offer: the first codec it answers that we offered (the
   * agreed one on a re-offer), with SRTP as offered. A PBX that declines video (port 0, no m-line, no
   * codec of ours, a broken key) leaves the call audio only.
   */
  #answerVideo(answer: PbxDescription, pending: PendingPbxOffer): PbxAnswer['video'] {
    const offered = pending.video;
    const section = answer.video;
    if (!offered || !section || section.index !== (this.#layout?.videoIndex ?? 1)) return undefined;
    const agreed = pending.kind === 'reoffer' ? this.#video?.spec.name : undefined;
    const chosen = supportedPbxVideoCodecs(section.codecs).find((c) => offered.codecs.has(c.spec.name) && (!agreed || c.spec.name === agreed));
    const codec = chosen && pbxVideoCodec(section.codecs, chosen.spec.name, offered.codecs.get(chosen.spec.name)!);
    let srtp: SrtpParameters | undefined;
    if (offered.cryptoTag !== undefined) {
      const line = section.secure ? section.crypto.find((c) => c.tag === offered.cryptoTag && c.usable === offered.leg.srtpSuite) : undefined;
      if (!line) {
        this.#logger.warn({ tag: offered.cryptoTag }, 'PBX answered our SRTP video m-line without a usable a=crypto line; video declined');
        return undefined;
      }
      srtp = srtpParameters(line);
    } else if (section.secure) {
      this.#logger.warn('PBX answered RTP/SAVP to our RTP/AVP video m-line; video declined');
      return undefined;
    }
    if (!codec) return undefined;
    if (codec.sendPayloadType !== codec.recvPayloadType) {
      this.#logger.warn({ offered: codec.recvPayloadType, answered: codec.sendPayloadType, codec: codec.spec.name }, 'PBX renumbered the video codec in its answer; we keep sending with the offered payload type');
    }
    this.#videoCryptoTag = offered.cryptoTag;
    return { section, codec, srtp, leg: offered.leg };
  }

  #localVideo(leg: PbxLeg<PbxVideoCodec>, codecs: ReadonlyMap<VideoCodecName, number>, direction: Direction, rtcpMux: boolean, cryptoTag: number | undefined): LocalPbxVideo {
    const srtp = leg.srtpParameters;
    return {
      index: this.#layout?.videoIndex ?? 1,
      port: leg.local.port,
      rtcpPort: leg.localRtcpPort,
      rtcpMux,
      crypto: srtp ? { tag: cryptoTag ?? 1, parameters: srtp } : undefined,
      codecs: [...codecs].map(([name, payloadType]) => ({ spec: videoCodecSpec(name), payloadType })),
      direction,
    };
  }

  /** The PBX's SDES key from its answer, which must be in kind what we offered (RTP/AVP or the a=crypto tag). */
  #answerSrtp(answer: PbxDescription, pending: PendingPbxOffer) {
    if (pending.cryptoTag === undefined) {
      if (answer.secure) throw new CryptoInvalidError(`PBX answered RTP/SAVP to an RTP/AVP offer [callId:${this.#callId}]`);
      return undefined;
    }
    if (!answer.secure) throw new CryptoInvalidError(`PBX answered plain RTP to an SRTP (SDES) offer [callId:${this.#callId}]`);
    const line = answer.crypto.find((c) => c.tag === pending.cryptoTag && c.usable !== undefined);
    if (!line || line.usable !== pending.leg.srtpSuite) {
      throw new CryptoInvalidError(`PBX answer has no usable a=crypto:${pending.cryptoTag} ${pending.leg.srtpSuite ?? ''} line [callId:${this.#callId}]`);
    }
    return srtpParameters(line);
  }

  #write(
    leg: PbxLeg,
    codecs: PbxSdpCodec[],
    direction: Direction,
    rtcpMux: boolean,
    cryptoTag: number | undefined,
    ptime: number | undefined,
    layout: Layout | undefined,
    video?: LocalPbxVideo,
  ): string {
    const srtp = leg.srtpParameters;
    this.#version += 1;
    return writePbxSdp({
      sessionId: this.#sessionId,
      sessionVersion: this.#version,
      address: leg.local.address,
      port: leg.local.port,
      rtcpPort: leg.localRtcpPort,
      rtcpMux,
      crypto: srtp ? { tag: cryptoTag ?? 1, parameters: srtp } : undefined,
      codecs,
      direction,
      ptime,
      layout,
      video,
    });
  }
}
