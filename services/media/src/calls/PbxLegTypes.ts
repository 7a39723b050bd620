import type { Logger } from '@ucserver/shared';
import type { Router, SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import type { MediaWorker } from '../workers/MediaWorker.ts';

export interface PbxLegOptions {
  router: Router;
  /** The worker: listen IP, announced address and its slice of the port range. */
  worker: MediaWorker;
  callId: string;
  logger: Logger;
  /** RTP and RTCP on one port (RFC 5761). When false the leg has a second port for RTCP. */
  rtcpMux: boolean;
  /** SDES-SRTP with this suite; undefined = plain RTP. */
  srtpSuite: SrtpCryptoSuite | undefined;
  /** The SSRC watchdog (see SsrcWatchdogOptions); false turns it off. Default: on, with its defaults. */
  ssrcWatchdog?: Partial<SsrcWatchdogOptions> | false;
}

/**
 * The SSRC watchdog heals an SSRC change nobody announced (a PBX that restarts its stream without a
 * re-INVITE): while the leg carries audio and its SSRC is learnt (no a=ssrc), the PlainTransport's
 * counters are read every `intervalMs`; when bytes keep arriving but none reaches the Producer for
 * `starveMs`, the SSRC is learnt again from the next packet.
 */
export interface SsrcWatchdogOptions {
  /** Default 200. */
  intervalMs: number;
  /** Default 500. Doubled after each relearn that did not bring audio back (up to 64×), reset by audio. */
  starveMs: number;
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
