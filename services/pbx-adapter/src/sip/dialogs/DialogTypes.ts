// Contract of Dialog (RFC 3261 §12).
import type { HeaderInit } from '../message.ts';

export const DialogState = {
  Early: 'early',
  Confirmed: 'confirmed',
  Terminated: 'terminated',
} as const;
export type DialogState = (typeof DialogState)[keyof typeof DialogState];

export type DialogRole = 'uac' | 'uas';

/** Dialog identifier from this side's point of view (RFC 3261 §12). */
export interface DialogId {
  callId: string;
  localTag: string;
  /** '' when the peer sent no tag (RFC 2543). */
  remoteTag: string;
}

export interface InDialogRequestOptions {
  headers?: HeaderInit;
  body?: Buffer | string;
  contentType?: string;
}

/** Plain snapshot of a dialog, for logs and the admin API. */
export interface DialogDump {
  id: DialogId;
  role: DialogRole;
  state: DialogState;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  localUri: string;
  remoteUri: string;
  localTarget: string | undefined;
  remoteTarget: string;
  routeSet: string[];
  secure: boolean;
}

/**
 * What a dialog needs to go on building requests elsewhere (another process after a crash): its id,
 * CSeqs, our and the peer's name-addr (without tags), the targets and the route set, as SIP text.
 */
export interface DialogRecord {
  id: DialogId;
  role: DialogRole;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  /** name-addr, e.g. `"Alice" <sip:100@pbx>` (no tag). */
  localUri: string;
  remoteUri: string;
  localTarget: string | undefined;
  remoteTarget: string;
  /** name-addrs, in the order requests carry them. */
  routeSet: string[];
  secure: boolean;
}
