import type { Logger, UdpEndpoint } from '@ucserver/shared';

/** One SIP message of a call as the pbx-adapter sent or received it. */
export interface SipRecord {
  /** Microseconds since the epoch. */
  timestampUs: bigint;
  src: UdpEndpoint;
  dst: UdpEndpoint;
  message: Buffer;
}

export interface CaptureStoreOptions {
  /** Directory of the capture files (created if missing). */
  dir: string;
  nodeId: string;
  logger: Logger;
  /** Longest capture, and the default duration (s). */
  maxSeconds: number;
  /** Largest file, and the default size (bytes). */
  maxBytes: number;
  /** Captures running at once on the node. */
  maxConcurrent: number;
  /** Stopped captures older than this are deleted (ms). */
  retentionMs: number;
  /** The call's SIP messages, fetched when a capture stops; none when absent or failing. */
  sipMessages?: (callId: string) => Promise<SipRecord[]>;
  /** How long a capture that stopped because its call ended waits for the last SIP messages (ms). Default 500. */
  sipSettleMs?: number;
  /** Microseconds since the epoch. Default: performance.timeOrigin + performance.now(). */
  clock?: () => bigint;
}

export interface CaptureStartOptions {
  startedBy: string;
  maxSeconds?: number;
  maxBytes?: number;
}
