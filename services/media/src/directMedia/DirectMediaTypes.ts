import type { CodecName, Logger } from '@ucserver/shared';
import type { Producer, Router } from 'mediasoup/types';
import type { VideoCodecName } from '../sdp/codecs.ts';

/** What Direct Media needs from a call (implemented by MediaCall). */
export interface DirectMediaParty {
  readonly id: string;
  /** The call's router; undefined until allocated. */
  readonly router: Router | undefined;
  /** The call's softphone microphone Producer, once it exists. */
  readonly softphoneProducer: Producer | undefined;
  /** The call's softphone camera Producer, when the call carries video and the softphone sends it. */
  readonly softphoneVideoProducer: Producer | undefined;
  /**
   * The video codecs the call's softphone can use, in its order (what it offered, or the one it took);
   * empty when it has no video.
   */
  readonly softphoneVideoCodecs: readonly VideoCodecName[];
  /** The PBX leg's remote RTP address as signalled by the PBX. */
  readonly pbxRemote: { address: string; port: number } | undefined;
  readonly codecName: CodecName | undefined;
  /** The PBX side lets this call send (not held, direction allows it). */
  readonly sendAllowed: boolean;
  /** Re-applies the call's media wiring (downlink source, uplink, path). */
  requestReconcile(): Promise<void>;
  /**
   * The partner of the call's link closed (the link ended without a re-target): the call stops using
   * the link but keeps its path until an SDP re-targets it.
   */
  partnerClosed(): Promise<void>;
}

export interface DirectMediaOptions {
  logger: Logger;
  /** Address pipe transports between routers bind to. Default 127.0.0.1. */
  pipeIp?: string;
}

export interface DirectLinkEvents {
  '@close': [];
}
