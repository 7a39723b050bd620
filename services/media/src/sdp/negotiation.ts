// Codec negotiation: one codec end to end (mediasoup relays without transcoding), plus RFC 4733
// telephone-event when both sides have it at that codec's clock rate.
import type { CodecName } from '@ucserver/shared';
import { NoCommonCodecError } from '../errors.ts';
import { findCodec, isTelephoneEvent, payloadTypeKey, telephoneEvent, type CodecSpec } from './codecs.ts';
import type { SdpCodec } from './rtpmap.ts';

/** A supported codec as one side wrote it (its payload type, fmtp, feedback). */
export interface OfferedCodec {
  spec: CodecSpec;
  sdp: SdpCodec;
}

/** The codecs of `codecs` the node supports, in the order given (first occurrence of each). */
export function supportedCodecs(codecs: SdpCodec[]): OfferedCodec[] {
  const seen = new Set<CodecName>();
  const result: OfferedCodec[] = [];
  for (const sdp of codecs) {
    const spec = findCodec(sdp.name, sdp.clockRate, sdp.channels);
    if (!spec || seen.has(spec.name)) continue;
    seen.add(spec.name);
    result.push({ spec, sdp });
  }
  return result;
}

/**
 * Like {@link supportedCodecs}, but at least one is required.
 * @throws NoCommonCodecError naming what was offered.
 */
export function requireSupportedCodecs(codecs: SdpCodec[], what: string): OfferedCodec[] {
  const supported = supportedCodecs(codecs);
  if (supported.length === 0) {
    const offered = codecs.map((c) => `${c.name}/${c.clockRate}`);
    throw new NoCommonCodecError(`${what} offers no supported codec [offered:${offered.join(' ') || 'none'}, supported:opus PCMU PCMA G722]`, offered);
  }
  return supported;
}

/** The entry for `name` in `codecs`, if present. */
export function codecByName(codecs: SdpCodec[], name: CodecName): OfferedCodec | undefined {
  return supportedCodecs(codecs).find((c) => c.spec.name === name);
}

/** The side's telephone-event at `clockRate`, if it has one. */
export function telephoneEventAt(codecs: SdpCodec[], clockRate: number): SdpCodec | undefined {
  return codecs.find((c) => isTelephoneEvent(c.name) && c.clockRate === clockRate);
}

/**
 * The payload types an SDP gives the supported codecs and telephone-event, keyed for
 * `routerMediaCodecs()`, so the call's router (and so its Consumers) number them the same way.
 */
export function payloadTypesOf(codecs: SdpCodec[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const { spec, sdp } of supportedCodecs(codecs)) map.set(payloadTypeKey(spec.mimeType, spec.clockRate), sdp.payloadType);
  for (const c of codecs) {
    const key = payloadTypeKey(telephoneEvent.mimeType, c.clockRate);
    if (isTelephoneEvent(c.name) && !map.has(key)) map.set(key, c.payloadType);
  }
  return map;
}
