import type { Logger } from '@ucserver/shared';
import type { Router, SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import type { SsrcWatchdogOptions } from './SsrcWatchdogTypes.ts';

export interface PbxLegOptions {
  router: Router;
  /** The worker: listen IP, announced address and its slice of the port range. */
  worker: MediaWorker;
  logger: Logger;
  /**
   * RTP and RTCP on one port (RFC 5761). When false the leg has a second port for RTCP. 'offered': our
   * offer has a=rtcp-mux and a separate RTCP port (RFC 5761 §5.1.3), the answer decides (see PbxLeg.create).
   */
  rtcpMux: boolean | 'offered';
  /** SDES-SRTP with this suite; undefined = plain RTP. */
  srtpSuite: SrtpCryptoSuite | undefined;
  /** The SSRC watchdog (see SsrcWatchdogOptions); false turns it off. Default: on, with its defaults. */
  ssrcWatchdog?: Partial<SsrcWatchdogOptions> | false;
}

/** Where the PBX wants media, from its SDP. */
export interface PbxRemote {
  address: string;
  port: number;
  rtcpAddress: string;
  rtcpPort: number;
  rtcpMux: boolean;
  /** The PBX's SDES key (what it encrypts with), for SRTP legs. */
  srtp: SrtpParameters | undefined;
  /** The PBX's SSRC when its SDP names one; otherwise it is learnt from its first packet. */
  ssrc: number | undefined;
}

export interface PbxLegEvents {
  /** A Producer for what the PBX sends exists (first time, or after its SSRC changed). */
  producer: [];
  '@close': [];
}
