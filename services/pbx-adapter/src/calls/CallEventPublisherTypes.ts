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
}

/** What stays the same over a call's events. */
export type CallEventBase = Pick<CallEvent, 'callId' | 'lineId' | 'lineNumber' | 'direction' | 'remoteNumber'> &
  Partial<Pick<CallEvent, 'remoteName' | 'mediaNodeId'>>;

/** What one event says. */
export type CallEventChange = Pick<CallEvent, 'state'> &
  Partial<Pick<CallEvent, 'cause' | 'sipStatus' | 'sipReason' | 'hold' | 'mediaPath'>>;
