import type { Router } from 'mediasoup/types';
import type { VideoStreamSample } from './videoSample.ts';
import type { CodecName, Logger, MediaPath, MediaQuality } from '@ucserver/shared';
import type { DirectMedia } from '../directMedia/DirectMedia.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import type { SsrcWatchdogOptions } from './SsrcWatchdogTypes.ts';
import type { LegKind, StreamDirection } from './StatsLedger.ts';

export interface MediaCallOptions {
  id: string;
  /** The worker the call's router lives on. */
  worker: MediaWorker;
  /**
   * A router of `worker` to share when the call's payload types agree with it: the router of the call
   * this one will likely be linked with by Direct Media (see MediaNode's placement).
   */
  preferRouter?: Router | undefined;
  directMedia: DirectMedia;
  logger: Logger;
  /** Commands a call queues before it rejects more. Default 16. */
  maxPendingCommands?: number;
  /** The PBX leg's SSRC watchdog; false turns it off. Default: on. */
  ssrcWatchdog?: Partial<SsrcWatchdogOptions> | false;
}

export interface MediaCallEvents {
  /** The media path changed (first set when the PBX leg gets its remote). */
  path: [path: MediaPath];
  /** The call's media wiring ran (Producers and Consumers may have changed). */
  wired: [];
  /**
   * The SDP answer to the softphone's offer (outgoing call), once the PBX's answer fixed the codec, for `to`
   * (softphoneOffer's `answerTo`); `answered`: that answer came in the PBX's 2xx, not in early media.
   */
  answer: [sdp: string, to: string, answered: boolean];
  /** The call failed (worker died, DTLS failed); `close` follows at once. */
  failed: [cause: string];
  /** The call closed, with its quality summary and whether video reached the node; emitted once. */
  close: [quality: MediaQuality, cause: string, video: boolean];
}

/** Increments and latest figures of one sample, for the node's metrics. */
export interface MediaCallSample {
  streams: Array<{ leg: LegKind; direction: StreamDirection; packets: number; bytes: number; lossRatio: number | undefined; jitterSeconds: number | undefined; rttSeconds: number | undefined }>;
  transports: Array<{ leg: LegKind; bytesIn: number; bytesOut: number }>;
  /** The softphone video streams (cameras in, video out), when the call carries video. */
  video: VideoStreamSample[];
}

/** The codec fixed for the call (both legs; mediasoup does not transcode). */
export interface CallCodec {
  name: CodecName;
  /** The PBX side has telephone-event at the codec's clock rate. */
  telephoneEvent: boolean;
  /** The PBX's a=ptime (our own offers: 20), repeated in the softphone's SDP. */
  ptime: number | undefined;
}
