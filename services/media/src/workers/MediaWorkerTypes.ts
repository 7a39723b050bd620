import type { WorkerLogLevel } from 'mediasoup/types';

export interface MediaWorkerOptions {
  /** Position in the pool; fixes the WebRtcServer port (base + index) and the PlainTransport port slice. */
  index: number;
  logLevel: WorkerLogLevel;
  /** Local IP every socket of the worker binds to. */
  listenIp: string;
  /** Address announced in ICE candidates and PBX SDP. Default `listenIp`. */
  announcedAddress: string | undefined;
  /** WebRtcServer port for UDP and TCP; 0 picks an ephemeral one. */
  webRtcPort: number;
  /**
   * SO_RCVBUF/SO_SNDBUF of the WebRtcServer's UDP socket, which carries every softphone leg of the
   * worker (0: the system default). The kernel caps it at net.core.rmem_max / wmem_max.
   */
  webRtcSocketBufferBytes?: number;
  /** This worker's slice of the PlainTransport port range (slices never overlap between workers). */
  portRange: { min: number; max: number };
  /** Calls at which the worker counts as fully loaded. Default 500. */
  capacity?: number;
}

export interface MediaWorkerEvents {
  /** The worker subprocess died; every router on it is closed (their `workerclose` fires). */
  died: [error: Error];
  '@close': [];
}
