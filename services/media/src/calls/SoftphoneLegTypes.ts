import type { Logger } from '@ucserver/shared';
import type { Router, WebRtcServer } from 'mediasoup/types';

export interface SoftphoneLegOptions {
  router: Router;
  /** The worker's WebRtcServer: every softphone transport of a worker shares its port. */
  webRtcServer: WebRtcServer;
  callId: string;
  logger: Logger;
}

/** Offered: SDP exchanged one way; answered: both ways; connected: DTLS up; failed: ICE/DTLS failed. */
export type SoftphoneLegState = 'new' | 'offered' | 'answered' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface SoftphoneLegEvents {
  /** DTLS failed (e.g. the fingerprint did not match); the softphone cannot get media. */
  dtlsfailed: [];
  /** The consumer of what the softphone hears closed on its own (its source went away). */
  '@downlinkclose': [];
  '@close': [];
}
