import type { Logger } from '@ucserver/shared';
import { canSend } from '../sdp/direction.ts';
import { browserVideoCodec, videoConsumerRtpCapabilities, videoProducerRtpParameters } from '../sdp/videoSdp.ts';
import type { SoftphoneLeg } from './SoftphoneLeg.ts';
import type { SoftphoneNegotiation } from './SoftphoneNegotiation.ts';

/**
 * Once the softphone's video m-line is agreed: its camera Producer (when it sends) and what it
 * receives. Returns whether the leg took video now (the call's wiring then needs a pass).
 */
export async function takeSoftphoneVideo(leg: SoftphoneLeg | undefined, side: SoftphoneNegotiation, logger: Logger): Promise<boolean> {
  const video = side.remoteVideo;
  const codec = video && side.video && browserVideoCodec(video, side.video.spec.name);
  if (!leg || !video || !codec || leg.hasVideo) return false;
  const parameters = canSend(video.direction) ? videoProducerRtpParameters(video, codec, side.remote?.rtcpRsize ?? true) : undefined;
  await leg.produceVideo(video.mid, parameters, videoConsumerRtpCapabilities(video, codec));
  logger.info({ codec: codec.spec.name, mid: video.mid }, 'softphone video taken');
  return true;
}
