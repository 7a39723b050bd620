import { EventEmitter } from 'node:events';
import type { Consumer, Producer, Router, SrtpCryptoSuite } from 'mediasoup/types';
import type { CodecName, IceCandidate, Logger, MediaCallDump, MediaPath, MediaQuality, SrtpPolicy } from '@ucserver/shared';
import { CallFailedError, CallStateError, CryptoInvalidError, NoCommonCodecError, SdpInvalidError } from '../errors.ts';
import type { DirectMedia } from '../directMedia/DirectMedia.ts';
import type { DirectMediaParty } from '../directMedia/DirectMediaTypes.ts';
import { TupleRegistry } from '../directMedia/TupleRegistry.ts';
import {
  answerSetup,
  browserMlineCodec,
  consumerRtpCapabilities,
  negotiatedHeaderExtensions,
  offeredHeaderExtensions,
  offeredMlineCodec,
  parseBrowserSdp,
  producerRtpParameters,
  remoteDtlsParameters,
  writeBrowserSdp,
  type BrowserDescription,
  type LocalBrowserDescription,
  type MlineCodec,
} from '../sdp/browserSdp.ts';
import { parseTrickleCandidate } from '../sdp/candidates.ts';
import { sdpSessionId } from '../sdp/session.ts';
import { payloadTypeKey, telephoneEvent } from '../sdp/codecs.ts';
import { chooseCrypto, offeredCryptoSuite, srtpParameters } from '../sdp/crypto.ts';
import { answerDirection, canRecv, canSend, intersectDirection, type Direction } from '../sdp/direction.ts';
import { payloadTypesOf, requireSupportedCodecs, supportedCodecs, telephoneEventAt } from '../sdp/negotiation.ts';
import {
  offeredPbxCodec,
  parsePbxSdp,
  pbxCodec,
  pbxSdpCodec,
  telephoneEventSdpCodec,
  writePbxSdp,
  type PbxDescription,
  type PbxSdpCodec,
} from '../sdp/pbxSdp.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import { PbxLeg } from './PbxLeg.ts';
import type { PbxRemote } from './PbxLegTypes.ts';
import type { SsrcWatchdogOptions } from './SsrcWatchdogTypes.ts';
import { SoftphoneLeg } from './SoftphoneLeg.ts';
import { StatsLedger, type LegKind, type StreamDirection } from './StatsLedger.ts';
import { streamFigures, withTimeout } from './streamStats.ts';
import type { MediaCallEvents, MediaCallOptions, MediaCallSample } from './MediaCallTypes.ts';

/** Our pending SDP offer toward the PBX, until its answer arrives. */
interface PendingPbxOffer {
  kind: 'initial' | 'reoffer';
  /** Codecs offered, with the payload type we wrote for each. */
  codecs: Map<CodecName, number>;
  /** telephone-event payload types we wrote, by clock rate. */
  telephoneEvents: Map<number, number>;
  direction: Direction;
  /** The crypto tag we offered (SDES), if any. */
  cryptoTag: number | undefined;
}

const statsTimeoutMs = 1000;
/** The one codec of a late offer (see pbxLateOffer): G.711 µ-law, which every PBX and browser speaks. */
const lateOfferCodec: CodecName = 'PCMU';

/**
 * 'optional' offers plain RTP/AVP: RTP/AVP with a=crypto ("best effort SRTP") is read inconsistently by
 * PBXs, and one that insists on SRTP offers RTP/SAVP itself.
 */
function offeredSrtpSuite(srtp: SrtpPolicy): SrtpCryptoSuite | undefined {
  return srtp === 'sdes' ? offeredCryptoSuite : undefined;
}

/**
 * One CTI call on this node: a router on one worker with up to two legs, the softphone's (WebRTC) and
 * the PBX's (RTP/SRTP), bridged in both directions, or, on Direct Media, bridged to another call's
 * softphone. Commands on a call run one at a time, in arrival order.
 */
export class MediaCall extends EventEmitter<MediaCallEvents> implements DirectMediaParty {
  readonly id: string;
  readonly worker: MediaWorker;
  readonly #directMedia: DirectMedia;
  readonly #logger: Logger;
  readonly #maxPending: number;
  readonly #ssrcWatchdog: Partial<SsrcWatchdogOptions> | false | undefined;
  readonly #ledger = new StatsLedger();
  #router: Router | undefined;
  #routerPromise: Promise<Router> | undefined;
  #softphone: SoftphoneLeg | undefined;
  #pbx: PbxLeg | undefined;
  /** The softphone's offer (outgoing calls) or answer (incoming calls). */
  #browser: BrowserDescription | undefined;
  #softphoneAnswerSdp: string | undefined;
  #softphoneOfferSdp: string | undefined;
  #softphoneMid = '0';
  #softphoneVersion = 0;
  readonly #softphoneSessionId = sdpSessionId();
  /** The codec fixed for the call (both legs) and whether the PBX side has telephone-event. */
  #codec: { name: CodecName; telephoneEvent: boolean; ptime: number | undefined } | undefined;
  /** The softphone's ICE credentials after its last re-offer (undefined: those of #browser). */
  #browserIce: { ufrag: string; pwd: string } | undefined;
  #pendingPbxOffer: PendingPbxOffer | undefined;
  #pbxCryptoTag: number | undefined;
  #pbxVersion = 0;
  readonly #pbxSessionId = sdpSessionId();
  /** Our direction toward the PBX as last agreed; `#localHold` additionally mutes what we send. */
  #pbxDirection: Direction = 'sendrecv';
  #localHold = false;
  #path: MediaPath | null = null;
  /**
   * Set when the Direct Media partner closed (its call ended, our PBX dialog did not change): the PBX
   * remote we point at is that partner's former tuple. The call keeps its path and sends nothing until
   * an SDP re-targets it elsewhere. Holds the TupleRegistry key of that remote.
   */
  #partnerGoneFrom: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #dirty = false;
  #reconciling: Promise<void> | undefined;
  #closing = false;
  #closeCause = 'normal';

