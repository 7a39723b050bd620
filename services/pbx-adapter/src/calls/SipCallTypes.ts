// Contract of a call (SipCall and its two directions): phases, the whitelisted transitions between them,
// dependencies, options, events and the dump.
import type { CallCause, CallDirection, CallState, GatewayInstance, HoldSide, LineConfig, Logger, MediaPath } from '@ucserver/shared';
import type { LineAddress } from '../userAgent/lineAddress.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { MediaClient } from '../media/MediaClient.ts';
import type { Clock, DialogDump, SipUri } from '../sip/mod.ts';
import type { CallEventPublisher } from './CallEventPublisher.ts';
import type { CallSnapshots } from './CallSnapshots.ts';
import type { InviteCredentials } from './InviteCredentials.ts';

/**
 * Where a call is in its SIP life. Outgoing: calling (INVITE sent) → proceeding (a provisional arrived,
 * CANCEL is allowed) → confirmed, or cancelling (CANCEL sent) → ended. Incoming: offering (asking the
 * gateway) → accepted → ringing (180 sent) → answering (200 sent, waiting for the ACK) → confirmed.
 * Both: confirmed → terminating (our BYE) → ended. Any phase may end (failure, CANCEL, BYE, timeout).
 */
export const CallPhase = {
  Calling: 'calling',
  Proceeding: 'proceeding',
  Cancelling: 'cancelling',
  Offering: 'offering',
  Accepted: 'accepted',
  Ringing: 'ringing',
  Answering: 'answering',
  Confirmed: 'confirmed',
  Ended: 'ended',
} as const;
export type CallPhase = (typeof CallPhase)[keyof typeof CallPhase];

const P = CallPhase;

/** Allowed from → to pairs (every phase but 'ended' may also end); anything else is a bug (CallStateError). */
export const CALL_TRANSITIONS: Readonly<Record<CallPhase, readonly CallPhase[]>> = {
  // proceeding/calling → calling: a new INVITE after a 401/407 challenge or a 3xx redirect.
  [P.Calling]: [P.Proceeding, P.Cancelling, P.Confirmed, P.Calling],
  [P.Proceeding]: [P.Cancelling, P.Confirmed, P.Calling],
  [P.Cancelling]: [],
  [P.Offering]: [P.Accepted],
  [P.Accepted]: [P.Ringing, P.Answering],
  [P.Ringing]: [P.Answering],
  [P.Answering]: [P.Confirmed],
  [P.Confirmed]: [],
  [P.Ended]: [],
};

export interface CallSettings {
  /** SIP_SESSION_EXPIRES_S (0 disables session timers). */
  sessionExpiresS: number;
  /** SIP_INVITE_TIMEOUT_S: an unanswered call is given up after this long. */
  inviteTimeoutS: number;
  /** SIP_NO_CLIENT_STATUS: the answer when the gateway has no client for an incoming call. */
  noClientStatus: number;
  /** How long a CANCEL may wait for the INVITE's final response (64·T1). */
  cancelTimeoutMs: number;
  /** SIP_MEDIA_MARK: our INVITEs carry X-UCS-Media (media/mediaMark.ts); on unless turned off. */
  mediaMark?: boolean;
}

export interface SipCallDeps {
  endpoint: SipEndpoint;
  media: MediaClient;
  publisher: CallEventPublisher;
  metrics: PbxAdapterMetrics;
  logger: Logger;
  settings: CallSettings;
  clock?: Clock | undefined;
  /** The crash-recovery snapshots; without them nothing survives a crash (unit tests). */
  snapshots?: CallSnapshots | undefined;
  /** Each line's last INVITE challenge, answered at once by its next INVITE; without it every INVITE is challenged. */
  inviteCredentials?: InviteCredentials | undefined;
  /** CtiCommands.renegotiate (see InDialogNegotiationOptions.renegotiateSoftphone). */
  renegotiateSoftphone?: ((callId: string) => Promise<{ video: boolean }>) | undefined;
}

export interface SipCallOptions {
  /** The bus id of the call (the gateway's for outgoing calls, ours for incoming ones). */
  callId: string;
  line: LineConfig;
  address: LineAddress;
  /** Our Contact for this line's transport. */
  contact: SipUri;
  /** The media node carrying the call; for incoming calls chosen once the offer is known. */
  mediaNodeId: string | undefined;
  remoteNumber: string;
  remoteName?: string | undefined;
}

export type SipCallEvents = {
  /** The call ended (any cause); its owner forgets it. */
  '@close': [cause: CallCause];
};

export interface SipCallDump {
  callId: string;
  lineId: string;
  direction: CallDirection;
  phase: CallPhase;
  state: CallState | undefined;
  hold: HoldSide | undefined;
  mediaNodeId: string | undefined;
  mediaPath: MediaPath | undefined;
  dialog: DialogDump | undefined;
  /** The gateway run owning the call. */
  owner: GatewayInstance | undefined;
}
