// Contract of the InDialogNegotiation: the view of its call it works through, and its options.
import type { CallCause, Logger, MediaPath } from '@ucserver/shared';
import type { MediaClient } from '../media/MediaClient.ts';
import type { Clock, Dialog, SipRequest, SipResponse, SipUri, TimerHandle } from '../sip/mod.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';

/**
 * The call a negotiation works for, as the negotiation sees it. SipCall builds this view of itself, so
 * the negotiation never calls back into a subclass: what it changes goes through these members.
 */
export interface NegotiatingCall {
  /** The bus id of the call (media commands, error context). */
  readonly id: string;
  /** We sent the initial INVITE, so we own the Call-ID: our glare retry waits longer (RFC 3261 §14.1). */
  readonly ownsCallId: boolean;
  /** Our Contact, put in the 2xx to the peer's re-INVITE and UPDATE. */
  readonly contact: SipUri;
  /** The dialog is confirmed (2xx ACKed): offers can be made and taken. */
  readonly confirmed: boolean;
  readonly ended: boolean;
  readonly dialog: Dialog | undefined;
  /** The media node carrying the call; throws CallStateError when there is none. */
  mediaNode(): string;
  /** The media path the node reported for the SDP just applied (the next publishCurrent carries it). */
  setMediaPath(path: MediaPath): void;
  /** Publishes connected/held when the hold side or the media path changed since the last event. */
  publishCurrent(): void;
  /** Sends BYE (when there is a dialog to end) and ends the call. */
  hangup(cause: CallCause, sip?: { status?: number; reason?: string }): void;
  /** Sends a non-INVITE request in the dialog; a 408/481 or a timeout ends the call (RFC 3261 §12.2.1.2). */
  request(request: SipRequest): Promise<SipResponse>;
  /** ACKs the 2xx of our INVITE `invite` in `dialog`, and re-sends that ACK if the 2xx comes again. */
  sendAck(dialog: Dialog, invite: SipRequest): void;
  /** A timer cleared when the call ends (its callback never runs after that). */
  timer(ms: number, fn: () => void): TimerHandle;
}

export interface InDialogNegotiationOptions {
  call: NegotiatingCall;
  endpoint: Pick<SipEndpoint, 'send' | 'respond' | 'reply' | 'capabilityHeaders'>;
  media: Pick<MediaClient, 'pbxOffer' | 'pbxHoldOffer' | 'pbxApplyAnswer' | 'pbxVideoOffer'>;
  /**
   * CtiCommands.renegotiate: the gateway re-offers to the call's softphone after a peer offer changed
   * whether the call carries video; resolves with whether the softphone carries video now. Without it
   * (unit tests) the softphone is not re-offered.
   */
  renegotiateSoftphone?: ((callId: string) => Promise<{ video: boolean }>) | undefined;
  /** The call's logger (it carries callId and lineId). */
  logger: Logger;
  /** SIP_SESSION_EXPIRES_S: our interval for the peer's refreshes (0 disables session timers). */
  sessionExpiresS: number;
  /** Drives the session timer. Default the system clock. */
  clock?: Clock | undefined;
}
