// Contract of CallTransfer: the view of its call it works through.
import type { LineConfig, Logger, MediaPath } from '@ucserver/shared';
import type { Dialog } from '../sip/mod.ts';
import type { LineAddress } from '../userAgent/lineAddress.ts';
import type { InDialogNegotiation } from './InDialogNegotiation.ts';
import type { SessionTimerSpec } from './sessionTimers.ts';
import type { SipCallDeps } from './SipCallTypes.ts';

/** What a transfer needs of its call besides the negotiation's view of it (NegotiatingCall). */
export interface TransferExtras {
  readonly line: LineConfig;
  readonly address: LineAddress;
  readonly logger: Logger;
  readonly deps: SipCallDeps;
  readonly negotiation: InDialogNegotiation;
  /** The transfer completed: the call continues in `dialog` with `remoteNumber`; 'connected' is published. */
  moveToDialog(dialog: Dialog, remoteNumber: string, mediaPath: MediaPath, sessionTimer: SessionTimerSpec | undefined): void;
}