  constructor(options: MediaCallOptions) {
    super();
    this.id = options.id;
    this.worker = options.worker;
    this.#directMedia = options.directMedia;
    this.#logger = options.logger.child({ callId: options.id });
    this.#maxPending = options.maxPendingCommands ?? 16;
    this.#ssrcWatchdog = options.ssrcWatchdog;
  }

  // --- DirectMediaParty ---------------------------------------------------------------------------

  get router(): Router | undefined {
    return this.#router;
  }

  get softphoneProducer(): Producer | undefined {
    return this.#softphone?.producer;
  }

  get pbxRemote(): { address: string; port: number } | undefined {
    return this.#pbx?.remote;
  }

  get codecName(): CodecName | undefined {
    return this.#codec?.name;
  }

  get sendAllowed(): boolean {
    return canSend(this.#pbxDirection) && !this.#localHold;
  }

  /**
   * The Direct Media partner closed. That is not a re-target of our PBX leg (the PBX has not changed our
   * dialog's SDP), so the call keeps its path — nothing is announced — until an SDP re-targets it or it
   * closes. Meanwhile it drops the partner's audio and sends nothing to the partner's former tuple.
   */
  partnerClosed(): Promise<void> {
    const remote = this.#pbx?.remote;
    if (remote) this.#partnerGoneFrom = TupleRegistry.key(remote.address, remote.port);
    return this.requestReconcile();
  }

  // --- state --------------------------------------------------------------------------------------

  get closed(): boolean {
    return this.#closing;
  }

  get path(): MediaPath | null {
    return this.#path;
  }

  get legCount(): number {
    return (this.#softphone ? 1 : 0) + (this.#pbx ? 1 : 0);
  }

  get softphoneLeg(): SoftphoneLeg | undefined {
    return this.#softphone;
  }

  get pbxLeg(): PbxLeg | undefined {
    return this.#pbx;
  }

  dump(): MediaCallDump {
    const legs: MediaCallDump['legs'] = [];
    if (this.#softphone) legs.push({ legId: this.#softphone.id, kind: 'softphone', state: this.#softphone.state });
    if (this.#pbx) legs.push({ legId: this.#pbx.id, kind: 'pbx', state: this.#pbx.state });
    return { callId: this.id, mediaPath: this.#path, codec: this.#codec?.name ?? null, legs };
  }

  // --- commands -----------------------------------------------------------------------------------

  /** The softphone's SDP offer (outgoing call): creates the WebRTC leg; the answer waits for the codec. */
  softphoneOffer(sdp: string): Promise<{ legId: string; codecs: CodecName[] }> {
    return this.#run('softphoneOffer', async () => {
      if (this.#softphone) throw new CallStateError(`call already has a softphone leg [callId:${this.id}]`);
      const offer = parseBrowserSdp(sdp, 'offer');
      const supported = requireSupportedCodecs(offer.codecs, `softphone offer [callId:${this.id}]`);
      if (this.#codec && !supported.some((c) => c.spec.name === this.#codec!.name)) {
        throw new NoCommonCodecError(`softphone offer lacks the call's codec ${this.#codec.name} [callId:${this.id}]`, offer.codecs.map((c) => c.name));
      }
      const leg = await this.#createSoftphoneLeg(payloadTypesOf(offer.codecs));
      leg.mid = offer.mid;
      await leg.connect(remoteDtlsParameters(offer));
      this.#browser = offer;
      // An incoming PBX offer may have fixed the codec already; the softphone leg can then produce now.
      if (this.#codec) await this.#produceSoftphone(offer);
      return { legId: leg.id, codecs: supported.map((c) => c.spec.name) };
    });
  }

  /** Our SDP offer toward the PBX (outgoing INVITE): the softphone's codecs, in its order. */
  pbxCreateOffer(srtp: SrtpPolicy): Promise<{ legId: string; sdp: string }> {
    return this.#run('pbxCreateOffer', async () => {
      const offer = this.#browser;
      if (!offer || !this.#softphone) throw new CallStateError(`pbxCreateOffer needs the softphone's offer first [callId:${this.id}]`);
      if (this.#pbx) throw new CallStateError(`call already has a PBX leg [callId:${this.id}]`);
      const srtpSuite = offeredSrtpSuite(srtp);
      // RFC 5761 §5.1.3: offer a=rtcp-mux together with a separate RTCP port, so a PBX that does not
      // multiplex still has somewhere to send RTCP.
      const leg = await this.#createPbxLeg(false, srtpSuite, payloadTypesOf(offer.codecs));
      const names = supportedCodecs(offer.codecs).map((c) => c.spec.name);
      return this.#initialPbxOffer(leg, names, (clockRate) => telephoneEventAt(offer.codecs, clockRate) !== undefined);
    });
  }

  /**
   * Our offer for an incoming INVITE without SDP, which goes in our 200. It has the late offer codec only,
   * fixed from now on: the softphone is offered the call before the PBX answers in its ACK, and without
   * transcoding a second codec could not be honoured.
   */
  pbxLateOffer(srtp: SrtpPolicy): Promise<{ legId: string; sdp: string }> {
    return this.#run('pbxLateOffer', async () => {
      if (this.#pbx || this.#softphone) throw new CallStateError(`a late offer is for a new call only [callId:${this.id}]`);
      const srtpSuite = offeredSrtpSuite(srtp);
      const leg = await this.#createPbxLeg(false, srtpSuite, new Map());
      const offer = this.#initialPbxOffer(leg, [lateOfferCodec], () => true);
      this.#codec = { name: lateOfferCodec, telephoneEvent: (this.#pendingPbxOffer?.telephoneEvents.size ?? 0) > 0, ptime: 20 };
      return offer;
    });
  }

  /**
   * The first offer on a new PBX leg, left pending for pbxApplyAnswer: `names` in their order, plus
   * telephone-event at each of their clock rates where `withTelephoneEvent` says so.
   */
  #initialPbxOffer(leg: PbxLeg, names: CodecName[], withTelephoneEvent: (clockRate: number) => boolean): { legId: string; sdp: string } {
    const payloadTypes = this.#routerPayloadTypes();
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
    this.#pendingPbxOffer = { kind: 'initial', codecs, telephoneEvents, direction: 'sendrecv', cryptoTag };
    return { legId: leg.id, sdp: this.#writePbxSdp(leg, lines, 'sendrecv', true, cryptoTag, 20) };
  }

  /** The PBX's answer to our offer (initial, or a hold/retrieve re-offer). */
  pbxApplyAnswer(sdp: string): Promise<{ codec: CodecName; mediaPath: MediaPath }> {
    return this.#run('pbxApplyAnswer', async () => {
      const pending = this.#pendingPbxOffer;
      const leg = this.#pbx;
      if (!pending || !leg) throw new CallStateError(`no PBX offer is waiting for an answer [callId:${this.id}]`);
      const answer = parsePbxSdp(sdp, `PBX answer [callId:${this.id}]`);
      await this.#sampleBeforeChange();
      // The first codec of the answer that we offered (RFC 3264 §6.1: the answerer's preference).
      const chosen = supportedCodecs(answer.codecs).find((c) => pending.codecs.has(c.spec.name) && (!this.#codec || c.spec.name === this.#codec.name));
      if (!chosen) {
        throw new NoCommonCodecError(`PBX answer has none of the offered codecs [callId:${this.id}, offered:${[...pending.codecs.keys()].join(' ')}]`, answer.codecs.map((c) => c.name));
      }
      const name = chosen.spec.name;
      const srtp = this.#answerSrtp(answer, pending);
      const codec = pbxCodec(answer, name, { payloadType: pending.codecs.get(name)!, telephoneEventPayloadType: pending.telephoneEvents.get(chosen.spec.clockRate) });
      if (!codec) throw new NoCommonCodecError(`PBX answer lacks codec ${name} [callId:${this.id}]`, answer.codecs.map((c) => c.name));
      if (codec.sendPayloadType !== codec.recvPayloadType) {
        // Consumers send with their router's numbers (RFC 3264 §6.1 asks answerers to keep the offer's).
        this.#logger.warn({ offered: codec.recvPayloadType, answered: codec.sendPayloadType, codec: name }, 'PBX renumbered the codec in its answer; we keep sending with the offered payload type');
      }
      this.#pendingPbxOffer = undefined;
      this.#pbxDirection = intersectDirection(answer.direction, pending.direction);
      if (pending.kind === 'initial') {
        this.#codec = { name, telephoneEvent: codec.telephoneEvent !== undefined, ptime: answer.ptime };
        if (this.#browser && this.#softphone && !this.#softphone.producer) await this.#produceSoftphone(this.#browser);
      } else if (srtp && leg.remote?.srtp && srtp.keyBase64 !== leg.remote.srtp.keyBase64) {
        this.#logger.warn('PBX changed its SRTP key in an answer; the PBX leg is re-keyed with a new local key the PBX has not seen');
      }
      leg.setCodec(codec);
      await this.#applyPbxRemote(leg, answer, srtp, leg.srtpSuite);
      await this.#reconcileNow();
      return { codec: name, mediaPath: this.#path ?? 'pbx' };
    });
  }

  /** The softphone's SDP answer (outgoing call), in the codec the PBX leg fixed. */
  softphoneAnswer(): Promise<{ sdp: string }> {
    return this.#run('softphoneAnswer', async () => {
      const offer = this.#browser;
      const leg = this.#softphone;
      const codec = this.#softphoneCodec();
      if (!offer || !leg || this.#softphoneOfferSdp) throw new CallStateError(`softphoneAnswer needs the softphone's offer [callId:${this.id}]`);
      if (!codec || !this.#codec) throw new CallStateError(`softphoneAnswer needs the PBX leg to fix the codec first [callId:${this.id}]`);
      this.#softphoneAnswerSdp ??= writeBrowserSdp(this.#localBrowserDescription(leg, 'answer', {
        mid: offer.mid,
        bundle: offer.bundle,
        setup: answerSetup(offer),
        codec,
        headerExtensions: negotiatedHeaderExtensions(offer),
        direction: answerDirection(offer.direction),
        rtcpRsize: offer.rtcpRsize,
      }));
      return { sdp: this.#softphoneAnswerSdp };
    });
  }

  /** The node's SDP offer to a called softphone (incoming call), in the codec the PBX leg fixed. */
  softphoneCreateOffer(): Promise<{ legId: string; sdp: string }> {
    return this.#run('softphoneCreateOffer', async () => {
      if (!this.#codec) throw new CallStateError(`softphoneCreateOffer needs the PBX leg to fix the codec first [callId:${this.id}]`);
      if (this.#softphone && !this.#softphoneOfferSdp) throw new CallStateError(`call already has a softphone leg from the softphone's offer [callId:${this.id}]`);
      if (this.#softphone?.producer) throw new CallStateError(`the softphone already answered [callId:${this.id}]`);
      const leg = this.#softphone ?? (await this.#createSoftphoneLeg(new Map()));
      leg.mid = this.#softphoneMid;
      this.#softphoneOfferSdp ??= writeBrowserSdp(this.#localBrowserDescription(leg, 'offer', {
        mid: this.#softphoneMid,
        bundle: true,
        setup: 'actpass',
        codec: offeredMlineCodec(this.#codec.name, this.#codec.telephoneEvent, this.#routerPayloadTypes()),
        headerExtensions: offeredHeaderExtensions(),
        direction: 'sendrecv',
        rtcpRsize: true,
      }));
      return { legId: leg.id, sdp: this.#softphoneOfferSdp };
    });
  }

  /** The called softphone's SDP answer. */
  softphoneApplyAnswer(sdp: string): Promise<void> {
    return this.#run('softphoneApplyAnswer', async () => {
      const leg = this.#softphone;
      if (!leg || !this.#softphoneOfferSdp || !this.#codec) throw new CallStateError(`softphoneApplyAnswer needs the node's offer first [callId:${this.id}]`);
      if (leg.producer) throw new CallStateError(`the softphone already answered [callId:${this.id}]`);
      const answer = parseBrowserSdp(sdp, 'answer', `softphone answer [callId:${this.id}]`);
      if (answer.mid !== this.#softphoneMid) throw new SdpInvalidError(`softphone answer has mid '${answer.mid}' (offered '${this.#softphoneMid}') [callId:${this.id}]`);
      if (!browserMlineCodec(answer, this.#codec.name, false)) {
        throw new NoCommonCodecError(`softphone answer rejects ${this.#codec.name} [callId:${this.id}]`, answer.codecs.map((c) => c.name));
      }
      await leg.connect(remoteDtlsParameters(answer));
      this.#browser = answer;
      await this.#produceSoftphone(answer);
      await this.#reconcileNow();
    });
  }

  /** A trickled candidate (or end-of-candidates) from the softphone; validated, not needed (ICE-lite). */
  softphoneCandidate(candidate: IceCandidate | null): Promise<void> {
    return this.#run('softphoneCandidate', async () => {
      const leg = this.#softphone;
      if (!leg || leg.mid === undefined) throw new CallStateError(`no softphone leg to add a candidate to [callId:${this.id}]`);
      const parsed = candidate === null ? null : parseTrickleCandidate(candidate, leg.mid, `softphone candidate [callId:${this.id}]`);
      leg.recordCandidate(parsed === null);
    });
  }

  /**
   * A new offer from a connected softphone. What a softphone re-offers for is an ICE restart (its network
   * changed): new ICE credentials in the offer restart ICE on our transport too, and the answer carries
   * ours. Everything else must stay as negotiated: same m-line, codec and payload type, DTLS fingerprint
   * (no new DTLS association; we keep our role), and sendrecv, since hold goes through the PBX
   * (asnAVCallHoldV2 / asnCtiHold), not through the softphone's SDP.
   */
  softphoneReoffer(sdp: string): Promise<{ sdp: string }> {
    return this.#run('softphoneReoffer', async () => {
      const leg = this.#softphone;
      const current = this.#browser;
      const codec = this.#softphoneCodec();
      if (!leg || !current || !leg.producer || !codec) throw new CallStateError(`a re-offer needs a connected softphone leg [callId:${this.id}]`);
      const offer = parseBrowserSdp(sdp, 'offer', `softphone re-offer [callId:${this.id}]`);
      const what = `[callId:${this.id}]`;
      if (offer.mid !== current.mid) throw new SdpInvalidError(`softphone re-offer has mid '${offer.mid}', the session has '${current.mid}' ${what}`);
      if (offer.direction !== 'sendrecv') {
        throw new SdpInvalidError(`softphone re-offer is ${offer.direction}: hold and retrieve go through asnAVCallHoldV2/asnCtiHold, not SDP ${what}`);
      }
      const again = browserMlineCodec(offer, codec.spec.name, codec.telephoneEvent !== undefined);
      if (!again || again.payloadType !== codec.payloadType) {
        throw new NoCommonCodecError(`softphone re-offer lacks ${codec.spec.name} with payload type ${codec.payloadType} ${what}`, offer.codecs.map((c) => c.name));
      }
      const known = new Set(current.fingerprints.map((f) => `${f.algorithm} ${f.value.toUpperCase()}`));
      if (!offer.fingerprints.some((f) => known.has(`${f.algorithm} ${f.value.toUpperCase()}`))) {
        throw new SdpInvalidError(`softphone re-offer has a new DTLS fingerprint; a new DTLS session needs a new call ${what}`);
      }
      const ice = this.#browserIce ?? { ufrag: current.iceUfrag, pwd: current.icePwd };
      if (offer.iceUfrag !== ice.ufrag || offer.icePwd !== ice.pwd) {
        await leg.transport.restartIce();
        this.#logger.info({ callId: this.id }, 'softphone restarted ICE');
      }
      this.#browserIce = { ufrag: offer.iceUfrag, pwd: offer.icePwd };
      return {
        sdp: writeBrowserSdp(this.#localBrowserDescription(leg, 'answer', {
          mid: offer.mid,
          bundle: offer.bundle,
          // The DTLS association stands: we keep the role we have (answerSetup of what set it up).
          setup: answerSetup(current),
          codec: again,
          headerExtensions: negotiatedHeaderExtensions(offer),
          direction: 'sendrecv',
          rtcpRsize: offer.rtcpRsize,
        })),
      };
    });
  }

  /** An SDP offer from the PBX: an incoming INVITE (new PBX leg) or a re-INVITE/UPDATE. */
  pbxOffer(sdp: string): Promise<{ legId: string; sdp: string; codec: CodecName; mediaPath: MediaPath }> {
    return this.#run('pbxOffer', async () => {
      if (this.#pendingPbxOffer) throw new CallStateError(`our own offer to the PBX is still unanswered (glare) [callId:${this.id}]`);
      const offer = parsePbxSdp(sdp, `PBX offer [callId:${this.id}]`);
      const supported = requireSupportedCodecs(offer.codecs, `PBX offer [callId:${this.id}]`);
      if (this.#pbx) await this.#sampleBeforeChange();
      // The call's codec if it has one; else the PBX's first one (that the softphone offered, if it did).
      const softphoneCodecs = this.#browser && !this.#codec ? new Set(supportedCodecs(this.#browser.codecs).map((c) => c.spec.name)) : undefined;
      const chosen = this.#codec
        ? supported.find((c) => c.spec.name === this.#codec!.name)
        : supported.find((c) => !softphoneCodecs || softphoneCodecs.has(c.spec.name));
      if (!chosen) {
        throw new NoCommonCodecError(`PBX offer lacks ${this.#codec ? `the call's codec ${this.#codec.name}` : "every codec the softphone offered"} [callId:${this.id}]`, offer.codecs.map((c) => c.name));
      }
      const name = chosen.spec.name;
      const crypto = offer.secure ? chooseCrypto(offer.crypto) : undefined;
      if (offer.secure && !crypto) throw new CryptoInvalidError(`PBX offer has no a=crypto line with a supported suite and no MKI [callId:${this.id}]`);
      const te = telephoneEventAt(offer.codecs, chosen.spec.clockRate);
      const leg = this.#pbx ?? (await this.#createPbxLeg(offer.rtcpMux, crypto?.usable, payloadTypesOf(offer.codecs)));
      // We answer with the router's numbers, which for a call the PBX started are the PBX's own.
      const payloadTypes = this.#routerPayloadTypes();
      const codec = pbxCodec(offer, name, {
        payloadType: payloadTypes.get(payloadTypeKey(chosen.spec.mimeType, chosen.spec.clockRate)) ?? chosen.sdp.payloadType,
        telephoneEventPayloadType: te ? payloadTypes.get(payloadTypeKey(telephoneEvent.mimeType, te.clockRate)) : undefined,
      })!;
      if (!this.#codec) {
        this.#codec = { name, telephoneEvent: te !== undefined, ptime: offer.ptime };
        if (this.#browser && this.#softphone && !this.#softphone.producer) await this.#produceSoftphone(this.#browser);
      }
      this.#pbxDirection = intersectDirection(offer.direction, this.#localHold ? 'sendonly' : 'sendrecv');
      leg.setCodec(codec);
      await this.#applyPbxRemote(leg, offer, crypto ? srtpParameters(crypto) : undefined, crypto?.usable);
      this.#pbxCryptoTag = crypto?.tag;
      await this.#reconcileNow();
      const lines = [pbxSdpCodec(chosen.spec, codec.recvPayloadType, chosen.sdp.fmtp)];
      if (codec.telephoneEvent) lines.push(telephoneEventSdpCodec(codec.telephoneEvent.recvPayloadType, codec.telephoneEvent.clockRate));
      const answerSdp = this.#writePbxSdp(leg, lines, this.#pbxDirection, offer.rtcpMux, crypto?.tag, offer.ptime);
      return { legId: leg.id, sdp: answerSdp, codec: name, mediaPath: this.#path ?? 'pbx' };
    });
  }

  /** Our re-offer toward the PBX: hold (sendonly, and nothing sent) or retrieve (sendrecv). */
  pbxHoldOffer(hold: boolean): Promise<{ sdp: string }> {
    return this.#run('pbxHoldOffer', async () => {
      const leg = this.#pbx;
      const codec = leg?.codec;
      if (!leg || !codec || !leg.remote) throw new CallStateError(`pbxHoldOffer needs a connected PBX leg [callId:${this.id}]`);
      if (this.#pendingPbxOffer) throw new CallStateError(`an offer to the PBX is already pending [callId:${this.id}]`);
      const direction: Direction = hold ? 'sendonly' : 'sendrecv';
      const lines = [pbxSdpCodec(codec.spec, codec.recvPayloadType, codec.fmtp)];
      const telephoneEvents = new Map<number, number>();
      if (codec.telephoneEvent) {
        telephoneEvents.set(codec.telephoneEvent.clockRate, codec.telephoneEvent.recvPayloadType);
        lines.push(telephoneEventSdpCodec(codec.telephoneEvent.recvPayloadType, codec.telephoneEvent.clockRate));
      }
      this.#pendingPbxOffer = { kind: 'reoffer', codecs: new Map([[codec.spec.name, codec.recvPayloadType]]), telephoneEvents, direction, cryptoTag: this.#pbxCryptoTag };
      // Holding mutes what we send at once; retrieving waits for the answer.
      if (hold) {
        this.#localHold = true;
        await this.#reconcileNow();
      } else {
        this.#localHold = false;
      }
      return { sdp: this.#writePbxSdp(leg, lines, direction, leg.rtcpMux || (leg.remote?.rtcpMux ?? false), this.#pbxCryptoTag, this.#codec?.ptime) };
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
    try {
      await withTimeout(this.sample(), statsTimeoutMs);
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, 'final stats sample failed; summary uses the last one');
    }
    const quality = this.#ledger.quality();
    this.#teardown();
    this.#logger.info({ cause, ...quality }, 'call closed');
    this.emit('close', quality, cause);
    return quality;
  }

  /** Samples every stream and transport of the call into its ledger; returns the increments. */
  async sample(): Promise<MediaCallSample> {
    const result: MediaCallSample = { streams: [], transports: [] };
    const tasks: Array<Promise<void>> = [];
    const stream = (leg: LegKind, direction: StreamDirection, item: Producer | Consumer | undefined): void => {
      if (!item || item.closed) return;
      tasks.push(streamFigures(item).then((s) => {
        if (!s) return;
        const delta = this.#ledger.recordStream({ key: item.id, leg, direction, packets: s.packets, bytes: s.bytes, lost: s.lost, jitterMs: s.jitterMs, rttMs: s.rttMs });
        result.streams.push({ leg, direction, packets: delta.packets, bytes: delta.bytes, lossRatio: s.lossRatio, jitterSeconds: s.jitterMs / 1000, rttSeconds: s.rttMs === undefined ? undefined : s.rttMs / 1000 });
      }));
    };
    const sp = this.#softphone;
    const pbx = this.#pbx;
    stream('softphone', 'in', sp?.producer);
    stream('softphone', 'out', sp?.downlink);
    stream('pbx', 'in', pbx?.producer);
    stream('pbx', 'out', pbx?.uplink);
    for (const [leg, transport] of [['softphone', sp?.transport], ['pbx', pbx?.transport]] as const) {
      if (!transport || transport.closed) continue;
      tasks.push(transport.getStats().then(([s]) => {
        if (!s) return;
        const delta = this.#ledger.recordTransport({ key: transport.id, leg, bytesIn: s.bytesReceived, bytesOut: s.bytesSent });
        result.transports.push({ leg, ...delta });
      }));
    }
    await Promise.all(tasks);
    return result;
  }

  /** Re-applies the media wiring; concurrent requests coalesce into one more pass. */
  requestReconcile(): Promise<void> {
    this.#dirty = true;
    this.#reconciling ??= this.#reconcileLoop();
    return this.#reconciling;
  }

  // --- internals ----------------------------------------------------------------------------------

  #run<T>(command: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new CallFailedError(`call is closed [callId:${this.id}, command:${command}]`));
    if (this.#pending >= this.#maxPending) return Promise.reject(new CallStateError(`too many commands pending on the call [callId:${this.id}, command:${command}]`));
    this.#pending += 1;
    const task = this.#queue.then(async () => {
      if (this.#closing) throw new CallFailedError(`call closed (${this.#closeCause}) before ${command} ran [callId:${this.id}]`);
      try {
        return await fn();
      } catch (err) {
        if (this.#closing && !(err instanceof CallFailedError)) {
          throw new CallFailedError(`call closed (${this.#closeCause}) while ${command} ran [callId:${this.id}]`, { cause: err });
        }
        throw err;
      }
    });
    this.#queue = task.then(() => undefined, () => undefined).finally(() => {
      this.#pending -= 1;
    });
    return task;
  }

  /** The call's router, created on first use with the payload types of the call's first SDP. */
  async #ensureRouter(payloadTypes: ReadonlyMap<string, number>): Promise<Router> {
    if (this.#router) return this.#router;
    this.#routerPromise ??= this.worker.createRouter({ callId: this.id }, payloadTypes).then((router) => {
      this.#router = router;
      router.once('workerclose', () => this.#fail('media worker died'));
      if (this.#closing) router.close();
      return router;
    });
    return this.#routerPromise;
  }

  async #createSoftphoneLeg(payloadTypes: ReadonlyMap<string, number>): Promise<SoftphoneLeg> {
    const router = await this.#ensureRouter(payloadTypes);
    const leg = await SoftphoneLeg.create({ router, webRtcServer: this.worker.webRtcServer, callId: this.id, logger: this.#logger });
    if (this.#closing) {
      leg.close();
      throw new CallFailedError(`call closed while its softphone leg was created [callId:${this.id}]`);
    }
    this.#softphone = leg;
    leg.on('dtlsfailed', () => this.#fail('softphone DTLS failed'));
    leg.on('@downlinkclose', () => this.#reconcileInBackground('softphone downlink closed'));
    return leg;
  }

  async #createPbxLeg(rtcpMux: boolean, srtpSuite: SrtpCryptoSuite | undefined, payloadTypes: ReadonlyMap<string, number>): Promise<PbxLeg> {
    const router = await this.#ensureRouter(payloadTypes);
    const leg = await PbxLeg.create({
      router,
      worker: this.worker,
      callId: this.id,
      logger: this.#logger,
      rtcpMux,
      srtpSuite,
      ssrcWatchdog: this.#ssrcWatchdog,
    });
    if (this.#closing) {
      leg.close();
      throw new CallFailedError(`call closed while its PBX leg was created [callId:${this.id}]`);
    }
    this.#pbx = leg;
    leg.on('producer', () => this.#reconcileInBackground('PBX producer ready'));
    this.#directMedia.register(this, [this.worker.announcedAddress, this.worker.listenIp], leg.local.port);
    return leg;
  }

  /** The router's payload types by payloadTypeKey() (what its Consumers send with). */
  #routerPayloadTypes(): Map<string, number> {
    const map = new Map<string, number>();
    for (const c of this.#router?.rtpCapabilities.codecs ?? []) map.set(payloadTypeKey(c.mimeType, c.clockRate), c.preferredPayloadType);
    return map;
  }

  /** Creates the softphone microphone Producer and the receive parameters from its SDP. */
  async #produceSoftphone(description: BrowserDescription): Promise<void> {
    const leg = this.#softphone;
    const codec = this.#softphoneCodec(description);
    if (!leg || !codec) throw new NoCommonCodecError(`softphone SDP lacks the call's codec ${this.#codec?.name} [callId:${this.id}]`, description.codecs.map((c) => c.name));
    await leg.produce(producerRtpParameters(description, codec), consumerRtpCapabilities(description, codec));
    // A Direct Media partner may be waiting for this microphone.
    const partner = this.#directMedia.linkOf(this)?.peerOf(this);
    partner?.requestReconcile().catch((err: unknown) => this.#logger.warn({ peerCallId: partner.id, err: (err as Error).message }, 'Direct Media partner wiring failed'));
  }

  /** The softphone m-line's codec: from its SDP (offer or answer) in the call's codec. */
  #softphoneCodec(description = this.#browser): MlineCodec | undefined {
    if (!description || !this.#codec) return undefined;
    return browserMlineCodec(description, this.#codec.name, this.#codec.telephoneEvent);
  }

  #answerSrtp(answer: PbxDescription, pending: PendingPbxOffer) {
    if (pending.cryptoTag === undefined) {
      if (answer.secure) throw new CryptoInvalidError(`PBX answered RTP/SAVP to an RTP/AVP offer [callId:${this.id}]`);
      return undefined;
    }
    if (!answer.secure) throw new CryptoInvalidError(`PBX answered plain RTP to an SRTP (SDES) offer [callId:${this.id}]`);
    const line = answer.crypto.find((c) => c.tag === pending.cryptoTag && c.usable !== undefined);
    if (!line || line.usable !== this.#pbx?.srtpSuite) {
      throw new CryptoInvalidError(`PBX answer has no usable a=crypto:${pending.cryptoTag} ${this.#pbx?.srtpSuite ?? ''} line [callId:${this.id}]`);
    }
    return srtpParameters(line);
  }

  /** Points the PBX leg at the PBX's address (or, for one of our own tuples, wires Direct Media). */
  async #applyPbxRemote(leg: PbxLeg, description: PbxDescription, srtp: ReturnType<typeof srtpParameters> | undefined, srtpSuite: SrtpCryptoSuite | undefined): Promise<void> {
    const remote: PbxRemote = {
      address: description.address,
      port: description.port,
      rtcpAddress: description.rtcpAddress,
      rtcpPort: description.rtcpPort,
      rtcpMux: description.rtcpMux,
      srtp,
      ssrc: description.ssrc,
    };
    const ownTuple = this.#directMedia.isLocal(remote.address, remote.port);
    const connect = !ownTuple && !description.nullAddress;
    if (this.#partnerGoneFrom !== undefined && this.#partnerGoneFrom !== TupleRegistry.key(remote.address, remote.port)) this.#partnerGoneFrom = undefined;
    await leg.configure({ remote, srtpSuite, connect });
    // Every SDP the PBX applies (offer, or answer to our own re-INVITE) may come with a new SSRC: the far
    // end may have re-created its stream (transfer, media re-anchoring, a re-created transport after
    // hold): check its next packet.
    if (connect) await leg.relearn();
    const affected = this.#directMedia.update(this);
    await Promise.all(affected.filter((c) => c !== this).map((c) => c.requestReconcile()));
  }

  /**
   * Samples before a command that may replace Producers, Consumers or the PBX transport (re-INVITE,
   * answer, Direct Media switch), so the call's summary keeps what the replaced ones carried.
   */
  async #sampleBeforeChange(): Promise<void> {
    try {
      await withTimeout(this.sample(), statsTimeoutMs);
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, 'stats sample before a change failed');
    }
  }

  /** Reconciles after an event (not a command); a failure is logged, and the next event retries. */
  #reconcileInBackground(reason: string): void {
    if (this.#closing) return;
    this.requestReconcile().catch((err: unknown) => this.#logger.warn({ reason, err: (err as Error).message }, 'media wiring failed after an event'));
  }

  async #reconcileNow(): Promise<void> {
    await this.requestReconcile();
    if (this.#closing) throw new CallFailedError(`call closed (${this.#closeCause}) [callId:${this.id}]`);
  }

  /**
   * Runs passes until no request is pending. A failed pass does not drop requests made meanwhile; the
   * loop rejects (for the callers awaiting it) only when its last pass failed.
   */
  async #reconcileLoop(): Promise<void> {
    let failure: unknown;
    try {
      while (this.#dirty && !this.#closing) {
        this.#dirty = false;
        try {
          await this.#reconcileOnce();
          failure = undefined;
        } catch (err) {
          if (this.#closing) return;
          failure = err;
          this.#logger.error({ err }, 'media wiring failed');
        }
      }
    } finally {
      this.#reconciling = undefined;
    }
    if (failure !== undefined) throw failure;
  }

  /** One pass: PBX leg on or off, what the softphone hears, what the PBX gets, and the path. */
  async #reconcileOnce(): Promise<void> {
    const sp = this.#softphone;
    const pbx = this.#pbx;
    const link = this.#directMedia.linkOf(this);
    const remote = pbx?.remote;
    const remoteIsOwnTuple = remote !== undefined && this.#directMedia.isLocal(remote.address, remote.port);
    const partnerGone = this.#partnerGoneFrom !== undefined && !link;
    const active = pbx !== undefined && pbx.connected && !remoteIsOwnTuple && !link && !partnerGone;
    const recvAllowed = canRecv(this.#pbxDirection);
    await pbx?.setActive(active);
    if (sp) {
      if (link) {
        const peer = link.peerOf(this);
        await sp.setDownlink(await link.sourceFor(this), !recvAllowed || !peer.sendAllowed);
      } else {
        await sp.setDownlink(active ? pbx?.producer : undefined, !recvAllowed);
      }
    }
    await pbx?.setUplink(active ? sp?.producer : undefined, !this.sendAllowed);
    if (link) this.#partnerGoneFrom = undefined;
    // A partner that closed does not change the path: it changes when an SDP re-targets the call.
    const path: MediaPath | null = partnerGone ? this.#path : link ? 'direct' : remote ? 'pbx' : null;
    if (path !== null && path !== this.#path) {
      this.#path = path;
      this.#logger.info({ path }, 'media path');
      this.emit('path', path);
    }
  }

  #localBrowserDescription(
    leg: SoftphoneLeg,
    type: 'offer' | 'answer',
    parts: Pick<LocalBrowserDescription, 'mid' | 'bundle' | 'setup' | 'codec' | 'headerExtensions' | 'direction' | 'rtcpRsize'>,
  ): LocalBrowserDescription {
    const fingerprint = leg.transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? leg.transport.dtlsParameters.fingerprints[0]!;
    this.#softphoneVersion += 1;
    return {
      type,
      sessionId: this.#softphoneSessionId,
      sessionVersion: this.#softphoneVersion,
      iceUfrag: leg.transport.iceParameters.usernameFragment,
      icePwd: leg.transport.iceParameters.password,
      candidates: leg.transport.iceCandidates,
      fingerprint,
      msid: { streamId: `ucs-${this.id}`.slice(0, 64), trackId: `ucs-audio-${leg.id}` },
      ptime: this.#codec?.ptime,
      ...parts,
    };
  }

  #writePbxSdp(leg: PbxLeg, codecs: PbxSdpCodec[], direction: Direction, rtcpMux: boolean, cryptoTag: number | undefined, ptime: number | undefined): string {
    const srtp = leg.srtpParameters;
    this.#pbxVersion += 1;
    return writePbxSdp({
      sessionId: this.#pbxSessionId,
      sessionVersion: this.#pbxVersion,
      address: leg.local.address,
      port: leg.local.port,
      rtcpPort: leg.localRtcpPort,
      rtcpMux,
      crypto: srtp ? { tag: cryptoTag ?? 1, parameters: srtp } : undefined,
      codecs,
      direction,
      ptime,
    });
  }

  #fail(cause: string): void {
    if (this.#closing) return;
    this.#logger.warn({ cause }, 'call failed');
    this.emit('failed', cause);
    this.close(cause).catch((err: unknown) => this.#logger.error({ err }, 'closing the failed call threw'));
  }

  #teardown(): void {
    const affected = this.#directMedia.remove(this);
    for (const call of affected) {
      call.partnerClosed().catch((err: unknown) => this.#logger.warn({ peerCallId: call.id, err: (err as Error).message }, 'Direct Media partner could not drop the closed link'));
    }
    this.#softphone?.close();
    this.#pbx?.close();
    this.#router?.close();
    this.#routerPromise?.then((r) => r.close(), () => undefined);
  }
}
