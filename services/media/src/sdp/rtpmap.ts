// The codecs of one m-section, in m-line order, as plain values.
import type { RtcpFeedback } from 'mediasoup/types';
import { SdpInvalidError } from '../errors.ts';
import { staticPayloadTypes } from './codecs.ts';
import type { MediaSection } from './session.ts';

export interface SdpCodec {
  payloadType: number;
  /** rtpmap encoding name as written (case preserved). */
  name: string;
  clockRate: number;
  /** rtpmap channel count, when written. */
  channels: number | undefined;
  fmtp: string | undefined;
  rtcpFeedback: RtcpFeedback[];
}

/**
 * Every payload type of the m-line with its rtpmap (or the RFC 3551 static one). Dynamic payload types
 * without an rtpmap cannot be interpreted and are left out.
 * @throws SdpInvalidError when the m-line's format list is not a list of payload types.
 */
export function readCodecs(media: MediaSection, what: string): SdpCodec[] {
  const formats = String(media.payloads ?? '').trim().split(/\s+/).filter(Boolean);
  if (formats.length === 0) throw new SdpInvalidError(`${what} has an audio m-line without payload types`);
  const codecs: SdpCodec[] = [];
  for (const format of formats) {
    const pt = Number(format);
    if (!/^\d{1,3}$/.test(format) || pt > 127) throw new SdpInvalidError(`${what} has an invalid payload type '${format}'`);
    const rtpmap = (media.rtp ?? []).find((r) => r.payload === pt);
    const known = staticPayloadTypes[pt];
    let name: string;
    let clockRate: number;
    let channels: number | undefined;
    if (rtpmap && typeof rtpmap.codec === 'string' && Number.isInteger(rtpmap.rate)) {
      name = rtpmap.codec;
      clockRate = rtpmap.rate!;
      channels = rtpmap.encoding === undefined ? undefined : Number(rtpmap.encoding);
    } else if (known && pt < 96) {
      ({ name, clockRate } = known);
      channels = known.channels;
    } else {
      continue;
    }
    const fmtp = (media.fmtp ?? []).find((f) => f.payload === pt)?.config;
    const rtcpFeedback = (media.rtcpFb ?? [])
      .filter((fb) => fb.payload === pt || fb.payload === '*' || Number(fb.payload) === pt)
      .map((fb) => ({ type: fb.type, parameter: fb.subtype ?? '' }));
    codecs.push({ payloadType: pt, name, clockRate, channels, fmtp, rtcpFeedback });
  }
  return codecs;
}

/** `a=fmtp` parameters as mediasoup codec parameters (`key=value;…`, numbers where numeric). */
export function fmtpParameters(fmtp: string | undefined): Record<string, string | number> {
  const parameters: Record<string, string | number> = {};
  for (const part of (fmtp ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!key) continue;
    parameters[key] = /^\d+$/.test(value) && value.length < 10 ? Number(value) : value;
  }
  return parameters;
}
