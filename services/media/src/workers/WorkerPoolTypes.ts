import type { Logger } from '@ucserver/shared';
import type { WorkerLogLevel } from 'mediasoup/types';
import type { MediaWorker } from './MediaWorker.ts';

export interface WorkerPoolOptions {
  /** Number of workers (≥ 1). */
  size: number;
  logLevel: WorkerLogLevel;
  listenIp: string;
  announcedAddress: string | undefined;
  /** First WebRtcServer port; worker i uses base + i. 0 = ephemeral. */
  webRtcPort: number;
  /** See MediaWorkerOptions.webRtcSocketBufferBytes. */
  webRtcSocketBufferBytes?: number;
  /** The PlainTransport port range, split into one slice per worker. */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** Calls per worker at which it counts as fully loaded. Default 500. */
  capacity?: number;
  /** First delay before re-creating a dead worker; doubles per failure up to 5 s. Default 100 ms. */
  replaceDelayMs?: number;
  logger: Logger;
}

export interface WorkerPoolEvents {
  /** A worker died; its calls are gone. A replacement is being created. */
  workerdied: [worker: MediaWorker, error: Error];
  /** A replacement worker is up at the dead one's index. */
  workerreplaced: [worker: MediaWorker];
}
