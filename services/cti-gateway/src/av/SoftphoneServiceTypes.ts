// Contract of the SoftphoneService and its parts (AvOperations, AvCallEvents, IncomingCallVerdict, CallForwarding,
// SoftphoneDeviceControl): what they need from the rest of the gateway.
import type { CtiCommands, CtiGatewayConfig, Logger } from '@ucserver/shared';
import type { z } from 'zod';
import type { SoftphoneRenegotiation } from './SoftphoneRenegotiation.ts';
import type { MediaClient } from '../bus/MediaClient.ts';
import type { PbxClient } from '../bus/PbxClient.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { CallForwarding } from './CallForwarding.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { SoftphoneCalls } from './SoftphoneCalls.ts';

/** Picks the media node for a new call and tells when a node is gone (MediaPlacement in production). */
export interface MediaNodePicker {
  pick(options?: { preferAddress?: string }): string;
  /** A request to the node found nobody listening: no new call goes there until it heartbeats again. */
  unreachable(nodeId: string): void;
  on(event: 'nodedown', listener: (nodeId: string, reason: 'expired' | 'restarted') => void): unknown;
  off(event: 'nodedown', listener: (nodeId: string, reason: 'expired' | 'restarted') => void): unknown;
}

export interface SoftphoneServiceDeps {
  media: MediaClient;
  pbx: PbxClient;
  lines: LineStore;
  /** The gateway's live call table (fed by the pbx-adapter's call events). */
  calls: CallRegistry;
  sessions: SessionRegistry;
  placement: MediaNodePicker;
  config: Pick<CtiGatewayConfig, 'ICE_SERVERS' | 'NO_CLIENT_POLICY' | 'FORWARD_MAX_HOPS' | 'FORWARD_NO_ANSWER_DEFAULT_S'>;
  /** DND and forwards of the lines (set through CTI). */
  routing: Pick<LineRouting, 'get'>;
  logger: Logger;
}

/** What every part shares: the softphone calls, and a logger already bound to the softphone component. */
export interface SoftphonePartDeps {
  softphoneCalls: SoftphoneCalls;
  logger: Logger;
}

/** The CTI make-call requests handed to softphones (SoftphoneDeviceControl), as the AV side claims them. */
export interface RemoteCallRequests {
  /** The CTI call id for a softphone's asnAVMakeCallV2 that answers a request for this line and target; once. */
  claim(lineId: string, target: string): string | undefined;
}

export interface AvOperationsDeps extends SoftphonePartDeps {
  media: MediaClient;
  pbx: PbxClient;
  lines: LineStore;
  placement: MediaNodePicker;
  config: Pick<SoftphoneServiceDeps['config'], 'ICE_SERVERS'>;
  /** CTI make-call requests a remote-controlled asnAVMakeCallV2 answers. */
  remote: RemoteCallRequests;
  /** A rejected ringing call goes to the line's busy forward; an answered one forgets its forwards. */
  forwarding: Pick<CallForwarding, 'takeBusyTarget' | 'forget'>;
  /** The calls as the pbx-adapter reports them: a call already held on our side needs no second hold. */
  calls: Pick<CallRegistry, 'get'>;
  /** Our own re-offers to softphones: the softphone's answers to them arrive with the AV messages. */
  renegotiation: Pick<SoftphoneRenegotiation, 'replied'>;
}

export interface AvCallEventsDeps extends SoftphonePartDeps {
  media: MediaClient;
  pbx: PbxClient;
  calls: CallRegistry;
  sessions: SessionRegistry;
  placement: MediaNodePicker;
}

type IncomingCall = (typeof CtiCommands)['incomingCall'];
export type IncomingCallRequest = z.output<IncomingCall['request']>;
export type IncomingCallReply = z.input<IncomingCall['reply']>;
/** The softphone side's verdict; the bus adapter adds the owning gateway run to an acceptance. */
export type IncomingCallDecision = { accept: true } | Extract<IncomingCallReply, { accept: false }>;

export interface IncomingCallVerdictDeps extends SoftphonePartDeps {
  media: MediaClient;
  lines: LineStore;
  sessions: SessionRegistry;
  config: Pick<SoftphoneServiceDeps['config'], 'NO_CLIENT_POLICY' | 'FORWARD_MAX_HOPS' | 'FORWARD_NO_ANSWER_DEFAULT_S'>;
  routing: Pick<LineRouting, 'get'>;
  forwarding: Pick<CallForwarding, 'track'>;
}

export interface CallPickupDeps extends SoftphonePartDeps {
  media: Pick<MediaClient, 'softphoneCreateOffer'>;
  pbx: Pick<PbxClient, 'pickup' | 'drop'>;
  sessions: Pick<SessionRegistry, 'softphoneOf'>;
  /** The ringing line's no-answer and busy forwards no longer apply. */
  forwarding: Pick<CallForwarding, 'forget'>;
}

export interface AvTransferDeps extends SoftphonePartDeps {
  pbx: Pick<PbxClient, 'redirect'>;
  /** The calls as the pbx-adapter reports them: state, line and far end. */
  calls: Pick<CallRegistry, 'get'>;
}

export interface SoftphoneReattachDeps extends SoftphonePartDeps {
  pbx: Pick<PbxClient, 'reattach'>;
  /** The user's lines: only a call on one of them may be re-attached. */
  lines: Pick<LineStore, 'ownedBy'>;
  /** Every call as the pbx-adapter reports it (line, far end, media node, state): what the call is rebuilt from. */
  calls: Pick<CallRegistry, 'get'>;
}
