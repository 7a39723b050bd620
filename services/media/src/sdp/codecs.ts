// The one table of what the media node can carry end to end (mediasoup relays, it does not transcode),
// and the pure lookups the SDP mappers use. No I/O.
import type { CodecName } from '@ucserver/shared';
import type { Router, RouterRtpCodecCapability, RtpHeaderExtensionUri } from 'mediasoup/types';

export interface CodecSpec {
  readonly name: CodecName;
  readonly mimeType: string;
  /** RTP clock rate as written in rtpmap (G722 says 8000, RFC 3551 §4.5.2, though it samples at 16 kHz). */
  readonly clockRate: number;
  /** Channels as written in rtpmap (opus is always "/2", RFC 7587 §7). */
  readonly channels: number;
  /** RFC 3551 static payload type, when the codec has one. */
  readonly staticPayloadType?: number;
  /** The payload type this node writes when it makes the offer. */
  readonly payloadType: number;
  /** The fmtp this node offers. */
  readonly fmtp?: string;
}

const codecTable: readonly CodecSpec[] = Object.freeze([
  { name: 'opus', mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111, fmtp: 'minptime=10;useinbandfec=1' },
  { name: 'G722', mimeType: 'audio/G722', clockRate: 8000, channels: 1, staticPayloadType: 9, payloadType: 9 },
  { name: 'PCMU', mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, staticPayloadType: 0, payloadType: 0 },
  { name: 'PCMA', mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, staticPayloadType: 8, payloadType: 8 },
]);

/** A video codec the node relays between softphones (mediasoup forwards it; both ends must have it). */
export interface VideoCodecSpec {
  readonly name: VideoCodecName;
  readonly mimeType: string;
  readonly clockRate: 90000;
  /** The payload type this node writes when it makes the offer. */
  readonly payloadType: number;
  /** The fmtp this node offers (and, for H.264, the parameters its router has). */
  readonly fmtp?: string;
  /** `fmtp` as router codec parameters. */
  readonly parameters: Readonly<Record<string, string | number>>;
}

export type VideoCodecName = 'VP8' | 'H264';

/** Video codecs in the node's preference order. H.264: packetization mode 1, constrained baseline. */
export const videoCodecTable: readonly VideoCodecSpec[] = Object.freeze<VideoCodecSpec[]>([
  { name: 'VP8', mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, parameters: {} },
  {
    name: 'H264',
    mimeType: 'video/H264',
    clockRate: 90000,
    payloadType: 102,
    fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    parameters: { 'level-asymmetry-allowed': 1, 'packetization-mode': 1, 'profile-level-id': '42e01f' },
  },
]);

/** RTCP feedback relayed for video (mediasoup terminates and regenerates each per leg). */
export const videoRtcpFeedback: readonly { type: string; parameter: string }[] = Object.freeze([
  { type: 'nack', parameter: '' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'goog-remb', parameter: '' },
]);

/** RTP header extensions negotiated on a softphone's video m-line. */
export const softphoneVideoHeaderExtensions: readonly RtpHeaderExtensionUri[] = Object.freeze([
  'urn:ietf:params:rtp-hdrext:sdes:mid',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'urn:ietf:params:rtp-hdrext:toffset',
  'urn:3gpp:video-orientation',
] as RtpHeaderExtensionUri[]);

/** The video codec of an rtpmap entry (H.264 only in packetization mode 1), if the node relays it. */
export function findVideoCodec(name: string, clockRate: number, fmtp: string | undefined): VideoCodecSpec | undefined {
  const lower = name.toLowerCase();
  const spec = videoCodecTable.find((c) => c.name.toLowerCase() === lower && c.clockRate === clockRate);
  if (spec?.name === 'H264' && !/(^|;)\s*packetization-mode=1\b/.test(fmtp ?? '')) return undefined;
  return spec;
}

export function videoCodecSpec(name: VideoCodecName): VideoCodecSpec {
  return videoCodecTable.find((c) => c.name === name)!;
}

/** RFC 4733 telephone-event: relayed when both sides have it at the chosen codec's clock rate. */
export const telephoneEvent = Object.freeze({
  name: 'telephone-event',
  mimeType: 'audio/telephone-event',
  /** Payload types this node writes, by clock rate. */
  payloadTypes: Object.freeze({ 8000: 101, 48000: 110 } as Record<number, number>),
  fmtp: '0-16',
});

