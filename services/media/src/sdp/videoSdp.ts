// A softphone's video m-line ↔ mediasoup video Producer / Consumer parameters, and the lines of an
// accepted video m-line in the node's SDP. Video rides the softphone's one WebRtcTransport, so only a
// video m-line bundled with the audio one is taken. Pure: parsed SDP in, typed values out.
import type { RtcpFeedback, RtpCapabilities, RtpHeaderExtensionUri, RtpParameters } from 'mediasoup/types';
import { SdpInvalidError } from '../errors.ts';
import { findVideoCodec, headerExtensionIds, midExtensionUri, payloadTypeKey, softphoneVideoHeaderExtensions, videoCodecSpec, videoRtcpFeedback, type VideoCodecName, type VideoCodecSpec } from './codecs.ts';
import { readDirection, type Direction } from './direction.ts';
import { fmtpParameters, readCodecs, type SdpCodec } from './rtpmap.ts';
import type { SessionDescription } from './session.ts';

/** What the node needs from a softphone's video m-line. */
export interface BrowserVideo {
  mid: string;
  /** Its position among the SDP's m-lines. */
  index: number;
  /** Every interpretable codec, in the softphone's preference order. */
  codecs: SdpCodec[];
  headerExtensions: { id: number; uri: string }[];
  /** The SSRC the softphone sends video with (the first of an a=ssrc-group:FID, else of a=ssrc). */
  ssrc: number | undefined;
  cname: string | undefined;
  direction: Direction;
}

/** The video codec fixed for one m-line, numbered as that SDP numbers it. */
export interface VideoMlineCodec {
  spec: VideoCodecSpec;
  payloadType: number;
  fmtp: string | undefined;
  rtcpFeedback: RtcpFeedback[];
}

/**
 * The softphone's first usable video m-line (port not 0, DTLS-SRTP, in the audio m-line's BUNDLE
 * group); undefined when there is none (it is then declined like any other m-line).
 * @throws SdpInvalidError for a video m-line that is usable but malformed
 */
export function readBrowserVideo(session: SessionDescription, audioMid: string, what: string): BrowserVideo | undefined {
  const media = session.media ?? [];
  const index = media.findIndex((m) => m.type === 'video' && m.port !== 0);
  if (index < 0) return undefined;
  const section = media[index]!;
  if (!/^(UDP|TCP)\/TLS\/RTP\/SAVPF$/i.test(section.protocol)) return undefined;
  const mid = section.mid === undefined ? undefined : String(section.mid);
  if (!mid || mid.length > 32) throw new SdpInvalidError(`${what} has no valid a=mid on its video m-line`);
  const bundled = (session.groups ?? []).some((g) => g.type === 'BUNDLE' && String(g.mids).split(' ').includes(mid) && String(g.mids).split(' ').includes(audioMid));
  if (!bundled) return undefined;
  const fid = (section.ssrcGroups ?? []).find((g) => g.semantics === 'FID');
  const primary = fid ? Number(String(fid.ssrcs).split(' ')[0]) : section.ssrcs?.[0] !== undefined ? Number(section.ssrcs[0].id) : undefined;
  if (primary !== undefined && (!Number.isInteger(primary) || primary < 0 || primary > 0xffffffff)) throw new SdpInvalidError(`${what} has an invalid video SSRC`);
  const cname = (section.ssrcs ?? []).find((s) => s.attribute === 'cname')?.value;
  return {
    mid,
    index,
    codecs: readCodecs(section, what),
    headerExtensions: (section.ext ?? []).filter((e) => Number.isInteger(e.value) && e.value >= 1 && e.value <= 255).map((e) => ({ id: e.value, uri: e.uri })),
    ssrc: primary,
    cname: cname === undefined ? undefined : String(cname),
    direction: readDirection(section, session),
  };
}

/** The video codecs of `video` the node relays, in the softphone's order (first entry of each). */
export function videoCodecNames(video: BrowserVideo): VideoCodecName[] {
  const names: VideoCodecName[] = [];
  for (const c of video.codecs) {
    const spec = findVideoCodec(c.name, c.clockRate, c.fmtp);
    if (spec && !names.includes(spec.name)) names.push(spec.name);
  }
  return names;
}

/** The softphone's entry for `name`, with the feedback both sides support. */
export function browserVideoCodec(video: BrowserVideo, name: VideoCodecName): VideoMlineCodec | undefined {
  const entry = video.codecs.find((c) => findVideoCodec(c.name, c.clockRate, c.fmtp)?.name === name);
  if (!entry) return undefined;
  const supported = (fb: RtcpFeedback): boolean => videoRtcpFeedback.some((v) => v.type === fb.type && v.parameter === (fb.parameter ?? ''));
  return { spec: videoCodecSpec(name), payloadType: entry.payloadType, fmtp: entry.fmtp, rtcpFeedback: entry.rtcpFeedback.filter(supported) };
}

