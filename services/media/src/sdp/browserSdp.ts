// Softphone (browser) SDP ↔ mediasoup WebRtcTransport / Producer / Consumer parameters. Pure: text in,
// typed values out, or a typed error.
import type {
  DtlsFingerprint,
  DtlsParameters,
  FingerprintAlgorithm,
  IceCandidate,
  RtpCapabilities,
  RtpHeaderExtensionUri,
  RtpParameters,
} from 'mediasoup/types';
import { DtlsInvalidError, IceInvalidError, SdpInvalidError } from '../errors.ts';
import type { CodecName } from '@ucserver/shared';
import { codecSpec, headerExtensionIds, midExtensionUri, payloadTypeKey, softphoneHeaderExtensions, telephoneEvent } from './codecs.ts';
import { codecByName, telephoneEventAt } from './negotiation.ts';
import { readDirection, type Direction } from './direction.ts';
import { consumerCodecs, producerCodecs, type NumberedCodec } from './mediasoupCodecs.ts';
import { readCodecs, type SdpCodec } from './rtpmap.ts';
import { attributeValues, mirroredMlines, parseAudioSection, truncate, type MlineSlot } from './session.ts';
import { readBrowserVideo, videoSectionLines, type BrowserVideo, type LocalVideoSection } from './videoSdp.ts';

export type DtlsSetup = 'actpass' | 'active' | 'passive';

/** What the node needs from a softphone's offer or answer. */
export interface BrowserDescription {
  mid: string;
  /** The audio m-line is in an `a=group:BUNDLE`. */
  bundle: boolean;
  iceUfrag: string;
  icePwd: string;
  fingerprints: DtlsFingerprint[];
  setup: DtlsSetup;
  /** Every interpretable codec, in the softphone's preference order. */
  codecs: SdpCodec[];
  headerExtensions: { id: number; uri: string }[];
  /** The SSRC the softphone sends with (a=ssrc), when signalled. */
  ssrc: number | undefined;
  cname: string | undefined;
  direction: Direction;
  rtcpRsize: boolean;
  ptime: number | undefined;
  /** Every m-line of the SDP, in order; the audio one is at `audioIndex` (the others are declined). */
  mlines: MlineSlot[];
  audioIndex: number;
  /** The video m-line the node may take (bundled with the audio one); undefined without one. */
  video: BrowserVideo | undefined;
}

/** A codec fixed for one m-line: the entry as this SDP numbers it, plus telephone-event if agreed. */
export interface MlineCodec extends NumberedCodec {
  rtcpFeedback: { type: string; parameter?: string }[];
}

const fingerprintBytes: Readonly<Record<FingerprintAlgorithm, number>> = Object.freeze({
  'sha-1': 20,
  'sha-224': 28,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
});

const iceChars = /^[A-Za-z0-9+/]+$/;

/**
 * Parses a softphone's SDP offer or answer (the first usable audio m-line).
 * @throws SdpInvalidError, NoAudioError, IceInvalidError, DtlsInvalidError
 */
