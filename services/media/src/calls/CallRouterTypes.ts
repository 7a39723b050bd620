import type { Router } from 'mediasoup/types';
import type { MediaWorker } from '../workers/MediaWorker.ts';

export interface CallRouterOptions {
  worker: MediaWorker;
  /** The router to share when it agrees (the router of the call this one will likely be linked with). */
  prefer: Router | undefined;
  /** The worker died: the call's legs are gone. */
  onWorkerClose: () => void;
}
