// Contract of CallLegs: its options, with the view of its call it works through.
import type { Router } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import type { MediaWiring } from './MediaWiring.ts';
import type { SoftphoneNegotiation } from './SoftphoneNegotiation.ts';
import type { SsrcWatchdogOptions } from './SsrcWatchdogTypes.ts';

export interface CallLegsOptions {
  /** The call's id (leg creation, error context). */
  callId: string;
  /** The worker the call's router lives on. */
  worker: MediaWorker;
  /** A router of `worker` to share when it agrees (MediaCallOptions.preferRouter). */
  preferRouter: Router | undefined;
  /** Where each leg is attached once created: what flows where is the wiring's. */
  wiring: MediaWiring;
  /** The softphone's SDP: the codec and video its Producers follow. */
  softphoneSide: SoftphoneNegotiation;
  logger: Logger;
  /** The PBX legs' SSRC watchdog; false turns it off. */
  ssrcWatchdog: Partial<SsrcWatchdogOptions> | false | undefined;
  /** The call is closing: a leg that arrives now is closed at once. */
  closing(): boolean;
  /** The media failed (the worker died, the softphone's DTLS failed): the call closes. */
  fail(cause: string): void;
}
