// Contract of CallForwarding: the forwards still pending for calls that ring on a softphone.
import type { Logger } from '@ucserver/shared';
import type { PbxClient } from '../bus/PbxClient.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';

export interface CallForwardingDeps {
  pbx: Pick<PbxClient, 'redirect'>;
  calls: Pick<CallRegistry, 'on' | 'off' | 'get'>;
  logger: Logger;
  /** Bound on calls tracked at once (each holds at most one timer). */
  maxTracked?: number;
}

/** The forwards that may still apply to a ringing call. */
export interface PendingForward {
  /** Where the call goes when the user rejects it (forward on busy). */
  busyTarget?: string | undefined;
  /** Where it goes after `afterS` seconds of ringing (forward on no answer). */
  noAnswer?: { target: string; afterS: number } | undefined;
}
