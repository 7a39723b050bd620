// Contract of an OutgoingCall.
import type { SipCallOptions } from './SipCallTypes.ts';

export interface OutgoingCallOptions extends SipCallOptions {
  /** The dial string of PbxCommands.makeCall. */
  to: string;
}
