// The slice of the ENetUC protocol the web softphone speaks (reference: ../shared/docs/enetuc-subset.md
// §1.3, §4.2–4.4). Local interfaces instead of the gateway's zod types: the browser project cannot
// reference the gateway project (which references this one), and only a few members are needed.

/** Operation ids (`operationID`) by name. */
export const Op = {
  asnLogoff: 1001,
  asnGetLoggedInContactV2: 1008,
  asnTransportKeepAlive: 1706,
  asnCtiMakeCall: 1202,
  asnCtiDropCall: 1203,
  asnCtiAnswerCall: 1207,
  asnCtiRedirectCall: 1208,
  asnCtiMergeCalls: 1209,
  asnCtiPickupCall: 1222,
  asnCtiSwapHold: 1210,
  asnCtiHold: 1211,
  asnCtiDialDigits: 1221,
  asnCtiCompleteCall: 1223,
  asnCtiConference: 1250,
  asnCtiEnumPhoneLines: 1260,
  asnCtiLineMonitorStart: 1262,
  asnCtiNotifyLineInfoChanged: 1280,
  asnCtiNotifyLineCallInformationChanged: 1283,
  asnCtiNotifyMakeCallResult: 1285,
  asnCtiNotifyMonitorStopped: 1294,
  asnAVDropCall: 1501,
  asnAVMakeCallV2: 1505,
  asnAVGetIceServers: 1558,
  asnAVNewCallV2: 1572,
  asnAVCallMessageV2: 1573,
  asnAVConnectV2: 1574,
  asnAVAlertV2: 1575,
  asnJournalEntryChanged: 2109,
  asnJournalSubscribeEvents: 2171,
  asnGetJournalEntriesV2: 2172,
  asnSetUserAbsentState: 1128,
  asnCustomNoteSet: 1510,
  asnGetClientContent: 1126,
  asnSubscribeClientContent: 4600,
  asnClientContentChanged: 4607,
  asnGetAndSubscribePresenceV2: 4505,
  asnUpdatePresenceV2: 4504,
  asnCtiLineSetDoNotDisturb: 1264,
  asnCtiSetForward: 1218,
  asnCtiRemoveForward: 1219,
  /** ucserver's own, not ENetUC: re-attach a running call after the gateway was lost (issue 18). */
  asnUcsReattachAVCall: 60_001,
} as const;
export type OpName = keyof typeof Op;

/** The invokeID of events (operations without a result), in both directions. */
export const EVENT_INVOKE_ID = 99_999;

/** `EnumCallState` (iCallState). */
export const CallStateCode = {
  destroyed: 1,
  offering: 2,
  dialing: 4,
  ringback: 8,
  busy: 16,
  connected: 32,
  conferenced: 64,
  held: 128,
  disconnected: 256,
} as const;

/** `EnumCallFeatures` bits (iFeatures) the web softphone acts on. */
export const CallFeature = { completeCall: 4 } as const;

/** `EAsnCallType` (iCallType) values the web softphone shows. */
export const CallType = { normal: 0, callback: 3 } as const;

/** `AsnCtiLineOpenStatus` (iLineOpenStatus). */
export const LineOpenStatus = {
  disconnected: 0,
  closed: 1,
  open: 2,
  openNoPhone: 3,
  noPbxConnection: 4,
  pbxLoginFailed: 5,
} as const;

/** `iAvDropReason` values with published meaning. */
export const AvDropReason = { normal: 0, busy: 1, cancel: 2, reject: 16 } as const;

/** `messageType` of asnAVCallMessageV2 the page handles. */
export const AvMessageType = { iceCandidate: 2, iceCandidateEnd: 5, renegotiateDecline: 8, reinviteOffer: 9, reinviteAnswer: 10, remoteAccept: 13 } as const;

/** `AsnAVMediaType` of a SIP softphone call. */
export const AV_CALL_TYPE_SIP = 65_535;

/**
 * AsnOptionalParameters: the server sends the map form (`{"MediaPath":"pbx"}`), other servers the
 * array form (`[{key, value:{stringdata}}]`); both are read.
 */
export type OptionalParams = Record<string, unknown> | Array<{ key: string; value: { stringdata?: string; integerdata?: number; binarydata?: string } }>;