export function parseBrowserSdp(text: string, type: 'offer' | 'answer', what = `softphone ${type}`): BrowserDescription {
  const { session, media, sessionAttributes, mediaAttributes, mlines, index } = parseAudioSection(text, what);
  if (!/^(UDP|TCP)\/TLS\/RTP\/SAVPF?$/i.test(media.protocol)) {
    throw new SdpInvalidError(`${what} uses transport '${truncate(media.protocol, 40)}' (expected UDP/TLS/RTP/SAVPF)`);
  }
  const mid = media.mid === undefined ? undefined : String(media.mid);
  if (!mid || mid.length > 32) throw new SdpInvalidError(`${what} has no valid a=mid on its audio m-line`);

  const iceUfrag = media.iceUfrag ?? session.iceUfrag;
  const icePwd = media.icePwd ?? session.icePwd;
  if (!iceUfrag || !icePwd) throw new IceInvalidError(`${what} lacks a=ice-ufrag / a=ice-pwd`);
  if (!iceChars.test(iceUfrag) || iceUfrag.length < 4 || iceUfrag.length > 256) throw new IceInvalidError(`${what} has an invalid a=ice-ufrag '${truncate(iceUfrag, 40)}'`);
  if (!iceChars.test(icePwd) || icePwd.length < 22 || icePwd.length > 256) throw new IceInvalidError(`${what} has an invalid a=ice-pwd (length ${icePwd.length})`);

  const fingerprintLines = attributeValues(mediaAttributes, 'fingerprint');
  const fingerprints = (fingerprintLines.length > 0 ? fingerprintLines : attributeValues(sessionAttributes, 'fingerprint')).map((line) => parseFingerprint(line, what));
  if (fingerprints.length === 0) throw new DtlsInvalidError(`${what} lacks a=fingerprint`);

  const setupValue = media.setup ?? session.setup ?? (type === 'offer' ? 'actpass' : 'active');
  const setup = parseSetup(setupValue, type, what);

  if (!media.rtcpMux) throw new SdpInvalidError(`${what} lacks a=rtcp-mux (required for WebRTC)`);

  const codecs = readCodecs(media, what);
  const headerExtensions = (media.ext ?? [])
    .filter((e) => Number.isInteger(e.value) && e.value >= 1 && e.value <= 255 && typeof e.uri === 'string')
    .map((e) => ({ id: e.value, uri: e.uri }));

  const ssrcLine = (media.ssrcs ?? []).find((s) => s.attribute === 'cname') ?? media.ssrcs?.[0];
  const ssrc = ssrcLine ? Number(ssrcLine.id) : undefined;
  if (ssrc !== undefined && (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff)) throw new SdpInvalidError(`${what} has an invalid a=ssrc '${String(ssrcLine?.id)}'`);
  const cname = (media.ssrcs ?? []).find((s) => s.attribute === 'cname')?.value;

  const bundle = (session.groups ?? []).some((g) => g.type === 'BUNDLE' && String(g.mids).split(' ').includes(mid));
  return {
    mid,
    bundle,
    iceUfrag,
    icePwd,
    fingerprints,
    setup,
    codecs,
    headerExtensions,
    ssrc,
    cname: cname === undefined ? undefined : String(cname),
    direction: readDirection(media, session),
    rtcpRsize: Boolean(media.rtcpRsize),
    ptime: media.ptime,
    mlines,
    audioIndex: index,
    video: readBrowserVideo(session, mid, what),
  };
}

function parseFingerprint(line: string, what: string): DtlsFingerprint {
  const [algorithmText = '', value = '', ...rest] = line.split(/\s+/);
  const algorithm = algorithmText.toLowerCase() as FingerprintAlgorithm;
  if (!(algorithm in fingerprintBytes)) throw new DtlsInvalidError(`${what} uses an unsupported fingerprint hash algorithm '${truncate(algorithmText, 24)}'`);
  const bytes = value.split(':');
  if (rest.length > 0 || bytes.length !== fingerprintBytes[algorithm] || !bytes.every((b) => /^[0-9A-Fa-f]{2}$/.test(b))) {
    throw new DtlsInvalidError(`${what} has a malformed ${algorithm} fingerprint '${truncate(value, 40)}'`);
  }
  return { algorithm, value: value.toUpperCase() };
}

function parseSetup(value: string, type: 'offer' | 'answer', what: string): DtlsSetup {
  if (value === 'actpass' && type === 'offer') return value;
  if (value === 'active' || value === 'passive') return value;
  throw new DtlsInvalidError(`${what} has a=setup:${truncate(value, 16)}, which is not valid in an ${type}`);
}

/**
 * The DTLS parameters for `WebRtcTransport.connect()`: the softphone's fingerprints and *its* role.
 * With ICE-lite the node is always passive when the softphone offers actpass; when the node offers
 * actpass, the softphone's answer decides.
 */
export function remoteDtlsParameters(description: BrowserDescription): DtlsParameters {
  // An offer with actpass gets our a=setup:passive, so the softphone is the DTLS client.
  const role = description.setup === 'passive' ? 'server' : 'client';
  return { role, fingerprints: description.fingerprints };
}

/** Our a=setup in the answer to `description` (an offer). */
export function answerSetup(description: BrowserDescription): DtlsSetup {
  return description.setup === 'active' ? 'passive' : description.setup === 'passive' ? 'active' : 'passive';
}

/**
 * The header extensions accepted in an answer to the softphone's offer (the ids stay the softphone's;
 * browsers refuse re-numbering). mediasoup Consumers write only extensions whose id equals the
 * router's, so a MID numbered differently would never reach the softphone; MID is then declined and
 * the softphone demultiplexes what it receives by payload type, following SSRC changes (Direct Media,
 * a new PBX stream) on its own. Only when the softphone signals no SSRC is MID kept, as the node needs
 * it to match the softphone's own stream.
 */
