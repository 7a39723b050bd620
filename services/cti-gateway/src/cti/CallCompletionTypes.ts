// Contract of CallCompletion (asnCtiCompleteCall: callback when a busy or unanswered line is free again).
import type { CallEvent, Logger } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { DeviceControl } from './CtiServiceTypes.ts';

/**
 * Why a call may be completed: the far line was busy (completion when it is free: CCBS), or it rang and
 * nobody answered (completion when its user next finishes a call: CCNR).
 */
export type CompletionMode = 'busy' | 'no-answer';

/** The call causes that make an outbound call completable, and as which mode ('cancelled' too, once it rang: CallCompletion). */
export const COMPLETABLE_CAUSES: Readonly<Partial<Record<NonNullable<CallEvent['cause']>, CompletionMode>>> = {
  busy: 'busy',
  'no-answer': 'no-answer',
  timeout: 'no-answer',
};

export interface CallCompletionOptions {
  /** How long a requested callback waits for the called line (ms). Default 30 min. */
  waitMs?: number;
  /** How long after its end an unsuccessful call may still be completed (ms). Default 120 000. */
  offerMs?: number;
  /** Callbacks one line may have pending. Default 5. */
  maxPerLine?: number;
  /** Callbacks pending at most on this gateway. Default 10 000. */
  maxPending?: number;
  /** Period of the sweep that expires callbacks and retries those whose caller had no softphone (ms). Default 10 000. */
  sweepMs?: number;
}

export interface CallCompletionDeps {
  calls: Pick<CallRegistry, 'onLine'>;
  lines: Pick<LineStore, 'get' | 'getById'>;
  /** DND holds a callback; its 'changed' event (DND off) lets it go at once. */
  routing: Pick<LineRouting, 'get' | 'on' | 'off'>;
  devices: Pick<DeviceControl, 'remoteMakeCall'>;
  logger: Logger;
}

/** A callback waiting for its called line. `id` is the connection id of the unsuccessful call. */
export interface PendingCompletion {
  id: string;
  mode: CompletionMode;
  callerLineId: string;
  callerNumber: string;
  targetLineId: string;
  targetNumber: string;
  requestedAt: number;
  expiresAt: number;
  /** CCNR: the called line's user took or made a call since the request (its end is the trigger). */
  targetWasActive: boolean;
}

export interface CallCompletionEvents {
  /** The called line is free: the caller's softphone was asked to dial it; `callId` is the new call. */
  fired: [completion: PendingCompletion, callId: string];
  expired: [completion: PendingCompletion];
}
