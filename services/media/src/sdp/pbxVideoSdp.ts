// The video m-line toward the PBX (RTP/AVP, or RTP/SAVP with SDES like the audio one) ↔ the video
// PlainTransport's Producer and Consumer parameters. The PBX side relays VP8 or H.264 (packetization
// mode 1) as the softphones send it: no transcoding, so the codec is the one both softphones have.
// Payload types follow RFC 3264 §5.1 as for audio: each side sends with the receiver's numbers. Pure.
import type { RtcpFeedback, RtpCapabilities, RtpParameters, SrtpParameters } from 'mediasoup/types';
import { findVideoCodec, payloadTypeKey, videoCodecSpec, type VideoCodecName, type VideoCodecSpec } from './codecs.ts';
import { formatCrypto } from './crypto.ts';
import type { Direction } from './direction.ts';
import type { SdpCodec } from './rtpmap.ts';

/** The video codec fixed on the PBX video leg. */
export interface PbxVideoCodec {
  kind: 'video';
  spec: VideoCodecSpec;
  /** The payload type the PBX wrote: what we send with. */
  sendPayloadType: number;
  /** The payload type we wrote: what the PBX sends with. */
  recvPayloadType: number;
  /**
   * RTCP feedback both sides have: what mediasoup may send the PBX (PLI/FIR key frame requests, NACK)
   * and answer from it.
   */
  rtcpFeedback: RtcpFeedback[];
}

/** The feedback the node writes toward the PBX: NACK, and key frame requests by PLI and FIR (RFC 4585, 5104). */
export const pbxVideoFeedback: readonly RtcpFeedback[] = Object.freeze([
  { type: 'nack', parameter: '' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
]);

/**
 * Assumed when a PBX or desk phone writes no a=rtcp-fb for the codec: SIP video endpoints answer PLI and
 * FIR without signalling them (RTP/AVP has no feedback profile), and a receiver that never asks for a key
 * frame keeps a frozen picture after any loss.
 */
const unsignalledFeedback: readonly RtcpFeedback[] = Object.freeze([
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
]);

/** The video codecs of `codecs` the node relays, in the order given (first entry of each). */
export function supportedPbxVideoCodecs(codecs: readonly SdpCodec[]): { spec: VideoCodecSpec; sdp: SdpCodec }[] {
  const result: { spec: VideoCodecSpec; sdp: SdpCodec }[] = [];
  for (const sdp of codecs) {
    const spec = findVideoCodec(sdp.name, sdp.clockRate, sdp.fmtp);
    if (spec && !result.some((r) => r.spec.name === spec.name)) result.push({ spec, sdp });
  }
  return result;
}

/** The payload types a PBX video m-line gives the relayed codecs, keyed for routerMediaCodecs(). */
export function pbxVideoPayloadTypes(codecs: readonly SdpCodec[] | undefined): Map<string, number> {
  return new Map(supportedPbxVideoCodecs(codecs ?? []).map(({ spec, sdp }) => [payloadTypeKey(spec.mimeType, spec.clockRate), sdp.payloadType]));
}

/** The PBX video codec for `name` when the PBX wrote `remote` (its offer or answer) and we wrote `ourPayloadType`. */
export function pbxVideoCodec(remote: readonly SdpCodec[], name: VideoCodecName, ourPayloadType: number): PbxVideoCodec | undefined {
  const entry = supportedPbxVideoCodecs(remote).find((c) => c.spec.name === name);
  if (!entry) return undefined;
  const signalled = entry.sdp.rtcpFeedback;
  const rtcpFeedback = signalled.length === 0
    ? unsignalledFeedback.map((f) => ({ ...f }))
    : pbxVideoFeedback.filter((ours) => signalled.some((fb) => fb.type === ours.type && (fb.parameter ?? '') === ours.parameter)).map((f) => ({ ...f }));
  return { kind: 'video', spec: entry.spec, sendPayloadType: entry.sdp.payloadType, recvPayloadType: ourPayloadType, rtcpFeedback };
}

/** RTP parameters of the Producer of the PBX's video (its SSRC learnt or signalled), in our payload type. */
export function pbxVideoProducerRtpParameters(codec: PbxVideoCodec, ssrc: number): RtpParameters {
  return {
    codecs: [{ mimeType: codec.spec.mimeType, payloadType: codec.recvPayloadType, clockRate: codec.spec.clockRate, parameters: { ...codec.spec.parameters }, rtcpFeedback: codec.rtcpFeedback }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { reducedSize: false },
  };
}

/** What the PBX receives: the camera's Consumer sends with the PBX's payload type, no RTX, no extensions. */
export function pbxVideoConsumerRtpCapabilities(codec: PbxVideoCodec): RtpCapabilities {
  return {
    codecs: [{ kind: 'video', mimeType: codec.spec.mimeType, preferredPayloadType: codec.sendPayloadType, clockRate: codec.spec.clockRate, parameters: { ...codec.spec.parameters }, rtcpFeedback: codec.rtcpFeedback }],
    headerExtensions: [],
  };
}

/** One payload type of our PBX video m-line. */
export interface PbxVideoSdpCodec {
  payloadType: number;
  spec: VideoCodecSpec;
}

/** The entries of our own video offer for `names`, numbered as the call's router numbers them. */
export function offeredPbxVideoCodecs(names: readonly VideoCodecName[], payloadTypes: ReadonlyMap<string, number>): PbxVideoSdpCodec[] {
  return names.map((name) => {
    const spec = videoCodecSpec(name);
    return { spec, payloadType: payloadTypes.get(payloadTypeKey(spec.mimeType, spec.clockRate)) ?? spec.payloadType };
  });
}

/** The node's side of the video m-line toward the PBX. */
export interface LocalPbxVideo {
  /** Its position among the m-lines (1, after the audio one, in our own offers). */
  index: number;
  port: number;
  rtcpPort: number | undefined;
  rtcpMux: boolean;
  crypto: { tag: number; parameters: SrtpParameters } | undefined;
  codecs: PbxVideoSdpCodec[];
  direction: Direction;
}

/** The lines of our video m-line toward the PBX (the session's c= applies). */
export function pbxVideoLines(video: LocalPbxVideo): string[] {
  return [
    `m=video ${video.port} ${video.crypto ? 'RTP/SAVP' : 'RTP/AVP'} ${video.codecs.map((c) => c.payloadType).join(' ')}`,
    ...video.codecs.flatMap(({ spec, payloadType }) => [
      `a=rtpmap:${payloadType} ${spec.name}/${spec.clockRate}`,
      ...pbxVideoFeedback.map((fb) => `a=rtcp-fb:${payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`),
      ...(spec.fmtp ? [`a=fmtp:${payloadType} ${spec.fmtp}`] : []),
    ]),
    ...(video.rtcpPort !== undefined ? [`a=rtcp:${video.rtcpPort}`] : []),
    ...(video.rtcpMux ? ['a=rtcp-mux'] : []),
    ...(video.crypto ? [`a=crypto:${formatCrypto(video.crypto.tag, video.crypto.parameters)}`] : []),
    `a=${video.direction}`,
  ];
}