export function negotiatedHeaderExtensions(description: BrowserDescription): { id: number; uri: RtpHeaderExtensionUri }[] {
  return description.headerExtensions
    .filter((e) => (softphoneHeaderExtensions as readonly string[]).includes(e.uri))
    .filter((e) => e.uri !== midExtensionUri || e.id === headerExtensionIds[midExtensionUri] || description.ssrc === undefined)
    .map((e) => ({ id: e.id, uri: e.uri as RtpHeaderExtensionUri }));
}

/**
 * RTP parameters of the softphone's microphone Producer. Without a signalled SSRC the single encoding
 * is matched by the MID header extension (mediasoup requires `mid` then).
 */
export function producerRtpParameters(description: BrowserDescription, codec: MlineCodec): RtpParameters {
  return {
    mid: description.mid,
    codecs: producerCodecs(codec, codec.rtcpFeedback.filter((fb) => fb.type === 'nack' && !fb.parameter)),
    headerExtensions: negotiatedHeaderExtensions(description),
    encodings: [description.ssrc !== undefined ? { ssrc: description.ssrc } : {}],
    rtcp: { ...(description.cname ? { cname: description.cname } : {}), reducedSize: description.rtcpRsize },
  };
}

/** What the softphone can receive on this m-line, for the Consumer of what it hears. */
export function consumerRtpCapabilities(description: BrowserDescription, codec: MlineCodec): RtpCapabilities {
  return {
    codecs: consumerCodecs(codec),
    headerExtensions: negotiatedHeaderExtensions(description).map((e) => ({ kind: 'audio' as const, uri: e.uri, preferredId: e.id, direction: 'sendrecv' as const })),
  };
}

/**
 * The softphone's entry for codec `name` as an m-line codec (its payload type, fmtp and nack), with
 * its telephone-event at the codec's clock rate when `withTelephoneEvent` and it has one.
 */
export function browserMlineCodec(description: BrowserDescription, name: CodecName, withTelephoneEvent: boolean): MlineCodec | undefined {
  const entry = codecByName(description.codecs, name);
  if (!entry) return undefined;
  const te = withTelephoneEvent ? telephoneEventAt(description.codecs, entry.spec.clockRate) : undefined;
  return {
    spec: entry.spec,
    payloadType: entry.sdp.payloadType,
    fmtp: entry.sdp.fmtp,
    rtcpFeedback: entry.sdp.rtcpFeedback.filter((fb) => fb.type === 'nack' && !fb.parameter),
    telephoneEvent: te ? { payloadType: te.payloadType, clockRate: te.clockRate } : undefined,
  };
}

/**
 * The m-line codec the node offers for `name`, numbered as the call's router numbers it (`payloadTypes`
 * from the router's capabilities, by payloadTypeKey()).
 */
export function offeredMlineCodec(name: CodecName, withTelephoneEvent: boolean, payloadTypes: ReadonlyMap<string, number>): MlineCodec {
  const spec = codecSpec(name);
  const tePt = payloadTypes.get(payloadTypeKey(telephoneEvent.mimeType, spec.clockRate));
  return {
    spec,
    payloadType: payloadTypes.get(payloadTypeKey(spec.mimeType, spec.clockRate)) ?? spec.payloadType,
    fmtp: spec.fmtp,
    rtcpFeedback: [],
    telephoneEvent: withTelephoneEvent && tePt !== undefined ? { payloadType: tePt, clockRate: spec.clockRate } : undefined,
  };
}

/** The header extensions the node offers to softphones (mediasoup's preferred ids). */
export function offeredHeaderExtensions(): { id: number; uri: RtpHeaderExtensionUri }[] {
  return softphoneHeaderExtensions.map((uri) => ({ id: headerExtensionIds[uri]!, uri }));
}

