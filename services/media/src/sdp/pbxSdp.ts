// PBX SDP (RTP/AVP or RTP/SAVP with SDES) ↔ PlainTransport parameters. Pure: text in, typed values
// out, or a typed error.
import { isIP } from 'node:net';
import type { RtpCapabilities, RtpParameters, SrtpParameters } from 'mediasoup/types';
import type { CodecName } from '@ucserver/shared';
import { CryptoInvalidError, SdpInvalidError } from '../errors.ts';
import { codecSpec, payloadTypeKey, telephoneEvent, type CodecSpec } from './codecs.ts';
import { formatCrypto, parseCrypto, type SdesCrypto } from './crypto.ts';
import { readDirection, type Direction } from './direction.ts';
import { codecByName, telephoneEventAt } from './negotiation.ts';
import { consumerCodecs, producerCodecs, type NumberedCodec } from './mediasoupCodecs.ts';
import { readCodecs, type SdpCodec } from './rtpmap.ts';
import { pbxVideoLines, type LocalPbxVideo } from './pbxVideoSdp.ts';
import { mirroredMlines, parseAudioSection, truncate, type MediaSection, type MlineSlot, type SessionDescription } from './session.ts';

/** What the node needs from one RTP m-line of a PBX's offer or answer (its audio, or its video). */
export interface PbxSection {
  /** Where the PBX wants RTP (c= of the m-line, else of the session). */
  address: string;
  port: number;
  /** Where the PBX wants RTCP when it does not multiplex: a=rtcp (RFC 3605), else port + 1. */
  rtcpAddress: string;
  rtcpPort: number;
  rtcpMux: boolean;
  /** RTP/SAVP(F): SRTP keyed by a=crypto. */
  secure: boolean;
  codecs: SdpCodec[];
  /**
   * The direction from the PBX's point of view. A c= of 0.0.0.0 (RFC 2543 hold) counts as "do not send
   * to me", so sendrecv becomes sendonly and recvonly becomes inactive.
   */
  direction: Direction;
  crypto: SdesCrypto[];
  /** The SSRC the PBX sends with, when it signals one (RFC 5576). */
  ssrc: number | undefined;
  /** c= was 0.0.0.0 / :: (old-style hold): the address must not be used. */
  nullAddress: boolean;
}

/** The PBX's video m-line (see readPbxVideo), with its position among the m-lines. */
export interface PbxVideoSection extends PbxSection {
  index: number;
}

/** What the node needs from a PBX's offer or answer. */
export interface PbxDescription extends PbxSection {
  ptime: number | undefined;
  /** Every m-line of the SDP, in order; the audio one is at `audioIndex` (the others are declined). */
  mlines: MlineSlot[];
  audioIndex: number;
  /** The first video m-line with a port, when it is RTP (see readPbxVideo); undefined otherwise. */
  video?: PbxVideoSection | undefined;
}

/**
 * Parses a PBX's SDP offer or answer (the first usable audio m-line, and the first video m-line).
 * @throws SdpInvalidError, NoAudioError, CryptoInvalidError
 */
export function parsePbxSdp(text: string, what: string): PbxDescription {
  const { session, media, mlines, index } = parseAudioSection(text, what);
  const audio = readPbxSection(session, media, what, 'audio');
  return { ...audio, ptime: media.ptime, mlines, audioIndex: index, video: readPbxVideo(session, what) };
}

/**
 * The PBX's first video m-line whose port is not 0, when its transport is RTP/AVP(F) or RTP/SAVP(F);
 * anything else (none, port 0, another transport) is undefined and is declined like any m-line we do
 * not take.
 * @throws SdpInvalidError, CryptoInvalidError for a video m-line that is RTP but malformed
 */
export function readPbxVideo(session: SessionDescription, what: string): PbxVideoSection | undefined {
  const media = session.media ?? [];
  const index = media.findIndex((m) => m.type === 'video' && m.port !== 0);
  const section = media[index];
  if (!section || !/^RTP\/S?AVPF?$/i.test(section.protocol)) return undefined;
  if (!Number.isInteger(section.port) || section.port < 1 || section.port > 65535) throw new SdpInvalidError(`${what} has an invalid video port '${String(section.port)}'`);
  return { ...readPbxSection(session, section, `${what} (video)`, 'video'), index };
}

