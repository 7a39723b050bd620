/**
 * WebRTC softphone signalling: `ENetUC_AV.asn1` (UC-Server-Access-Protocol-AV).
 *
 * A call is `u8sCallID`; each participating client endpoint has an endpoint id. Messages carry
 * `endpointIDTo` (receiver) and `endpointIDFrom` / `connectedEndPointID` (sender). The values of
 * `callType`, `messageType`, `callState` and most drop causes live in non-public headers (§6 point 8).
 */
import { z } from 'zod';
import {
  asnBool,
  asnChoice,
  asnInt,
  asnOptional,
  asnOptionalParams,
  asnSequence,
  asnString,
  asnStringList,
} from '../codec/estosJson.ts';
import { AsnCtiNewCallParams, AsnNetDatabaseContact } from './common.ts';
import { defineEvent, defineInvoke } from './operation.ts';

// ---------------------------------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------------------------------

/** `callType` (linked from asnAVNewCallV2; assumed the same for make/connect). */
export const AsnAVMediaType = {
  eMEDIATYPEAUDIOVIDEO: 0,
  eMEDIATYPEAUDIO: 1,
  eMEDIATYPEDESKTOPSHARING: 2,
  /** (sic) */
  eMEDIATYPEDESTKOPREQUESTSHARING: 3,
  /** SIP softphone / PBX call. */
  eMEDIATYPESIP: 65535,
} as const;
export type AsnAVMediaType = (typeof AsnAVMediaType)[keyof typeof AsnAVMediaType];

/**
 * Published `iAvDropReason` values (the rest of `EAVCause.h` is not public): hang up or cancel with 0,
 * reject an incoming call with 1 or 16, abandon an outgoing call before answer with 2 (or 0).
 */
export const AsnAVDropReason = {
  NORMAL_CALL_CLEARING: 0,
  BUSY: 1,
  CANCEL: 2,
  REJECT: 16,
} as const;
export type AsnAVDropReason = (typeof AsnAVDropReason)[keyof typeof AsnAVDropReason];

/** Published `messageType` values of asnAVCallMessageV2 (`EAV_MESSTYPE_…`; 0, 1, 4, 12 unknown). */
export const AsnAVMessageType = {
  ICE_CANDIDATE_SDP: 2,
  CAM_CONTROL: 3,
  ICE_CANDIDATE_END: 5,
  RENEGOTIATE_OFFER: 6,
  RENEGOTIATE_ANSWER: 7,
  RENEGOTIATE_DECLINE: 8,
  REINVITE_OFFER: 9,
  REINVITE_ANSWER: 10,
  PRANSWER: 11,
  REMOTE_ACCEPT: 13,
  REMOTE_HOLD: 14,
  REMOTE_RETRIEVE: 15,
  REMOTE_HOLD_ACK: 16,
  REMOTE_TRANSFER_REQ: 17,
  REMOTE_3PTY_REQ: 18,
  REMOTE_3PTY_IND: 19,
  REMOTE_BTRANS_REQ: 20,
  REMOTE_MIC_MUTE_IND: 21,
  REMOTE_REM_PARTY_CHANGED: 22,
} as const;
export type AsnAVMessageType = (typeof AsnAVMessageType)[keyof typeof AsnAVMessageType];

/** `iErrorDetail` of asnAVMakeCallV2. */
export const AsnAVMakeCallErrorEnum = {
  general: 100,
} as const;
export type AsnAVMakeCallErrorEnum = (typeof AsnAVMakeCallErrorEnum)[keyof typeof AsnAVMakeCallErrorEnum];

/** Codec numbers (media endpoint configuration). */
export const EnumCodecType = {
  ePCMU: 0,
  ePCMA: 8,
  eG722: 9,
  eG729: 18,
  eOPUS: 96,
  'eTELEPHONE-EVENT': 101,
  'eG726-16': 110,
  'eG726-24': 111,
  'eG726-32': 112,
  'eG726-40': 113,
  eVP8: 200,
  eH264: 264,
} as const;
export type EnumCodecType = (typeof EnumCodecType)[keyof typeof EnumCodecType];

/** Tokens seen in `u8sCaps` (the separator is not published). */
export const AsnAVCapability = {
  HOLD: 'HOLD',
  EBTRANS: 'EBTRANS',
  BTRANS: 'BTRANS',
  CTRANS: 'CTRANS',
  CANNOT_REJECT: 'CANNOT_REJECT',
} as const;
export type AsnAVCapability = (typeof AsnAVCapability)[keyof typeof AsnAVCapability];

