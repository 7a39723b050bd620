// Pure translations between ucserver's call/line model and ENetUC's CTI structures. No I/O.
import type { CallCause, CallState, LineRegistrationState } from '@ucserver/shared';
import {
  AsnContactPhoneLineType,
  AsnCtiCallInfoChangedReason,
  AsnCtiLineOpenStatus,
  EAsnCallType,
  EnumCallDisconnectedReason,
  EnumCallFeatures,
  EnumCallState,
  EnumLineFeatures,
  type AsnCtiCallInformation,
  type AsnCtiLineInfo,
  type AsnProjectPinRule,
} from '../protocol/mod.ts';
import { asnTimeFromDate } from '../codec/mod.ts';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import { SERVER_FORWARD_FEATURES } from './forwardMapping.ts';

const F = EnumCallFeatures;

/** Our line identifier on the wire: `tel:<number>`; clients may also address a line by its bare number. */
export function linePhoneNumber(number: string): string {
  return `tel:${number}`;
}

/** The line number a client names (`tel:100`, `sip:100@host`, `100`), or undefined when unparseable. */
export function lineNumberFrom(descriptor: string): string | undefined {
  const d = descriptor.trim();
  if (/^tel:/i.test(d)) return d.slice(4) || undefined;
  const sip = /^sips?:([^@;>]+)@/i.exec(d);
  if (sip) return decodeURIComponent(sip[1]!);
  return /^[A-Za-z0-9+*#._-]{1,64}$/.test(d) ? d : undefined;
}

/** A dialled target as the PBX should see it: a user part or a number, no scheme. */
export function dialTarget(uri: string): string | undefined {
  const n = lineNumberFrom(uri);
  return n && /^[A-Za-z0-9+*#._-]{1,64}$/.test(n) ? n : undefined;
}

const stateMap: Record<CallState, number> = {
  offering: EnumCallState.eCALLSTATEOFFERING,
  dialing: EnumCallState.eCALLSTATEDIALING,
  ringback: EnumCallState.eCALLSTATERINGBACK,
  connected: EnumCallState.eCALLSTATECONNECTED,
  held: EnumCallState.eCALLSTATEHOLD,
  disconnected: EnumCallState.eCALLSTATEDISCONNECTED,
};

const reasonMap: Record<CallState, number> = {
  offering: AsnCtiCallInfoChangedReason.reasonCallOffering,
  dialing: AsnCtiCallInfoChangedReason.reasonCallDialing,
  ringback: AsnCtiCallInfoChangedReason.reasonCallRingback,
  connected: AsnCtiCallInfoChangedReason.reasonCallConnected,
  held: AsnCtiCallInfoChangedReason.reasonCallHold,
  disconnected: AsnCtiCallInfoChangedReason.reasonCallDisconnect,
};

/** Features a client may use in each state (EnumCallFeatures bits). */
function featuresFor(state: CallState | 'destroyed'): number {
  switch (state) {
    case 'offering':
      return F.eCFEATUREANSWER | F.eCFEATUREHANGUP | F.eCFEATUREREDIRECT;
    case 'dialing':
    case 'ringback':
      return F.eCFEATUREHANGUP;
    case 'connected':
      return F.eCFEATUREHANGUP | F.eCFEATUREHOLD | F.eCFEATUREDIALDIGITS | F.eCFEATUREBLINDTRANSFER;
    case 'held':
      return F.eCFEATUREHANGUP | F.eCFEATUREUNHOLD;
    case 'disconnected':
      return F.eCFEATUREHANGUP;
    case 'destroyed':
      return F.eCFEATURENONE;
  }
}

/**
 * Features a call has because of the line's other call (ENetUC_CTI: "both calls must have set this feature"):
 * one talking and one held here (not by the far end) may be swapped (asnCtiSwapHold), merged — the attended
 * transfer, asnCtiMergeCalls — or joined in a conference (asnCtiConference, European model). Calls mixed in a
 * conference already have none of these.
 */
export function pairFeatures(call: ActiveCall, lineCalls: readonly ActiveCall[]): number {
  const talking = (c: ActiveCall): boolean => c.state === 'connected';
  const heldHere = (c: ActiveCall): boolean => c.state === 'held' && c.hold !== 'remote';
  if (call.conferenceId || !(talking(call) || heldHere(call))) return 0;
  const partner = lineCalls.find((c) => c.callId !== call.callId && c.lineId === call.lineId && !c.conferenceId && (talking(call) ? heldHere(c) : talking(c)));
  return partner ? F.eCFEATURESWAPHOLD | F.eCFEATUREMERGECALLS | F.eCFEATURECONFERENCESTARTEU : 0;
}

export function disconnectedReason(cause: CallCause | undefined): number {
  switch (cause) {
    case 'busy':
      return EnumCallDisconnectedReason.eDISCONNECTEDREASONBUSY;
    case 'no-answer':
    case 'cancelled':
    case 'timeout':
    case 'unavailable':
    case 'not-found':
    case 'rejected':
      return EnumCallDisconnectedReason.eDISCONNECTEDREASONUNCONNECTED;
    case 'redirected':
    case 'picked-up': // taken on another line: ENetUC has no reason of its own for it
      return EnumCallDisconnectedReason.eDISCONNECTEDREASONREDIRECTEDUNKNOWN;
    default:
      return EnumCallDisconnectedReason.eDISCONNECTEDREASONUNKNOWN;
  }
}

export const emptyProjectPinRule: AsnProjectPinRule = {
  u8sProjectName: '',
  u8sProjectPin: '',
  iProjectType: 0,
  bAssociatedCallIsPrivateCall: false,
  u8sLocationID: '',
  u8sUserEnteredPin: '',
  u8sUserEnteredUserID: '',
};

function time(ms: number | undefined): string {
  return ms === undefined ? '' : asnTimeFromDate(new Date(ms));
}

/**
 * The CTI view of a call. `destroyed` renders the final event (state 1, reason 12) after
 * `disconnected` (state 256, reason 11): clients first see who hung up, then the line is idle again.
 * `lineCalls`: the live calls of its line, for the features a pair of calls has (pairFeatures).
 */
export function callInformation(call: ActiveCall, phase: 'current' | 'destroyed' = 'current', lineCalls: readonly ActiveCall[] = []): AsnCtiCallInformation {
  const destroyed = phase === 'destroyed';
  const state: CallState | 'destroyed' = destroyed ? 'destroyed' : call.state;
  return {
    u8sLinePhoneNumber: linePhoneNumber(call.lineNumber),
    u8sConnectionID: call.callId,
    iCallState: destroyed ? EnumCallState.eCALLSTATEDESTROYED : stateMap[call.state],
    // The line's user controls the conference both of its calls are mixed in; a callback completes a call.
    iCallType: call.conferenceId ? EAsnCallType.eCALLTYPECONFERENCECONTROLER : call.callbackFor ? EAsnCallType.eCALLTYPECALLBACK : EAsnCallType.eCALLTYPENORMAL,
    iDisconnectedReason: call.state === 'disconnected' ? disconnectedReason(call.cause) : EnumCallDisconnectedReason.eDISCONNECTEDREASONUNKNOWN,
    // A ringing incoming call may be picked up to another of our lines (asnCtiPickupCall, pickup groups).
    // An outbound call that ended busy or unanswered may be completed (callback, asnCtiCompleteCall).
    iFeatures: featuresFor(state) | (state === 'offering' && call.direction === 'inbound' ? F.eCFEATUREMAYBEPICKUPED : 0)
      | (state === 'disconnected' && call.completion ? F.eCFEATURECOMPLETECALL : 0)
      | (destroyed ? 0 : pairFeatures(call, lineCalls)),
    bOutbound: call.direction === 'outbound',
    bInternal: true,
    bCallerIDBlocked: false,
    iCallRecordingState: 0,
    bConferenceCtlr: call.conferenceId !== undefined,
    u8sConferenceCtlrID: call.conferenceId ?? '',
    u8sLocalNumberSC: call.lineNumber,
    u8sRemoteNumberSC: call.remoteNumber,
    iRemoteContactSource: 0,
    projectPinRule: emptyProjectPinRule,
    u8sNote: '',
    u8sTrackerID: call.callId,
    utcCallCreated: time(call.createdAt),
    utcCallConnected: time(call.connectedAt),
    utcCallDisconnected: time(call.disconnectedAt),
    bIsUnknownHoldContact: false,
    ...(call.remoteName ? { pRemoteContact: { u8sDisplayName: call.remoteName } } : {}),
    optionalParams: {
      ...(call.mediaPath ? { MediaPath: call.mediaPath } : {}),
      ...(call.mediaNodeId ? { MediaNode: call.mediaNodeId } : {}),
      ...(call.hold ? { HoldSide: call.hold } : {}),
      ...(call.conferenceId ? { Conference: call.conferenceId } : {}),
      ...(call.cause ? { DisconnectCause: call.cause } : {}),
      ...(call.pickedUpFrom ? { PickedUpFrom: call.pickedUpFrom } : {}),
      ...(call.pickedUpBy ? { PickedUpBy: call.pickedUpBy } : {}),
      ...(call.callbackFor ? { CallbackFor: call.callbackFor } : {}),
    },
  };
}

/**
 * The change reason of an event that moved a call into its current state. A talking call whose far end is
 * another party now (the line followed a transfer, or an attended transfer replaced its dialog) reports
 * reasonRemotePartyChanged, as ENetUC_CTI names it, whatever its state (the state is in the call
 * information); a call that ends is disconnected (11), then destroyed (12), also when a colleague picked it
 * up (the cause says so).
 */
export function changeReason(call: ActiveCall, previous: CallState | undefined, phase: 'current' | 'destroyed' = 'current', remoteChanged = false): number {
  if (phase === 'destroyed') return AsnCtiCallInfoChangedReason.reasonCallDestroyed;
  if (remoteChanged && (call.state === 'connected' || call.state === 'held')) return AsnCtiCallInfoChangedReason.reasonRemotePartyChanged;
  // A retrieve has no reason of its own: it is reported as "connected" again.
  if (call.state === 'connected' && previous === 'held') return AsnCtiCallInfoChangedReason.reasonCallConnected;
  return reasonMap[call.state];
}

function lineOpenStatus(enabled: boolean, registration: LineRegistrationState | undefined): number {
  if (!enabled) return AsnCtiLineOpenStatus.lineStatusClosed;
  switch (registration?.status) {
    case 'registered':
      return AsnCtiLineOpenStatus.lineStatusOpen;
    case 'failed':
      return AsnCtiLineOpenStatus.lineStatusOpenPBXLoginFailed;
    case 'disabled':
      return AsnCtiLineOpenStatus.lineStatusClosed;
    default:
      return AsnCtiLineOpenStatus.lineStatusOpenNoPBXConnection;
  }
}

export interface LineFacts {
  number: string;
  displayName: string;
  enabled: boolean;
}

export function lineInfo(line: LineFacts, registration: LineRegistrationState | undefined): AsnCtiLineInfo {
  return {
    iType: AsnContactPhoneLineType.iPHONENUMBERTYPEPRIMARY,
    iLineOpenStatus: lineOpenStatus(line.enabled, registration),
    u8sLinePhoneNumber: linePhoneNumber(line.number),
    u8sDescriptor: line.displayName || line.number,
    u8sPhoneNumber: line.number,
    u8sLineLocationID: '',
    iLineFeatures: EnumLineFeatures.eCTILINEFEATUREMAKECALL,
    iForwardFeaturesPBX: 0,
    iForwardFeaturesSERVER: SERVER_FORWARD_FEATURES,
    iForwardFeaturesUSER: SERVER_FORWARD_FEATURES,
    optionalParams: {
      RegistrationState: registration?.status ?? 'unregistered',
      ...(registration?.sipStatus ? { RegistrationSipStatus: registration.sipStatus } : {}),
    },
  };
}