export function optionalParam(params: OptionalParams | undefined, key: string): string | number | undefined {
  if (!params) return undefined;
  if (Array.isArray(params)) {
    const v = params.find((p) => p.key === key)?.value;
    return v?.stringdata ?? v?.integerdata;
  }
  const v = params[key];
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

export interface LineInfo {
  iLineOpenStatus: number;
  u8sLinePhoneNumber: string;
  u8sDescriptor: string;
  u8sPhoneNumber: string;
  optionalParams?: OptionalParams;
}

export interface CallInformation {
  u8sLinePhoneNumber: string;
  u8sConnectionID: string;
  iCallState: number;
  iDisconnectedReason: number;
  iFeatures: number;
  /** EAsnCallType: 0 normal, 2 conference controller, 3 callback (asnCtiCompleteCall) … */
  iCallType?: number;
  bOutbound: boolean;
  u8sLocalNumberSC: string;
  u8sRemoteNumberSC: string;
  utcCallCreated: string;
  utcCallConnected: string;
  utcCallDisconnected: string;
  pRemoteContact?: { u8sDisplayName?: string };
  optionalParams?: OptionalParams;
}

export interface EnumPhoneLinesResult {
  seqLines: LineInfo[];
}

export interface LineMonitorStartResult {
  u8sMonitorCrossRefID: string;
  lineInfo: LineInfo;
  seqCalls: CallInformation[];
}

export interface CallInformationChanged {
  u8sMonitorCrossRefID: string;
  u8sLinePhoneNumber: string;
  reason: number;
  callinformation: CallInformation;
}

export interface LineInfoChanged {
  u8sMonitorCrossRefID: string;
  u8sLinePhoneNumber: string;
  lineInfo: LineInfo;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface CallAndConnectionId {
  u8sCallID: string;
  u8sEndpointID: string;
}

export interface AvMakeCallResult {
  callAndConnectionID: CallAndConnectionId;
  u8sCTIConnectionID: string;
}

/** asnUcsReattachAVCall's result: the call's AV ids in the new session. */
export interface ReattachResult extends AvMakeCallResult {
  endpointIDRemote: string;
}

export interface AvNewCall {
  callAndConnectionID: CallAndConnectionId;
  u8sCTIConnectionID: string;
  callType: number;
  u8sUriFrom: string;
  endpointIDFrom: string;
  u8sUriTo: string;
  u8sContentType: string;
  u8sBody: string;
  u8sCaps?: string;
  bIsRemoteControlCallOut?: boolean;
  bIsRemoteControlCallIn?: boolean;
}

export interface AvAlert {
  u8sCallID: string;
  endpointIDTo: string;
  endpointIDFrom: string;
  u8sUriTo: string;
  u8sContentType: string;
  u8sBody: string;
}

export interface AvConnect {
  u8sCallID: string;
  endpointIDTo: string;
  connectedEndPointID: string;
  callType: number;
  u8sUriTo: string;
  u8sContentType: string;
  u8sBody: string;
}

export interface AvCallMessage {
  u8sCallID: string;
  endpointIDTo: string;
  endpointIDFrom: string;
  messageType: number;
  u8sUriTo: string;
  u8sContentType?: string;
  u8sBody?: string;
  iceCandidate?: { candidate: string; sdpMid: string; sdpMLineIndex: number };
}

export interface AvDropCall {
  dropTarget: { u8sCallID: string } | { connectionID: CallAndConnectionId };
  u8sCause: string;
  iAvDropReason: number;
}

export interface JournalEntry {
  u8sConnectionID: string;
  stStartTime: string;
  stStopTime: string;
  iDurationTotal: number;
  stConnectTime: string;
  iDurationConnected: number;
  /** 1 outbound, 0 inbound. */
  iOrigin: number;
  u8sLineNumber: string;
  u8sPhoneNumber: string;
  u8sContactName: string;
  iReadFlag: number;
  optionalParams?: OptionalParams;
}

export interface JournalEntryChanged {
  /** 1 added, 2 modified, 3 deleted, 4 added or modified. */
  iFlags: number;
  journalEntry: JournalEntry;
}

export interface RequestError {
  iErrorDetail: number;
  u8sErrorString: string;
}

/** One message from the server, as found in the `[ … ]` wrapper of a WebSocket frame. */
export type ServerMessage =
  | { invoke: { invokeID: number; operationID: number; operationName?: string; argument?: unknown } }
  | { result: { invokeID: number; result?: { resultValue: number; result?: unknown } } }
  | { error: { invokedID: number; error_value: number; error?: RequestError } }
  | { reject: { invokedID: { invokedID: number } | { invokednull: unknown }; reject?: Record<string, number>; details?: string } };
