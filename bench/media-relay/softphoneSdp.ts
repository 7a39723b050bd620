// A Chromium-like softphone SDP for benches that play softphones without a browser (media-relay's load generator,
// call-setup's ENetUC clients): an audio m-line (and, with `video`, a VP8 video m-line bundled with it), ICE host
// candidate, DTLS fingerprint, the header extensions and codecs Chromium offers.
import { randomBytes } from 'node:crypto';

export interface SoftphoneSdpOptions {
  address: string;
  port: number;
  ice: { ufrag: string; pwd: string };
  fingerprint: string;
  /** SSRC of the microphone. */
  ssrc: number;
  /** Put PCMU first (Direct Media relays the offer's first codec end to end). */
  g711First?: boolean;
  /** A camera: a video m-line (VP8 as payload type 96 in an offer) with this SSRC. */
  video?: { ssrc: number };
  /** Answer instead of offer: PCMU (and telephone-event) with the offer's payload types and mids. */
  answer?: { mid: string; pt: number; te: number | undefined; video?: { mid: string; pt: number } };
}

export function softphoneSdp(o: SoftphoneSdpOptions): string {
  const address = o.address;
  const cname = randomBytes(8).toString('hex');
  const stream = randomBytes(8).toString('hex');
  const codecs = o.answer
    ? [`a=rtpmap:${o.answer.pt} PCMU/8000`, ...(o.answer.te !== undefined ? [`a=rtpmap:${o.answer.te} telephone-event/8000`] : [])]
    : ['a=rtpmap:111 opus/48000/2', 'a=rtcp-fb:111 transport-cc', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:126 telephone-event/8000'];
  // Chromium's order is opus first; a softphone set to prefer G.711 puts PCMU first (Direct Media relays
  // the first codec of the offer end to end).
  const pts = o.answer ? [o.answer.pt, ...(o.answer.te !== undefined ? [o.answer.te] : [])] : o.g711First ? [0, 8, 111, 9, 126] : [111, 9, 0, 8, 126];
  const mid = o.answer?.mid ?? '0';
  const videoMid = o.answer?.video?.mid ?? '1';
  const videoPt = o.answer?.video?.pt ?? 96;
  const withVideo = o.video !== undefined && (o.answer === undefined || o.answer.video !== undefined);
  const video = withVideo ? [
    `m=video ${o.port} UDP/TLS/RTP/SAVPF ${videoPt}`, `c=IN IP4 ${address}`, 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${o.ice.ufrag}`, `a=ice-pwd:${o.ice.pwd}`, 'a=ice-options:trickle', `a=fingerprint:sha-256 ${o.fingerprint}`,
    `a=setup:${o.answer ? 'active' : 'actpass'}`, `a=mid:${videoMid}`,
    'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv', `a=msid:${stream} ${stream}-video`, 'a=rtcp-mux', 'a=rtcp-rsize',
    `a=rtpmap:${videoPt} VP8/90000`, `a=rtcp-fb:${videoPt} goog-remb`, `a=rtcp-fb:${videoPt} ccm fir`, `a=rtcp-fb:${videoPt} nack`, `a=rtcp-fb:${videoPt} nack pli`,
    `a=ssrc:${o.video!.ssrc} cname:${cname}`, `a=ssrc:${o.video!.ssrc} msid:${stream} ${stream}-video`,
  ] : [];
  return [
    'v=0', `o=- ${BigInt.asUintN(63, randomBytes(8).readBigUInt64BE())} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', `a=group:BUNDLE ${mid}${withVideo ? ` ${videoMid}` : ''}`, 'a=extmap-allow-mixed', `a=msid-semantic: WMS ${stream}`,
    `m=audio ${o.port} UDP/TLS/RTP/SAVPF ${pts.join(' ')}`, `c=IN IP4 ${address}`, 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=candidate:1 1 udp 2122260223 ${address} ${o.port} typ host generation 0`,
    `a=ice-ufrag:${o.ice.ufrag}`, `a=ice-pwd:${o.ice.pwd}`, 'a=ice-options:trickle', `a=fingerprint:sha-256 ${o.fingerprint}`,
    `a=setup:${o.answer ? 'active' : 'actpass'}`, `a=mid:${mid}`,
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=sendrecv', `a=msid:${stream} ${stream}-audio`, 'a=rtcp-mux', 'a=rtcp-rsize', ...codecs,
    `a=ssrc:${o.ssrc} cname:${cname}`, `a=ssrc:${o.ssrc} msid:${stream} ${stream}-audio`,
    ...video, '',
  ].join('\r\n');
}
