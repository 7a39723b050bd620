import type { Router, RouterRtpCodecCapability } from 'mediasoup/types';

/** One call's hold on a shared router (see RouterShare). */
export interface RouterLease {
  readonly router: Router;
  /**
   * `listener` runs once when the router's worker dies (the call's legs are gone with it). Not after
   * release().
   */
  onWorkerClose(listener: () => void): void;
  /** The call no longer uses the router; the last lease closes it. Idempotent. */
  release(): void;
}

export interface RouterShareOptions {
  /** Creates a router on the worker with these codecs. */
  createRouter(mediaCodecs: RouterRtpCodecCapability[]): Promise<Router>;
}