// ---------------------------------------------------------------------------------------------------
// Structures
// ---------------------------------------------------------------------------------------------------

/** A call plus one endpoint of it. */
export const AsnAVCallAndConnectionID = asnSequence('AsnAVCallAndConnectionID', {
  u8sCallID: asnString,
  u8sEndpointID: asnString,
});
export type AsnAVCallAndConnectionID = z.infer<typeof AsnAVCallAndConnectionID>;

/** CHOICE `u8sCallID` (all endpoints of the call) | `connectionID` (one endpoint). */
export const AsnAVCallOrConnection = asnChoice('AsnAVCallOrConnection', {
  u8sCallID: asnString,
  connectionID: AsnAVCallAndConnectionID,
});
export type AsnAVCallOrConnection = z.infer<typeof AsnAVCallOrConnection>;

/** `endPointState` values are unpublished; the list is currently always empty. */
export const AsnAVCallParty = asnSequence('AsnAVCallParty', {
  endpointID: asnString,
  endPointState: asnInt,
});
export type AsnAVCallParty = z.infer<typeof AsnAVCallParty>;

export const AsnAVCallPartyList = z.array(AsnAVCallParty);
export type AsnAVCallPartyList = z.infer<typeof AsnAVCallPartyList>;

/** One trickle-ICE candidate (browser `RTCIceCandidate` fields). */
export const AsnAVCallMessageICEV2 = asnSequence('AsnAVCallMessageICEV2', {
  candidate: asnString,
  sdpMid: asnString,
  sdpMLineIndex: asnInt,
});
export type AsnAVCallMessageICEV2 = z.infer<typeof AsnAVCallMessageICEV2>;

/** Browser-compatible `RTCIceServer`. */
export const AsnIceServer = asnSequence('AsnIceServer', {
  username: asnOptional(asnString),
  credential: asnOptional(asnString),
  urls: asnStringList,
});
export type AsnIceServer = z.infer<typeof AsnIceServer>;

export const AsnIceServerList = z.array(AsnIceServer);
export type AsnIceServerList = z.infer<typeof AsnIceServerList>;

// ---------------------------------------------------------------------------------------------------
// asnAVMakeCallV2 (1505), asnAVGetIceServers (1558)
// ---------------------------------------------------------------------------------------------------

export const AsnAVMakeCallV2Argument = asnSequence('AsnAVMakeCallV2Argument', {
  /** `AsnAVMediaType` (65535 for a SIP softphone call, §6). */
  callType: asnInt,
  /** The caller's own SIP identity. */
  u8sUriFrom: asnString,
  u8sUriTo: asnString,
  /** `application/sdp`. */
  u8sContentType: asnString,
  /** SDP offer. */
  u8sBody: asnString,
  newCallParams: asnOptional(AsnCtiNewCallParams),
  u8sAssociatedTextChatConversationID: asnOptional(asnString),
  /** Capability tokens, e.g. `HOLD`. */
  u8sCaps: asnOptional(asnString),
  bIsPublicCall: asnOptional(asnBool),
  bIsRemoteControlCallOut: asnOptional(asnBool),
  bIsRemoteControlCallIn: asnOptional(asnBool),
});
export type AsnAVMakeCallV2Argument = z.infer<typeof AsnAVMakeCallV2Argument>;

export const AsnAVMakeCallResult = asnSequence('AsnAVMakeCallResult', {
  /** The AV call id and the caller's endpoint id. */
  callAndConnectionID: AsnAVCallAndConnectionID,
  /** Connection id of the matching call in the CTI line/call model (differs from the AV ids). */
  u8sCTIConnectionID: asnString,
});
export type AsnAVMakeCallResult = z.infer<typeof AsnAVMakeCallResult>;

/** Errors: `AsnAVMakeCallErrorEnum`. */
export const asnAVMakeCallV2 = defineInvoke({
  id: 1505,
  name: 'asnAVMakeCallV2',
  module: 'AV',
  argument: AsnAVMakeCallV2Argument,
  result: AsnAVMakeCallResult,
});

export const AsnAVGetIceServersArgument = asnSequence('AsnAVGetIceServersArgument', {});
export type AsnAVGetIceServersArgument = z.infer<typeof AsnAVGetIceServersArgument>;

