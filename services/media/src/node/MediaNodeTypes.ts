import type { Logger, MediaPath, MediaQuality } from '@ucserver/shared';
import type { SsrcWatchdogOptions } from '../calls/SsrcWatchdogTypes.ts';
import type { CaptureStore } from '../capture/CaptureStore.ts';
import type { WorkerPool } from '../workers/WorkerPool.ts';

export interface MediaNodeOptions {
  nodeId: string;
  pool: WorkerPool;
  logger: Logger;
  /** Addresses announced in SDP and ICE (heartbeat `addresses`). */
  addresses: string[];
  /** The PBX legs' SSRC watchdog; false turns it off. Default: on. */
  ssrcWatchdog?: Partial<SsrcWatchdogOptions> | false;
  /** The node's captures; without one, capture commands fail with CaptureWriteError. */
  captures?: CaptureStore;
  /** CONFERENCE_MAX_PARTICIPANTS, CONFERENCE_MAX_ROOMS (defaults 6, 50). */
  conference?: { maxParticipants: number; maxRooms: number };
}

export interface MediaNodeEvents {
  /** A call's media path changed. */
  callpath: [callId: string, path: MediaPath];
  /** An outgoing softphone call's SDP answer is ready, for the gateway `to` that asked for it in softphoneOffer (`answered`: in the PBX's 2xx). */
  softphoneanswer: [callId: string, to: string, sdp: string, answered: boolean];
  /** A call failed (worker died, DTLS failed); `callclose` follows. */
  callfailed: [callId: string, cause: string];
  /** A call closed with its quality summary (and whether it carried video). */
  callclose: [callId: string, quality: MediaQuality, cause: string, video: boolean];
  /** The node stopped taking new calls. */
  draining: [];
  '@empty': [];
}