/** The codec entry the node offers for `name`, numbered as the call's router numbers it. */
export function offeredVideoCodec(name: VideoCodecName, payloadTypes: ReadonlyMap<string, number>): VideoMlineCodec {
  const spec = videoCodecSpec(name);
  return { spec, payloadType: payloadTypes.get(payloadTypeKey(spec.mimeType, spec.clockRate)) ?? spec.payloadType, fmtp: spec.fmtp, rtcpFeedback: videoRtcpFeedback.map((f) => ({ ...f })) };
}

/** The payload types of the video codecs `video` offers, keyed like routerMediaCodecs() takes them. */
export function videoPayloadTypes(video: BrowserVideo | undefined): Map<string, number> {
  const map = new Map<string, number>();
  for (const c of video?.codecs ?? []) {
    const spec = findVideoCodec(c.name, c.clockRate, c.fmtp);
    const key = spec && payloadTypeKey(spec.mimeType, spec.clockRate);
    if (key && !map.has(key)) map.set(key, c.payloadType);
  }
  return map;
}

/**
 * The video header extensions accepted (the softphone's ids); MID as for audio: only at the router's
 * id, or when the softphone signals no SSRC.
 */
export function negotiatedVideoExtensions(video: BrowserVideo): { id: number; uri: RtpHeaderExtensionUri }[] {
  return video.headerExtensions
    .filter((e) => (softphoneVideoHeaderExtensions as readonly string[]).includes(e.uri))
    .filter((e) => e.uri !== midExtensionUri || e.id === headerExtensionIds[midExtensionUri] || video.ssrc === undefined)
    .map((e) => ({ id: e.id, uri: e.uri as RtpHeaderExtensionUri }));
}

/** The video header extensions the node offers (mediasoup's preferred ids). */
export function offeredVideoExtensions(): { id: number; uri: RtpHeaderExtensionUri }[] {
  const ids: Record<string, number> = { ...headerExtensionIds, 'urn:3gpp:video-orientation': 8, 'urn:ietf:params:rtp-hdrext:toffset': 9 };
  return softphoneVideoHeaderExtensions.filter((uri) => ids[uri] !== undefined).map((uri) => ({ id: ids[uri]!, uri }));
}

/** RTP parameters of the softphone's camera Producer (matched by SSRC, else by MID). */
export function videoProducerRtpParameters(video: BrowserVideo, codec: VideoMlineCodec, rtcpRsize: boolean): RtpParameters {
  return {
    mid: video.mid,
    codecs: [{ mimeType: codec.spec.mimeType, payloadType: codec.payloadType, clockRate: codec.spec.clockRate, parameters: fmtpParameters(codec.fmtp), rtcpFeedback: codec.rtcpFeedback }],
    headerExtensions: negotiatedVideoExtensions(video),
    encodings: [video.ssrc !== undefined ? { ssrc: video.ssrc } : {}],
    rtcp: { ...(video.cname ? { cname: video.cname } : {}), reducedSize: rtcpRsize },
  };
}

/** What the softphone can receive on its video m-line, for the Consumer of the partner's camera. */
export function videoConsumerRtpCapabilities(video: BrowserVideo, codec: VideoMlineCodec): RtpCapabilities {
  return {
    codecs: [{ kind: 'video', mimeType: codec.spec.mimeType, preferredPayloadType: codec.payloadType, clockRate: codec.spec.clockRate, parameters: fmtpParameters(codec.fmtp), rtcpFeedback: codec.rtcpFeedback }],
    headerExtensions: negotiatedVideoExtensions(video).map((e) => ({ kind: 'video' as const, uri: e.uri, preferredId: e.id, direction: 'sendrecv' as const })),
  };
}

/** The node's side of an accepted video m-line. */
export interface LocalVideoSection {
  mid: string;
  codec: VideoMlineCodec;
  headerExtensions: { id: number; uri: string }[];
  direction: Direction;
  /** a=msid track id of the video the softphone receives. */
  trackId: string;
}

/**
 * The lines of an accepted video m-line: `transport` are the ICE, DTLS and rtcp-mux lines shared with
 * the audio m-line (the same bundled transport), `tail` its msid-less end (candidates).
 */
export function videoSectionLines(video: LocalVideoSection, port: number, connection: string, transport: string[], streamId: string, tail: string[]): string[] {
  const { codec } = video;
  return [
    `m=video ${port} UDP/TLS/RTP/SAVPF ${codec.payloadType}`,
    connection,
    `a=mid:${video.mid}`,
    `a=${video.direction}`,
    ...transport,
    ...video.headerExtensions.map((e) => `a=extmap:${e.id} ${e.uri}`),
    `a=rtpmap:${codec.payloadType} ${codec.spec.name}/${codec.spec.clockRate}`,
    ...codec.rtcpFeedback.map((fb) => `a=rtcp-fb:${codec.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`),
    ...(codec.fmtp ? [`a=fmtp:${codec.payloadType} ${codec.fmtp}`] : []),
    `a=msid:${streamId} ${video.trackId}`,
    ...tail,
  ];
}