export const AsnAVGetIceServersResult = asnSequence('AsnAVGetIceServersResult', {
  iceServers: AsnIceServerList,
});
export type AsnAVGetIceServersResult = z.infer<typeof AsnAVGetIceServersResult>;

export const asnAVGetIceServers = defineInvoke({
  id: 1558,
  name: 'asnAVGetIceServers',
  module: 'AV',
  argument: AsnAVGetIceServersArgument,
  result: AsnAVGetIceServersResult,
});

// ---------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------

export const AsnAVDropCallArgument = asnSequence('AsnAVDropCallArgument', {
  dropTarget: AsnAVCallOrConnection,
  /** Readable cause, for traces. */
  u8sCause: asnString,
  /** `AsnAVDropReason`. */
  iAvDropReason: asnInt,
});
export type AsnAVDropCallArgument = z.infer<typeof AsnAVDropCallArgument>;

/** Hang up / reject / cancel; forwarded to the other side. */
export const asnAVDropCall = defineEvent({
  id: 1501,
  name: 'asnAVDropCall',
  module: 'AV',
  direction: 'both',
  argument: AsnAVDropCallArgument,
});

/** `optionalParams` keys `u8sRedirectingNumberSC` string, `redirectingContact` binary (BER contact). */
export const AsnAVCallStateChangedArgument = asnSequence('AsnAVCallStateChangedArgument', {
  u8sCallID: asnString,
  endpointIDTo: asnString,
  endpointIDFrom: asnString,
  callState: asnInt,
  u8sUriFrom: asnString,
  u8sUriTo: asnString,
  parties: AsnAVCallPartyList,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnAVCallStateChangedArgument = z.infer<typeof AsnAVCallStateChangedArgument>;

export const asnAVCallStateChanged = defineEvent({
  id: 1551,
  name: 'asnAVCallStateChanged',
  module: 'AV',
  direction: 'both',
  argument: AsnAVCallStateChangedArgument,
});

/** Incoming call at the callee, with the SDP offer. */
export const AsnAVNewCallV2Argument = asnSequence('AsnAVNewCallV2Argument', {
  /** Ids for the called endpoint. */
  callAndConnectionID: AsnAVCallAndConnectionID,
  u8sCTIConnectionID: asnString,
  /** `AsnAVMediaType`. */
  callType: asnInt,
  u8sUriFrom: asnString,
  endpointIDFrom: asnString,
  u8sUriTo: asnString,
  u8sContentType: asnString,
  u8sBody: asnString,
  newCallParams: asnOptional(AsnCtiNewCallParams),
  u8sAssociatedTextChatConversationID: asnOptional(asnString),
  u8sCaps: asnOptional(asnString),
  u8sCTITrackerID: asnOptional(asnString),
  asnLocalContact: asnOptional(AsnNetDatabaseContact),
  u8sHoldContactNumberSC: asnOptional(asnString),
  asnHoldContact: asnOptional(AsnNetDatabaseContact),
  u8sRedirectingNumberSC: asnOptional(asnString),
  asnRedirectingContact: asnOptional(AsnNetDatabaseContact),
  bIsRemoteControlCallOut: asnOptional(asnBool),
  bIsRemoteControlCallIn: asnOptional(asnBool),
});
export type AsnAVNewCallV2Argument = z.infer<typeof AsnAVNewCallV2Argument>;

export const asnAVNewCallV2 = defineEvent({
  id: 1572,
  name: 'asnAVNewCallV2',
  module: 'AV',
  direction: 'server-to-client',
  argument: AsnAVNewCallV2Argument,
});

/** End-to-end message (ICE candidates, renegotiation, camera control, …); also used by hold/retrieve V2. */
export const AsnAVCallMessageV2Argument = asnSequence('AsnAVCallMessageV2Argument', {
  u8sCallID: asnString,
  endpointIDTo: asnString,
  endpointIDFrom: asnString,
  /** `AsnAVMessageType`. */
  messageType: asnInt,
  u8sUriTo: asnString,
  u8sContentType: asnOptional(asnString),
  u8sBody: asnOptional(asnString),
  iceCandidate: asnOptional(AsnAVCallMessageICEV2),
  u8sConnectedNumberSC: asnOptional(asnString),
  asnConnectedContact: asnOptional(AsnNetDatabaseContact),
  u8sRedirectingNumberSC: asnOptional(asnString),
  asnRedirectingContact: asnOptional(AsnNetDatabaseContact),
});
export type AsnAVCallMessageV2Argument = z.infer<typeof AsnAVCallMessageV2Argument>;

export const asnAVCallMessageV2 = defineEvent({
  id: 1573,
  name: 'asnAVCallMessageV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVCallMessageV2Argument,
});

/** Call accepted, with the SDP answer; other forks are dropped. */
export const AsnAVConnectV2Argument = asnSequence('AsnAVConnectV2Argument', {
  u8sCallID: asnString,
  endpointIDTo: asnString,
  /** The sender. */
  connectedEndPointID: asnString,
  callType: asnInt,
  u8sUriTo: asnString,
  u8sContentType: asnString,
  u8sBody: asnString,
  u8sCaps: asnOptional(asnString),
});
export type AsnAVConnectV2Argument = z.infer<typeof AsnAVConnectV2Argument>;

export const asnAVConnectV2 = defineEvent({
  id: 1574,
  name: 'asnAVConnectV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVConnectV2Argument,
});

/** Remote is ringing; `u8sContentType`/`u8sBody` are `""` today (an SDP answer would enable early media). */
export const AsnAVAlertV2Argument = asnSequence('AsnAVAlertV2Argument', {
  u8sCallID: asnString,
  endpointIDTo: asnString,
  endpointIDFrom: asnString,
  u8sUriTo: asnString,
  u8sContentType: asnString,
  u8sBody: asnString,
  u8sCaps: asnOptional(asnString),
});
export type AsnAVAlertV2Argument = z.infer<typeof AsnAVAlertV2Argument>;

export const asnAVAlertV2 = defineEvent({
  id: 1575,
  name: 'asnAVAlertV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVAlertV2Argument,
});

/** Hold request. */
export const asnAVCallHoldV2 = defineEvent({
  id: 1576,
  name: 'asnAVCallHoldV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVCallMessageV2Argument,
});

/** Hold acknowledgement. */
export const asnAVCallHoldAckV2 = defineEvent({
  id: 1577,
  name: 'asnAVCallHoldAckV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVCallMessageV2Argument,
});

/** Retrieve request. */
export const asnAVCallRetrieveV2 = defineEvent({
  id: 1578,
  name: 'asnAVCallRetrieveV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVCallMessageV2Argument,
});

/** Retrieve acknowledgement. */
export const asnAVCallRetrieveAckV2 = defineEvent({
  id: 1579,
  name: 'asnAVCallRetrieveAckV2',
  module: 'AV',
  direction: 'both',
  argument: AsnAVCallMessageV2Argument,
});

// ---------------------------------------------------------------------------------------------------
// Transfer (asnAVTransferGetID / asnAVTransferStart and their results; all events)
// ---------------------------------------------------------------------------------------------------

/**
 * One argument for the four transfer messages. `iTransferResult` is a SIP status in the results ('202'
 * accepted, '200' OK, or the failure's status); `u8sTransferTargetID` names the consultation call (the
 * GetID result gives it, a Start with it is an attended transfer).
 */
export const AsnAVTransferArgument = asnSequence('AsnAVTransferArgument', {
  u8sCallID: asnString,
  endpointIDTo: asnString,
  endpointIDFrom: asnString,
  iTransferResult: asnInt,
  u8sUriTransferTo: asnString,
  u8sUriTransferFrom: asnString,
  u8sTransferTargetID: asnOptional(asnString),
});
export type AsnAVTransferArgument = z.infer<typeof AsnAVTransferArgument>;

/** Asks for the id of a (consultation) call, to name it in a transfer of another call. */
export const asnAVTransferGetID = defineEvent({ id: 1568, name: 'asnAVTransferGetID', module: 'AV', direction: 'client-to-server', argument: AsnAVTransferArgument });
export const asnAVTransferGetIDResult = defineEvent({ id: 1569, name: 'asnAVTransferGetIDResult', module: 'AV', direction: 'server-to-client', argument: AsnAVTransferArgument });
/** Transfers the call: blind to `u8sUriTransferTo`, or attended to the call `u8sTransferTargetID` names. */
export const asnAVTransferStart = defineEvent({ id: 1570, name: 'asnAVTransferStart', module: 'AV', direction: 'client-to-server', argument: AsnAVTransferArgument });
export const asnAVTransferStartResult = defineEvent({ id: 1571, name: 'asnAVTransferStartResult', module: 'AV', direction: 'server-to-client', argument: AsnAVTransferArgument });