/** RFC 3551 §6 static audio payload types, for m-lines that list them without an rtpmap. */
export const staticPayloadTypes: Readonly<Record<number, { name: string; clockRate: number; channels: number }>> = Object.freeze({
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  3: { name: 'GSM', clockRate: 8000, channels: 1 },
  4: { name: 'G723', clockRate: 8000, channels: 1 },
  5: { name: 'DVI4', clockRate: 8000, channels: 1 },
  6: { name: 'DVI4', clockRate: 16000, channels: 1 },
  7: { name: 'LPC', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
  10: { name: 'L16', clockRate: 44100, channels: 2 },
  11: { name: 'L16', clockRate: 44100, channels: 1 },
  12: { name: 'QCELP', clockRate: 8000, channels: 1 },
  13: { name: 'CN', clockRate: 8000, channels: 1 },
  14: { name: 'MPA', clockRate: 90000, channels: 1 },
  15: { name: 'G728', clockRate: 8000, channels: 1 },
  16: { name: 'DVI4', clockRate: 11025, channels: 1 },
  17: { name: 'DVI4', clockRate: 22050, channels: 1 },
  18: { name: 'G729', clockRate: 8000, channels: 1 },
});

/** RTP header extensions negotiated with softphones (the router supports more; audio needs no others). */
export const softphoneHeaderExtensions: readonly RtpHeaderExtensionUri[] = Object.freeze([
  'urn:ietf:params:rtp-hdrext:sdes:mid',
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
] as RtpHeaderExtensionUri[]);

/** The extension ids this node writes in its own offers (mediasoup's preferred ids). */
export const headerExtensionIds: Readonly<Record<string, number>> = Object.freeze({
  'urn:ietf:params:rtp-hdrext:sdes:mid': 1,
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time': 4,
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level': 6,
});

export const midExtensionUri = 'urn:ietf:params:rtp-hdrext:sdes:mid';

/** The codec of an rtpmap entry, if the node supports it; names compare case-insensitively. */
export function findCodec(name: string, clockRate: number, channels: number | undefined): CodecSpec | undefined {
  const lower = name.toLowerCase();
  return codecTable.find((c) => {
    if (c.name.toLowerCase() !== lower || c.clockRate !== clockRate) return false;
    // opus must say "/2"; a missing channel count is tolerated (some PBXs omit it), any other is not.
    if (c.name === 'opus') return channels === undefined || channels === 2;
    return channels === undefined || channels === 1;
  });
}

export function codecSpec(name: CodecName): CodecSpec {
  const spec = codecTable.find((c) => c.name === name);
  if (!spec) throw new TypeError(`unknown codec '${name}'`);
  return spec;
}

export function isTelephoneEvent(name: string): boolean {
  return name.toLowerCase() === telephoneEvent.name;
}

/** Key of a codec in a payload type table: `audio/opus/48000`. */
export function payloadTypeKey(mimeType: string, clockRate: number): string {
  return `${mimeType.toLowerCase()}/${clockRate}`;
}

/**
 * Each router's payload types, read once: a router's capabilities never change, and mediasoup's
 * `rtpCapabilities` getter deep-copies them (structuredClone of every codec and header extension) on
 * every read — it was the largest copy of a call's setup, read for every SDP the node writes.
 */
const routerNumbering = new WeakMap<Router, ReadonlyMap<string, number>>();
const noRouter: ReadonlyMap<string, number> = new Map();

/** A router's payload types by {@link payloadTypeKey} (what its Consumers send with); empty without one. */
export function routerPayloadTypes(router: Router | undefined): ReadonlyMap<string, number> {
  if (!router) return noRouter;
  let map = routerNumbering.get(router);
  if (!map) {
    const numbering = new Map<string, number>();
    for (const c of router.rtpCapabilities.codecs ?? []) numbering.set(payloadTypeKey(c.mimeType, c.clockRate), c.preferredPayloadType);
    map = numbering;
    routerNumbering.set(router, map);
  }
  return map;
}

/**
 * The router's codecs: every supported codec plus telephone-event at 8 and 48 kHz. A mediasoup
 * Consumer sends with its router's payload types, so a call's router takes the payload types of the
 * first SDP the call sees (`payloadTypes`, by {@link payloadTypeKey}); the others keep this node's.
 */
export function routerMediaCodecs(payloadTypes: ReadonlyMap<string, number> = new Map()): RouterRtpCodecCapability[] {
  const all: Array<{ mimeType: string; clockRate: number; channels: number; pt: number }> = [
    ...codecTable.map((c) => ({ mimeType: c.mimeType, clockRate: c.clockRate, channels: c.channels, pt: c.payloadType })),
    ...[8000, 48000].map((rate) => ({ mimeType: telephoneEvent.mimeType, clockRate: rate, channels: 1, pt: telephoneEvent.payloadTypes[rate]! })),
  ];
  const taken = new Set<number>();
  const chosen = all.map((c) => {
    const pt = payloadTypes.get(payloadTypeKey(c.mimeType, c.clockRate));
    const usable = pt !== undefined && !taken.has(pt);
    if (usable) taken.add(pt);
    return { ...c, pt: usable ? pt : undefined };
  });
  // Our own numbers for the rest, unless the SDP already used them for something else.
  const free = (preferred: number): number => {
    let pt = preferred;
    while (taken.has(pt)) pt = pt >= 127 ? 96 : pt + 1;
    taken.add(pt);
    return pt;
  };
  const audio: RouterRtpCodecCapability[] = chosen.map((c, i) => ({
    kind: 'audio',
    mimeType: c.mimeType,
    clockRate: c.clockRate,
    ...(c.channels > 1 ? { channels: c.channels } : {}),
    preferredPayloadType: c.pt ?? free(all[i]!.pt),
  }));
  // Video after audio, numbered the same way (mediasoup adds an RTX codec per video codec itself).
  const video: RouterRtpCodecCapability[] = videoCodecTable.map((c) => {
    const wanted = payloadTypes.get(payloadTypeKey(c.mimeType, c.clockRate));
    const pt = wanted !== undefined && !taken.has(wanted) ? (taken.add(wanted), wanted) : free(c.payloadType);
    return { kind: 'video', mimeType: c.mimeType, clockRate: c.clockRate, preferredPayloadType: pt, parameters: { ...c.parameters } };
  });
  return [...audio, ...video];
}
