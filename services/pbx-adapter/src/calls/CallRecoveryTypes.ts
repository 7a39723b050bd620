// Contract of CallRecovery: what a restarted adapter needs to end the calls of its earlier run.
import type { CallEvent, KvStore, LineConfig, Logger, PbxCallSnapshot } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { MediaClient } from '../media/MediaClient.ts';
import type { Clock } from '../sip/mod.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';

export interface CallRecoveryOptions {
  /** The `PbxBuckets.calls` bucket. */
  store: Pick<KvStore<typeof PbxCallSnapshot>, 'keys' | 'entry' | 'delete'>;
  endpoint: SipEndpoint;
  /** True for a call this run carries (its snapshot is live, not left over). */
  carried(callId: string): boolean;
  /** The line's configuration (credentials for a challenged BYE); may wait, bounded, for the line list. */
  line(lineId: string): Promise<LineConfig | undefined>;
  media: Pick<MediaClient, 'close'>;
  /** Stores a call event in the CALLS stream (durable). */
  publish(event: CallEvent): Promise<void>;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  /** Calls ended at once at most. Default 8. */
  concurrency?: number | undefined;
  /** How long one BYE or CANCEL may wait for its final response (ms). Default 3000. */
  sipTimeoutMs?: number | undefined;
  /** BYEs sent at most per call (each with the next CSeq) while the PBX answers nothing or fails. Default 2. */
  attempts?: number | undefined;
  /** T1 (ms): spacing of a refusal's retransmissions over UDP. Default 500. */
  t1Ms?: number | undefined;
  clock?: Clock | undefined;
}

/** What one recovery run did. */
export interface CallRecoveryReport {
  /** Snapshots of calls this run does not carry. */
  found: number;
  /** Calls whose SIP side ended as it should (BYE/CANCEL answered, or nothing to send). */
  ended: number;
  /** Calls whose SIP teardown got no usable answer after every attempt (their events were closed all the same). */
  failed: number;
}

/** How the SIP side of one recovered call went. */
export type TeardownOutcome = 'ended' | 'failed';