/** The node's side of a softphone m-line, as written into the SDP it sends. */
export interface LocalBrowserDescription {
  type: 'offer' | 'answer';
  sessionId: string;
  sessionVersion: number;
  mid: string;
  bundle: boolean;
  iceUfrag: string;
  icePwd: string;
  candidates: IceCandidate[];
  fingerprint: DtlsFingerprint;
  setup: DtlsSetup;
  codec: MlineCodec;
  headerExtensions: { id: number; uri: string }[];
  direction: Direction;
  /** a=msid: stream id and track id of what the softphone receives. */
  msid: { streamId: string; trackId: string };
  rtcpRsize: boolean;
  ptime: number | undefined;
  /**
   * The m-lines of the softphone's offer, which an answer repeats in order: the audio one at `index`,
   * every other (video the call cannot carry, a data channel) declined with port 0 and out of the BUNDLE
   * group. Undefined: the audio m-line alone.
   */
  layout?: { mlines: readonly MlineSlot[]; index: number } | undefined;
  /** The video m-line taken, at `index` of the layout (without one: after the audio m-line). */
  video?: (LocalVideoSection & { index: number }) | undefined;
}

/**
 * Writes the node's SDP for a softphone (ICE-lite, DTLS-SRTP, one audio m-line, rtcp-mux; the other
 * m-lines of `layout` declined). No a=ssrc:
 * what the softphone hears may switch source (PBX ↔ Direct Media), which changes the SSRC; browsers
 * follow it through the MID header extension (RFC 8843 §9.2) when none is signalled.
 */
export function writeBrowserSdp(local: LocalBrowserDescription): string {
  const udp = local.candidates.find((c) => c.protocol === 'udp') ?? local.candidates[0];
  const address = udp?.address ?? '0.0.0.0';
  const ipVersion = address.includes(':') ? 'IP6' : 'IP4';
  const { codec } = local;
  const pts = [codec.payloadType, ...(codec.telephoneEvent ? [codec.telephoneEvent.payloadType] : [])];
  const session = [
    'v=0',
    `o=- ${local.sessionId} ${local.sessionVersion} IN ${ipVersion} ${address}`,
    's=-',
    't=0 0',
    'a=ice-lite',
    ...(local.bundle ? [`a=group:BUNDLE ${[local.mid, ...(local.video ? [local.video.mid] : [])].join(' ')}`] : []),
    `a=msid-semantic: WMS ${local.msid.streamId}`,
  ];
  const connection = `c=IN ${ipVersion} ${address}`;
  const transport = [
    `a=ice-ufrag:${local.iceUfrag}`,
    `a=ice-pwd:${local.icePwd}`,
    `a=fingerprint:${local.fingerprint.algorithm} ${local.fingerprint.value}`,
    `a=setup:${local.setup}`,
    'a=rtcp-mux',
    ...(local.rtcpRsize ? ['a=rtcp-rsize'] : []),
  ];
  const candidates = [...local.candidates.map((c) => `a=${formatCandidate(c)}`), 'a=end-of-candidates'];
  const audio = [
    `m=audio ${udp?.port ?? 9} UDP/TLS/RTP/SAVPF ${pts.join(' ')}`,
    connection,
    `a=mid:${local.mid}`,
    `a=${local.direction}`,
    ...transport,
    ...local.headerExtensions.map((e) => `a=extmap:${e.id} ${e.uri}`),
    `a=rtpmap:${codec.payloadType} ${codec.spec.name}/${codec.spec.clockRate}${codec.spec.channels > 1 ? `/${codec.spec.channels}` : ''}`,
    ...codec.rtcpFeedback.map((fb) => `a=rtcp-fb:${codec.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`),
    ...(codec.fmtp ? [`a=fmtp:${codec.payloadType} ${codec.fmtp}`] : []),
    ...(codec.telephoneEvent
      ? [`a=rtpmap:${codec.telephoneEvent.payloadType} ${telephoneEvent.name}/${codec.telephoneEvent.clockRate}`, `a=fmtp:${codec.telephoneEvent.payloadType} ${telephoneEvent.fmtp}`]
      : []),
    ...(local.ptime ? [`a=ptime:${local.ptime}`] : []),
    `a=msid:${local.msid.streamId} ${local.msid.trackId}`,
    ...candidates,
  ];
  const ours = [{ index: local.layout?.index ?? 0, lines: audio }];
  if (local.video) ours.push({ index: local.layout ? local.video.index : 1, lines: videoSectionLines(local.video, udp?.port ?? 9, connection, transport, local.msid.streamId, candidates) });
  return [...session, ...mirroredMlines(ours, local.layout)].join('\r\n') + '\r\n';
}

function formatCandidate(c: IceCandidate): string {
  return `candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.address} ${c.port} typ ${c.type}${c.tcpType ? ` tcptype ${c.tcpType}` : ''}`;
}