/** One RTP m-line of a PBX's SDP. */
function readPbxSection(session: SessionDescription, media: MediaSection, what: string, kind: string): PbxSection {
  const protocol = media.protocol.toUpperCase();
  let secure: boolean;
  if (protocol === 'RTP/AVP' || protocol === 'RTP/AVPF') secure = false;
  else if (protocol === 'RTP/SAVP' || protocol === 'RTP/SAVPF') secure = true;
  else throw new SdpInvalidError(`${what} uses transport '${truncate(media.protocol, 40)}' (expected RTP/AVP or RTP/SAVP)`);

  const connection = media.connection ?? session.connection;
  if (!connection?.ip) throw new SdpInvalidError(`${what} has no c= line for its ${kind} m-line`);
  const address = connection.ip.split('/')[0]!;
  if (isIP(address) === 0) throw new SdpInvalidError(`${what} has c= '${truncate(connection.ip, 64)}', which is not an IP address`);
  const nullAddress = address === '0.0.0.0' || address === '::';

  const rtcpMux = Boolean(media.rtcpMux);
  let rtcpAddress = address;
  let rtcpPort = media.port + 1;
  if (media.rtcp) {
    if (!Number.isInteger(media.rtcp.port) || media.rtcp.port < 1 || media.rtcp.port > 65535) throw new SdpInvalidError(`${what} has an invalid a=rtcp port`);
    rtcpPort = media.rtcp.port;
    if (media.rtcp.address) {
      if (isIP(media.rtcp.address) === 0) throw new SdpInvalidError(`${what} has an a=rtcp address '${truncate(media.rtcp.address, 64)}' that is not an IP address`);
      rtcpAddress = media.rtcp.address;
    }
  }
  if (rtcpPort > 65535) throw new SdpInvalidError(`${what} needs RTCP on port ${rtcpPort}, which does not exist`);

  const crypto = (media.crypto ?? []).map((c) => parseCrypto(c, what));
  if (secure && crypto.length === 0) throw new CryptoInvalidError(`${what} uses ${media.protocol} without any a=crypto line`);

  const ssrcLine = (media.ssrcs ?? [])[0];
  const ssrc = ssrcLine === undefined ? undefined : Number(ssrcLine.id);
  if (ssrc !== undefined && (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff)) throw new SdpInvalidError(`${what} has an invalid a=ssrc '${String(ssrcLine?.id)}'`);

  let direction = readDirection(media, session);
  if (nullAddress) direction = direction === 'sendrecv' ? 'sendonly' : direction === 'recvonly' ? 'inactive' : direction;

  return { address, port: media.port, rtcpAddress, rtcpPort, rtcpMux, secure, codecs: readCodecs(media, what), direction, crypto, ssrc, nullAddress };
}

/**
 * The codec fixed on a PBX leg. Payload types follow RFC 3264 §5.1: each side sends with the payload
 * type the *receiver* wrote in its SDP.
 */
export interface PbxCodec {
  spec: CodecSpec;
  /** The payload type the PBX wrote: what we send with. */
  sendPayloadType: number;
  /** The payload type we wrote: what the PBX sends with. */
  recvPayloadType: number;
  fmtp: string | undefined;
  /** telephone-event at the codec's clock rate, when both sides have it. */
  telephoneEvent: { sendPayloadType: number; recvPayloadType: number; clockRate: number } | undefined;
}

/** The PBX codec for `name` when the PBX wrote it (its offer or answer) and we wrote `ours`. */
export function pbxCodec(remote: PbxDescription, name: CodecName, ours: { payloadType: number; telephoneEventPayloadType: number | undefined }): PbxCodec | undefined {
  const entry = codecByName(remote.codecs, name);
  if (!entry) return undefined;
  const te = telephoneEventAt(remote.codecs, entry.spec.clockRate);
  return {
    spec: entry.spec,
    sendPayloadType: entry.sdp.payloadType,
    recvPayloadType: ours.payloadType,
    fmtp: entry.sdp.fmtp,
    telephoneEvent: te && ours.telephoneEventPayloadType !== undefined
      ? { sendPayloadType: te.payloadType, recvPayloadType: ours.telephoneEventPayloadType, clockRate: te.clockRate }
      : undefined,
  };
}

/** RTP parameters of the Producer for what the PBX sends (its SSRC learnt or signalled), in our payload types. */
export function pbxProducerRtpParameters(codec: PbxCodec, ssrc: number): RtpParameters {
  return { codecs: producerCodecs(numbered(codec, 'recv')), headerExtensions: [], encodings: [{ ssrc }], rtcp: { reducedSize: false } };
}

/** What the PBX receives: the Consumer toward it sends with the PBX's payload types, no extensions. */
export function pbxConsumerRtpCapabilities(codec: PbxCodec): RtpCapabilities {
  return { codecs: consumerCodecs(numbered(codec, 'send')), headerExtensions: [] };
}

