// One negotiated codec, and its telephone-event when agreed, in mediasoup's terms: the codec parameters
// a Producer is created with and the codec capabilities a Consumer is created for. Pure.
import type { RtcpFeedback, RtpCodecCapability, RtpCodecParameters } from 'mediasoup/types';
import { telephoneEvent, type CodecSpec } from './codecs.ts';
import { fmtpParameters } from './rtpmap.ts';

/** A codec as one side of a leg numbers it, with its telephone-event when agreed. */
export interface NumberedCodec {
  spec: CodecSpec;
  payloadType: number;
  fmtp: string | undefined;
  telephoneEvent: { payloadType: number; clockRate: number } | undefined;
}

/** What a Producer receives: the codec (with `rtcpFeedback`), then telephone-event. */
export function producerCodecs(codec: NumberedCodec, rtcpFeedback: RtcpFeedback[] = []): RtpCodecParameters[] {
  const codecs: RtpCodecParameters[] = [{
    mimeType: codec.spec.mimeType,
    payloadType: codec.payloadType,
    clockRate: codec.spec.clockRate,
    ...(codec.spec.channels > 1 ? { channels: codec.spec.channels } : {}),
    parameters: fmtpParameters(codec.fmtp),
    rtcpFeedback,
  }];
  if (codec.telephoneEvent) {
    codecs.push({ mimeType: telephoneEvent.mimeType, payloadType: codec.telephoneEvent.payloadType, clockRate: codec.telephoneEvent.clockRate, parameters: {}, rtcpFeedback: [] });
  }
  return codecs;
}

/** What the receiver of a Consumer takes: the codec, then telephone-event, with these payload types. */
export function consumerCodecs(codec: NumberedCodec): RtpCodecCapability[] {
  const codecs: RtpCodecCapability[] = [{
    kind: 'audio',
    mimeType: codec.spec.mimeType,
    preferredPayloadType: codec.payloadType,
    clockRate: codec.spec.clockRate,
    ...(codec.spec.channels > 1 ? { channels: codec.spec.channels } : {}),
    parameters: fmtpParameters(codec.fmtp),
    rtcpFeedback: [],
  }];
  if (codec.telephoneEvent) {
    codecs.push({ kind: 'audio', mimeType: telephoneEvent.mimeType, preferredPayloadType: codec.telephoneEvent.payloadType, clockRate: codec.telephoneEvent.clockRate, parameters: {}, rtcpFeedback: [] });
  }
  return codecs;
}
