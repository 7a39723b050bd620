// Contract of the CallEventPublisher.
import type { BusClient, CallEvent, Logger } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';

export interface CallEventPublisherOptions {
  bus: BusClient;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  /** How long one event may wait for the stream while NATS is down (ms); default 30 000. */
  deadlineMs?: number | undefined;
  /** Calls tracked at most (their seq counters); default 100 000. */
  maxCalls?: number | undefined;
  now?: (() => number) | undefined;
  /** Told around each event's store (the crash-recovery snapshots, CallSnapshots). */
  hooks?: CallEventHooks | undefined;
}

/**
 * What runs around the store of each event, in the call's order: `beforeStore` is awaited before the
 * event is published (a snapshot that names the event must reach the server first, so a recovery after a
 * crash never reuses a stored seq; issuing it on the same connection is enough, its acknowledgement is not
 * waited for), `afterStore` runs once it is stored or given up. Neither may throw.
 */
export interface CallEventHooks {
  beforeStore(event: CallEvent): Promise<void>;
  afterStore(event: CallEvent, stored: boolean): void;
}

/** What stays the same over a call's events. */
export type CallEventBase = Pick<CallEvent, 'callId' | 'lineId' | 'lineNumber' | 'direction' | 'remoteNumber'> &
  Partial<Pick<CallEvent, 'remoteName' | 'mediaNodeId'>>;

/** What one event says. */
export type CallEventChange = Pick<CallEvent, 'state'> &
  Partial<Pick<CallEvent, 'cause' | 'sipStatus' | 'sipReason' | 'hold' | 'mediaPath'>>;