/** The PBX codec as numbered in one direction: what the PBX sends (`recv`) or what it receives (`send`). */
function numbered(codec: PbxCodec, direction: 'send' | 'recv'): NumberedCodec {
  const te = codec.telephoneEvent;
  return {
    spec: codec.spec,
    payloadType: direction === 'send' ? codec.sendPayloadType : codec.recvPayloadType,
    fmtp: codec.fmtp,
    telephoneEvent: te ? { payloadType: direction === 'send' ? te.sendPayloadType : te.recvPayloadType, clockRate: te.clockRate } : undefined,
  };
}

/** One payload type of our PBX-side m-line. */
export interface PbxSdpCodec {
  payloadType: number;
  name: string;
  clockRate: number;
  channels: number;
  fmtp: string | undefined;
}

/** The node's side of a PBX m-line. */
export interface LocalPbxDescription {
  sessionId: string;
  sessionVersion: number;
  address: string;
  port: number;
  /** Written as a=rtcp when RTCP has its own port (non-mux). */
  rtcpPort: number | undefined;
  /** Write a=rtcp-mux (in an offer: we can multiplex; in an answer: we do). */
  rtcpMux: boolean;
  /** Our SDES key (RTP/SAVP), with the tag it answers or offers. */
  crypto: { tag: number; parameters: SrtpParameters } | undefined;
  codecs: PbxSdpCodec[];
  direction: Direction;
  ptime: number | undefined;
  /**
   * The session's m-lines as the PBX last offered them: the audio one at `index`, every other (video,
   * a second audio, T.38) declined with port 0, in answers and in our later offers alike. Undefined: the
   * audio m-line alone.
   */
  layout?: { mlines: readonly MlineSlot[]; index: number } | undefined;
  /** Our video m-line, at its index (in the layout, or after the audio one); undefined: none, or declined. */
  video?: LocalPbxVideo | undefined;
}

export function pbxSdpCodec(spec: CodecSpec, payloadType: number, fmtp: string | undefined): PbxSdpCodec {
  return { payloadType, name: spec.name, clockRate: spec.clockRate, channels: spec.channels, fmtp };
}

export function telephoneEventSdpCodec(payloadType: number, clockRate: number): PbxSdpCodec {
  return { payloadType, name: telephoneEvent.name, clockRate, channels: 1, fmtp: telephoneEvent.fmtp };
}

/** The codec entry we write for `name` in our own offer, numbered as the call's router numbers it. */
export function offeredPbxCodec(name: CodecName, payloadTypes: ReadonlyMap<string, number>): PbxSdpCodec {
  const spec = codecSpec(name);
  return pbxSdpCodec(spec, payloadTypes.get(payloadTypeKey(spec.mimeType, spec.clockRate)) ?? spec.payloadType, spec.fmtp);
}

/** Writes the node's SDP toward the PBX (plain RFC 3264/4566: the audio m-line, the video one if taken; others in `layout` declined). */
export function writePbxSdp(local: LocalPbxDescription): string {
  const ipVersion = local.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=ucserver ${local.sessionId} ${local.sessionVersion} IN ${ipVersion} ${local.address}`,
    's=ucserver',
    `c=IN ${ipVersion} ${local.address}`,
    't=0 0',
  ];
  const audio = [
    `m=audio ${local.port} ${local.crypto ? 'RTP/SAVP' : 'RTP/AVP'} ${local.codecs.map((c) => c.payloadType).join(' ')}`,
    ...local.codecs.flatMap((c) => [
      `a=rtpmap:${c.payloadType} ${c.name}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}`,
      ...(c.fmtp ? [`a=fmtp:${c.payloadType} ${c.fmtp}`] : []),
    ]),
    ...(local.ptime ? [`a=ptime:${local.ptime}`] : []),
    ...(local.rtcpPort !== undefined ? [`a=rtcp:${local.rtcpPort}`] : []),
    ...(local.rtcpMux ? ['a=rtcp-mux'] : []),
    ...(local.crypto ? [`a=crypto:${formatCrypto(local.crypto.tag, local.crypto.parameters)}`] : []),
    `a=${local.direction}`,
  ];
  const ours = [{ index: local.layout?.index ?? 0, lines: audio }, ...(local.video ? [{ index: local.video.index, lines: pbxVideoLines(local.video) }] : [])];
  return [...lines, ...mirroredMlines(ours, local.layout)].join('\r\n') + '\r\n';
}
