import type { CallPeer } from './CallPeer.ts';

/** What the page shows for a call: the CTI states plus `calling` (offer being prepared) and `failed`. */
export type CallState = 'calling' | 'dialing' | 'ringback' | 'offering' | 'connected' | 'held' | 'disconnected' | 'destroyed' | 'failed';

export type ConnectionState = 'logged-out' | 'connecting' | 'connected' | 'reconnecting';

/** The softphone (AV signalling) side of a call; its media is `peer`. */
export interface AvLeg {
  /** AV call id (`u8sCallID`); empty until the make-call result. */
  callId: string;
  ownEndpoint: string;
  remoteEndpoint: string;
  ownUri: string;
  remoteUri: string;
  /** Incoming call: the server's SDP offer. */
  offer?: string;
  /** The RTCPeerConnection to the media node with the call's audio, from dialling or answering on. */
  peer?: CallPeer;
  remoteControl: boolean;
  alerted: boolean;
  answered: boolean;
  ended: boolean;
  dropCause?: string;
  dropReason?: number;
}

export interface PhoneCall {
  /** Stable local key (the CTI connection id once known). */
  key: string;
  /** CTI connection id (`u8sConnectionID`), also the journal key. */
  id: string | undefined;
  /** Line URI, e.g. `tel:100`. */
  line: string;
  direction: 'inbound' | 'outbound';
  remote: string;
  remoteName?: string;
  state: CallState;
  /** Every state the call went through, in order (no repeats). */
  history: CallState[];
  /** DisconnectCause from the server (busy, rejected, cancelled, unavailable, normal …) or the AV drop cause. */
  cause?: string;
  disconnectedReason?: number;
  /** Pickup: the line that took this call from us (PickedUpBy), or the line we took it from (PickedUpFrom). */
  pickedUpBy?: string;
  pickedUpFrom?: string;
  mediaPath?: string;
  /** local | remote | both, while held. */
  holdSide?: string;
  /** The conference id while the call is mixed in its user's three-party conference. */
  conference?: string | undefined;
  /** EnumCallFeatures bits the server allows now. */
  features: number;
  /** The call ended busy or unanswered and may be completed (eCFEATURECOMPLETECALL on its end). */
  completable?: boolean;
  /**
   * asnCtiCompleteCall: 'requested' while the server waits for the line to be free; 'placed' once the callback
   * call exists (its CallbackFor names this call); 'cancelled' after asnCtiDropCall.
   */
  callback?: 'requested' | 'placed' | 'cancelled';
  /** This call is the server's callback of an earlier busy or unanswered call (iCallType CALLBACK). */
  isCallback?: boolean;
  createdAt: number;
  connectedAt?: number;
  endedAt?: number;
  /** A local failure (microphone, make-call refused …). */
  error?: string;
  av?: AvLeg;
}

export interface PhoneLine {
  /** `tel:100`. */
  uri: string;
  number: string;
  name: string;
  openStatus: number;
  /** The pbx-adapter's registration status (registered, registering, failed, unregistered, disabled). */
  registration: string;
  monitorId?: string;
}

/** The serialisable view of a call for the test hook. */
export interface CallSnapshot {
  key: string;
  id: string | undefined;
  line: string;
  direction: 'inbound' | 'outbound';
  remote: string;
  state: CallState;
  history: CallState[];
  cause: string | undefined;
  disconnectedReason: number | undefined;
  mediaPath: string | undefined;
  holdSide: string | undefined;
  completable: boolean;
  callback: 'requested' | 'placed' | 'cancelled' | undefined;
  isCallback: boolean;
  error: string | undefined;
  avCallId: string | undefined;
  avDropCause: string | undefined;
  avDropReason: number | undefined;
  iceState: string | undefined;
  connectionState: string | undefined;
  hasRemoteAudio: boolean;
}
export type { RtpStats } from './CallPeerTypes.ts';
