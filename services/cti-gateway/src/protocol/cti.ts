/**
 * Remote call control and line monitoring: `ENetUC_CTI.asn1` (UC-Server-Access-Protocol-CTI), with the
 * call/forwarding enumerations of the Main module that its INTEGER members are linked to.
 *
 * Naming trap kept from the module: line events use `u8sMonitorCrossRefID`, but
 * `asnCtiNotifyLineCallFeaturesChanged` and `asnCtiNotifyLineAddRemove` use `u8sLineMonitorCrossRefID`.
 */
import { z } from 'zod';
import {
  asnBool,
  asnInt,
  asnOptional,
  asnOptionalParams,
  asnSequence,
  asnString,
  asnTime,
} from '../codec/estosJson.ts';
import { AsnCtiNewCallParams, AsnLineForwards, AsnNetDatabaseContact, AsnProjectPinRule } from './common.ts';
import { defineEvent, defineInvoke } from './operation.ts';

// ---------------------------------------------------------------------------------------------------
// Enumerations and bit sets
// ---------------------------------------------------------------------------------------------------

/** `iLineOpenStatus`; a line is usable only when 2 (`lineStatusOpen`). */
export const AsnCtiLineOpenStatus = {
  lineStatusDisconnected: 0,
  lineStatusClosed: 1,
  lineStatusOpen: 2,
  lineStatusOpenNoPhoneConnected: 3,
  lineStatusOpenNoPBXConnection: 4,
  lineStatusOpenPBXLoginFailed: 5,
  lineStatusOpenPBXNoLicense: 6,
  lineStatusOpenPBXSessionCountExceeded: 7,
  lineStatusFailedNoLicense: 8,
  lineStatusFailedNoECSTALicense: 9,
} as const;
export type AsnCtiLineOpenStatus = (typeof AsnCtiLineOpenStatus)[keyof typeof AsnCtiLineOpenStatus];

/** `iFeatures` bits: what may be done with a call right now. */
export const EnumCallFeatures = {
  eCFEATURENONE: 0,
  eCFEATUREANSWER: 1,
  eCFEATUREMAKECALL: 2,
  eCFEATURECOMPLETECALL: 4,
  eCFEATUREMERGECALLS: 16,
  eCFEATUREHANGUP: 32,
  eCFEATUREBLINDTRANSFER: 256,
  eCFEATUREREDIRECT: 512,
  eCFEATUREMAYBEPICKUPED: 1024,
  eCFEATURESWAPHOLD: 4096,
  eCFEATUREHOLD: 8192,
  eCFEATUREUNHOLD: 16384,
  eCFEATURECONFERENCESTARTEU: 65536,
  eCFEATURECONFERENCEADDPARTY: 131072,
  eCFEATURECONFERENCESTARTUSA: 262144,
  eCFEATUREGENERATETONE: 1048576,
  eCFEATUREDIALDIGITS: 2097152,
  eCFEATURESTARTCALLRECORD: 16777216,
  eCFEATURESTOPCALLRECORD: 33554432,
} as const;
export type EnumCallFeatures = (typeof EnumCallFeatures)[keyof typeof EnumCallFeatures];

/** `iLineFeatures` bits. */
export const EnumLineFeatures = {
  eCTILINEFEATURENONE: 0,
  eCTILINEFEATUREMAKECALL: 1,
  eCTILINEFEATUREDONOTDISTURB: 2,
  eCTILINEFEATUREPICKUP: 4,
  eCTILINEFEATUREBLOCKID: 8,
  eCTILINEFEATURENOIMMEDIATEINQUIRY: 16,
  eCTILINEFEATUREREMOTEOFFICE: 32,
  eCTILINEFEATUREINVALIDPASSWORD: 64,
  eCTILINEFEATUREREMOTEOFFICEEMULATION: 128,
} as const;
export type EnumLineFeatures = (typeof EnumLineFeatures)[keyof typeof EnumLineFeatures];

/** `iForwardMode` bits of AsnLineForward (backend-specific 0x80000000 is not representable). */
export const EnumForwardModes = {
  eFORWARDMODEUNKNOWN: 0,
  eFORWARDMODEIMMEDIATE: 1,
  eFORWARDMODEBUSY: 2,
  eFORWARDMODENOANSW: 4,
  eFORWARDMODEBUSYINT: 8,
  eFORWARDMODEBUSYEXT: 16,
  eFORWARDMODENOANSINT: 32,
  eFORWARDMODENOANSEXT: 64,
  eFORWARDMODEIMMINT: 128,
  eFORWARDMODEIMMEXT: 256,
  eFORWARDDISC: 512,
  eFORWARDDISCINT: 1024,
  eFORWARDDISCEXT: 2048,
  eFORWARDADMINDISC: 4096,
  eFORWARDADMINDISCINT: 8192,
  eFORWARDADMINDISCEXT: 16384,
  eFORWARDALLMODESMASK: 32767,
} as const;
export type EnumForwardModes = (typeof EnumForwardModes)[keyof typeof EnumForwardModes];

/** `iForwardController` of AsnLineForward. */
export const EnumForwardController = {
  eFORWARDCONTROLLERPBX: 1,
  eFORWARDCONTROLLERTAPISERVERADMIN: 2,
  eFORWARDCONTROLLERTAPISERVERUSER: 4,
} as const;
export type EnumForwardController = (typeof EnumForwardController)[keyof typeof EnumForwardController];

/** Plain enumeration (Main module) used by the `ForwardMode` optional key; unlike the bit set above. */
export const AsnForwardMode = {
  iCTIFORWARDUNKNOWN: 0,
  iCTIFORWARDIMMEDIATE: 1,
  iCTIFORWARDBUSY: 2,
  iCTIFORWARDNOANSW: 3,
  iCTIFORWARDBUSYINT: 4,
  iCTIFORWARDBUSYEXT: 5,
  iCTIFORWARDNOANSINT: 6,
  iCTIFORWARDNOANSEXT: 7,
  iCTIFORWARDIMMINT: 8,
  iCTIFORWARDIMMEXT: 9,
  iCTIBACKENDSPECIFIC: 10,
} as const;
export type AsnForwardMode = (typeof AsnForwardMode)[keyof typeof AsnForwardMode];

/** `iNumberFormat` (linked enum of the Main module; the field comment reads 0 = as given, other = format). */
export const AsnETAPIDialNumberFormat = {
  eTAPIDIALNUMBERFORMATNORMAL: 0,
  eTAPIDIALNUMBERFORMATSUPERCANONIC: 1,
  eTAPIDIALNUMBERFORMATPLAIN: 2,
  eTAPIDIALNUMBERFORMATDIALABLEPLAIN: 3,
} as const;
export type AsnETAPIDialNumberFormat = (typeof AsnETAPIDialNumberFormat)[keyof typeof AsnETAPIDialNumberFormat];

/** `iCallState` (Main module). */
export const EnumCallState = {
  eCALLSTATEUNKNOWN: 0,
  eCALLSTATEDESTROYED: 1,
  eCALLSTATEOFFERING: 2,
  eCALLSTATEDIALING: 4,
  eCALLSTATERINGBACK: 8,
  eCALLSTATEBUSY: 16,
  eCALLSTATECONNECTED: 32,
  eCALLSTATECONFERENCED: 64,
  eCALLSTATEHOLD: 128,
  eCALLSTATEDISCONNECTED: 256,
  eCALLSTATEPREPARECALL: 512,
} as const;
export type EnumCallState = (typeof EnumCallState)[keyof typeof EnumCallState];

/** `iDisconnectedReason` (Main module). */
export const EnumCallDisconnectedReason = {
  eDISCONNECTEDREASONUNKNOWN: 0,
  eDISCONNECTEDREASONUNCONNECTED: 1,
  eDISCONNECTEDREASONBUSY: 2,
  eDISCONNECTEDREASONREDIRECTEDUNKNOWN: 3,
  eDISCONNECTEDREASONREDIRECTEDBYLINEOWNER: 4,
} as const;
export type EnumCallDisconnectedReason = (typeof EnumCallDisconnectedReason)[keyof typeof EnumCallDisconnectedReason];

/** `iRemoteContactSource` (Main module). */
export const EnumRemoteContactSource = {
  eUNKNOWN: 0,
  eSERVERPROVIDED: 1,
  eCLIENTPROVIDED: 2,
  eOTHERCLIENTPROVIDED: 3,
} as const;
export type EnumRemoteContactSource = (typeof EnumRemoteContactSource)[keyof typeof EnumRemoteContactSource];

/** `iCallType` (Main module). */
export const EAsnCallType = {
  eCALLTYPENORMAL: 0,
  eCALLTYPECONSULT: 1,
  eCALLTYPECONFERENCECONTROLER: 2,
  eCALLTYPECALLBACK: 3,
  eCALLTYPECONFERENCEMEMBER: 4,
  eCALLTYPECONFERENCECONTROLERPENDING: 5,
  eCALLTYPECONFERENCEMEMBERPENDING: 6,
} as const;
export type EAsnCallType = (typeof EAsnCallType)[keyof typeof EAsnCallType];

/** `iCallRecordingState` (Main module; `eNOCALLRECODRING` sic). */
export const EnumCallRecordingState = {
  eNOCALLRECODRING: 0,
  eCALLRECORDERCALL: 1,
  eCALLRECORDINGMEMBER: 2,
  eWASCALLRECORDERCALL: 3,
  eWASCALLRECORDINGMEMBER: 4,
} as const;
export type EnumCallRecordingState = (typeof EnumCallRecordingState)[keyof typeof EnumCallRecordingState];

/** `reason` of asnCtiNotifyLineCallInformationChanged. There is no "retrieved": a retrieve is 3 + state 32. */
export const AsnCtiCallInfoChangedReason = {
  reasonCallOffering: 0,
  reasonCallDialing: 1,
  reasonCallRingback: 2,
  reasonCallConnected: 3,
  reasonCallConferenced: 4,
  reasonCallHold: 5,
  reasonRemotePartyChanged: 6,
  reasonRemoteContactChanged: 7,
  reasonProjectOrPrivateChanged: 8,
  reasonCallMemoChanged: 9,
  reasonCallBusy: 10,
  reasonCallDisconnect: 11,
  reasonCallDestroyed: 12,
  reasonHoldContactChanged: 13,
  reasonOther: 14,
  reasonCallDataChanged: 15,
  reasonConnectionToPhoneDestroyed: 16,
} as const;
export type AsnCtiCallInfoChangedReason = (typeof AsnCtiCallInfoChangedReason)[keyof typeof AsnCtiCallInfoChangedReason];

/** `iDigitMode` of asnCtiDialDigits. */
export const EnumCtiDigitMode = {
  eLINEDIGITMODESERVERDECIDE: 0,
  eLINEDIGITMODEPULSE: 1,
  eLINEDIGITMODEDTMF: 2,
  eLINEDIGITMODEDTMFEND: 4,
} as const;
export type EnumCtiDigitMode = (typeof EnumCtiDigitMode)[keyof typeof EnumCtiDigitMode];

/** `typeofLines` of asnCtiEnumPhoneLines (anonymous ENUMERATED in the module). */
export const AsnCtiEnumPhoneLinesTypeofLines = {
  userOwnLines: 0,
  userMonitorLines: 1,
  systemLocalLines: 2,
  systemGlobalLines: 3,
} as const;
export type AsnCtiEnumPhoneLinesTypeofLines =
  (typeof AsnCtiEnumPhoneLinesTypeofLines)[keyof typeof AsnCtiEnumPhoneLinesTypeofLines];

/** `addremove` of asnCtiNotifyLineAddRemove (anonymous ENUMERATED in the module). */
export const AsnCtiLineAddRemove = {
  added: 0,
  removed: 1,
} as const;
export type AsnCtiLineAddRemove = (typeof AsnCtiLineAddRemove)[keyof typeof AsnCtiLineAddRemove];

/**
 * `iErrorDetail` of CTI line operations: the `…ErrorEnum`s of asnCtiSnapshotPhoneLine,
 * asnCtiLineMonitorStart/Stop, asnCtiLineSetDoNotDisturb and asnCtiMakeCall all have these values.
 */
export const AsnCtiErrorEnum = {
  success: 0,
  generalerror: 1,
  accessdenied: 2,
  invalidline: 3,
} as const;
export type AsnCtiErrorEnum = (typeof AsnCtiErrorEnum)[keyof typeof AsnCtiErrorEnum];

/** `iErrorDetail` of asnCtiEnumPhoneLines (no `invalidline`). */
export const AsnCtiEnumPhoneLinesErrorEnum = {
  success: 0,
  generalerror: 1,
  accessdenied: 2,
} as const;
export type AsnCtiEnumPhoneLinesErrorEnum = (typeof AsnCtiEnumPhoneLinesErrorEnum)[keyof typeof AsnCtiEnumPhoneLinesErrorEnum];

// ---------------------------------------------------------------------------------------------------
// Structures
// ---------------------------------------------------------------------------------------------------

/** Key/value call data attached by clients. */
export const AsnCtiCallData = asnSequence('AsnCtiCallData', {
  key: asnString,
  value: asnString,
});
export type AsnCtiCallData = z.infer<typeof AsnCtiCallData>;

export const AsnCtiCallDataList = z.array(AsnCtiCallData);
export type AsnCtiCallDataList = z.infer<typeof AsnCtiCallDataList>;

/**
 * A line. `optionalParams` keys: `AddressNames` (`;`-separated), `CTIFeatureCodes` string,
 * `PrivateLine` int flag.
 */
export const AsnCtiLineInfo = asnSequence('AsnCtiLineInfo', {
  /** `AsnContactPhoneLineType`. */
  iType: asnInt,
  /** `AsnCtiLineOpenStatus`. */
  iLineOpenStatus: asnInt,
  /** The line identifier used everywhere (number or `tel:` URI). */
  u8sLinePhoneNumber: asnString,
  u8sDescriptor: asnString,
  /** Dialable number, `+…` if possible. */
  u8sPhoneNumber: asnString,
  u8sLineLocationID: asnString,
  /** `EnumLineFeatures` bits. */
  iLineFeatures: asnInt,
  iForwardFeaturesPBX: asnInt,
  iForwardFeaturesSERVER: asnInt,
  iForwardFeaturesUSER: asnInt,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiLineInfo = z.infer<typeof AsnCtiLineInfo>;

export const AsnCtiLineInfoList = z.array(AsnCtiLineInfo);
export type AsnCtiLineInfoList = z.infer<typeof AsnCtiLineInfoList>;

/**
 * A call. Times are `""` while not (yet) set. `optionalParams` keys: `PBXCallID` string, `AddressID`
 * int, `CallLinkageID` string. Every mandatory member is sent on every event, even "reduced" ones.
 */
export const AsnCtiCallInformation = asnSequence('AsnCtiCallInformation', {
  u8sLinePhoneNumber: asnString,
  u8sConnectionID: asnString,
  /** `EnumCallState`. */
  iCallState: asnInt,
  /** `EAsnCallType`. */
  iCallType: asnInt,
  /** `EnumCallDisconnectedReason`. */
  iDisconnectedReason: asnInt,
  /** `EnumCallFeatures` bits. */
  iFeatures: asnInt,
  bOutbound: asnBool,
  bInternal: asnBool,
  bCallerIDBlocked: asnBool,
  /** `EnumCallRecordingState`. */
  iCallRecordingState: asnInt,
  bConferenceCtlr: asnBool,
  u8sConferenceCtlrID: asnString,
  u8sLocalNumberSC: asnString,
  u8sRemoteNumberSC: asnString,
  /** `EnumRemoteContactSource`. */
  iRemoteContactSource: asnInt,
  projectPinRule: AsnProjectPinRule,
  u8sNote: asnString,
  u8sTrackerID: asnString,
  utcCallCreated: asnTime,
  utcCallConnected: asnTime,
  utcCallDisconnected: asnTime,
  bIsUnknownHoldContact: asnBool,
  pLocalContact: asnOptional(AsnNetDatabaseContact),
  pRemoteContact: asnOptional(AsnNetDatabaseContact),
  pu8sHoldNumberSC: asnOptional(asnString),
  pHoldContact: asnOptional(AsnNetDatabaseContact),
  pu8sRedirectingNumber: asnOptional(asnString),
  pRedirectingContact: asnOptional(AsnNetDatabaseContact),
  optionalParams: asnOptional(asnOptionalParams),
  callDataList: asnOptional(AsnCtiCallDataList),
});
export type AsnCtiCallInformation = z.infer<typeof AsnCtiCallInformation>;

export const AsnCtiCallInformationList = z.array(AsnCtiCallInformation);
export type AsnCtiCallInformationList = z.infer<typeof AsnCtiCallInformationList>;

/** Remote office state (`iEnabled` 1/0). */
export const AsnRemoteOfficeState = asnSequence('AsnRemoteOfficeState', {
  u8sController: asnString,
  iEnabled: asnInt,
  u8sDestination: asnString,
});
export type AsnRemoteOfficeState = z.infer<typeof AsnRemoteOfficeState>;

/** Connection id plus current features, for asnCtiNotifyLineCallFeaturesChanged. */
export const AsnCtiCallFeature = asnSequence('AsnCtiCallFeature', {
  u8sConnectionID: asnString,
  /** `EnumCallFeatures` bits. */
  iFeatures: asnInt,
});
export type AsnCtiCallFeature = z.infer<typeof AsnCtiCallFeature>;

export const AsnCtiCallFeaturesList = z.array(AsnCtiCallFeature);
export type AsnCtiCallFeaturesList = z.infer<typeof AsnCtiCallFeaturesList>;

// ---------------------------------------------------------------------------------------------------
// Lines: enum, snapshot, monitor, do-not-disturb
// ---------------------------------------------------------------------------------------------------

export const AsnCtiEnumPhoneLinesArgument = asnSequence('AsnCtiEnumPhoneLinesArgument', {
  /** `AsnCtiEnumPhoneLinesTypeofLines`. */
  typeofLines: asnInt,
  /** 1 = send asnCtiNotifyLineAddRemove for this scope until disconnect. */
  attachChangeNotify: asnInt,
});
export type AsnCtiEnumPhoneLinesArgument = z.infer<typeof AsnCtiEnumPhoneLinesArgument>;

export const AsnCtiEnumPhoneLinesResult = asnSequence('AsnCtiEnumPhoneLinesResult', {
  seqLines: AsnCtiLineInfoList,
  /** Cross-reference id of asnCtiNotifyLineAddRemove events (only with attachChangeNotify 1). */
  u8sLineMonitorCrossRefID: asnOptional(asnString),
});
export type AsnCtiEnumPhoneLinesResult = z.infer<typeof AsnCtiEnumPhoneLinesResult>;

/** Errors: `AsnCtiEnumPhoneLinesErrorEnum`. */
export const asnCtiEnumPhoneLines = defineInvoke({
  id: 1260,
  name: 'asnCtiEnumPhoneLines',
  module: 'CTI',
  argument: AsnCtiEnumPhoneLinesArgument,
  result: AsnCtiEnumPhoneLinesResult,
});

/** The argument of the line snapshot and of the monitor start: which line. */
const linePhoneNumberMembers = { u8sLinePhoneNumber: asnString };

/**
 * A line's state as the snapshot and the monitor start (a snapshot plus a subscription) return it.
 * `optionalParams` keys: `InvalidPasswordState` int, `InvalidPasswordUser` string, `BusyOnBusy` int.
 */
const lineSnapshotMembers = {
  lineInfo: AsnCtiLineInfo,
  seqCalls: AsnCtiCallInformationList,
  iDoNotDisturb: asnInt,
  seqLineForwards: AsnLineForwards,
  remoteOfficeState: AsnRemoteOfficeState,
  optionalParams: asnOptional(asnOptionalParams),
};

export const AsnCtiSnapshotPhoneLineArgument = asnSequence('AsnCtiSnapshotPhoneLineArgument', linePhoneNumberMembers);
export type AsnCtiSnapshotPhoneLineArgument = z.infer<typeof AsnCtiSnapshotPhoneLineArgument>;

export const AsnCtiSnapshotPhoneLineResult = asnSequence('AsnCtiSnapshotPhoneLineResult', lineSnapshotMembers);
export type AsnCtiSnapshotPhoneLineResult = z.infer<typeof AsnCtiSnapshotPhoneLineResult>;

/** Errors: `AsnCtiErrorEnum`. */
export const asnCtiSnapshotPhoneLine = defineInvoke({
  id: 1261,
  name: 'asnCtiSnapshotPhoneLine',
  module: 'CTI',
  argument: AsnCtiSnapshotPhoneLineArgument,
  result: AsnCtiSnapshotPhoneLineResult,
});

export const AsnCtiLineMonitorStartArgument = asnSequence('AsnCtiLineMonitorStartArgument', linePhoneNumberMembers);
export type AsnCtiLineMonitorStartArgument = z.infer<typeof AsnCtiLineMonitorStartArgument>;

export const AsnCtiLineMonitorStartResult = asnSequence('AsnCtiLineMonitorStartResult', {
  u8sMonitorCrossRefID: asnString,
  ...lineSnapshotMembers,
});
export type AsnCtiLineMonitorStartResult = z.infer<typeof AsnCtiLineMonitorStartResult>;

/** Snapshot plus subscription to all line and call events of the line. Errors: `AsnCtiErrorEnum`. */
export const asnCtiLineMonitorStart = defineInvoke({
  id: 1262,
  name: 'asnCtiLineMonitorStart',
  module: 'CTI',
  argument: AsnCtiLineMonitorStartArgument,
  result: AsnCtiLineMonitorStartResult,
});

export const AsnCtiLineMonitorStopArgument = asnSequence('AsnCtiLineMonitorStopArgument', {
  u8sMonitorCrossRefID: asnString,
});
export type AsnCtiLineMonitorStopArgument = z.infer<typeof AsnCtiLineMonitorStopArgument>;

export const AsnCtiLineMonitorStopResult = asnSequence('AsnCtiLineMonitorStopResult', {});
export type AsnCtiLineMonitorStopResult = z.infer<typeof AsnCtiLineMonitorStopResult>;

/** Errors: `AsnCtiErrorEnum`. */
export const asnCtiLineMonitorStop = defineInvoke({
  id: 1263,
  name: 'asnCtiLineMonitorStop',
  module: 'CTI',
  argument: AsnCtiLineMonitorStopArgument,
  result: AsnCtiLineMonitorStopResult,
});

export const AsnCtiLineSetDoNotDisturbArgument = asnSequence('AsnCtiLineSetDoNotDisturbArgument', {
  u8sLinePhoneNumber: asnString,
  bDoNotDisturb: asnBool,
});
export type AsnCtiLineSetDoNotDisturbArgument = z.infer<typeof AsnCtiLineSetDoNotDisturbArgument>;

export const AsnCtiLineSetDoNotDisturbResult = asnSequence('AsnCtiLineSetDoNotDisturbResult', {});
export type AsnCtiLineSetDoNotDisturbResult = z.infer<typeof AsnCtiLineSetDoNotDisturbResult>;

/** Errors: `AsnCtiErrorEnum`. */
export const asnCtiLineSetDoNotDisturb = defineInvoke({
  id: 1264,
  name: 'asnCtiLineSetDoNotDisturb',
  module: 'CTI',
  argument: AsnCtiLineSetDoNotDisturbArgument,
  result: AsnCtiLineSetDoNotDisturbResult,
});

// ---------------------------------------------------------------------------------------------------
// Call control
// ---------------------------------------------------------------------------------------------------

export const AsnCtiMakeCallArgument = asnSequence('AsnCtiMakeCallArgument', {
  /** Line number or line URI to dial from. */
  u8sPhoneNumberFrom: asnString,
  u8sPhoneNumberTo: asnString,
  /** See `AsnETAPIDialNumberFormat` (§6: 0 = as given, other = let the server format; 1 recommended). */
  iNumberFormat: asnInt,
  newCallParams: asnOptional(AsnCtiNewCallParams),
});
export type AsnCtiMakeCallArgument = z.infer<typeof AsnCtiMakeCallArgument>;

/** `optionalParams` key `WasProjectFound`. */
export const AsnCtiMakeCallResult = asnSequence('AsnCtiMakeCallResult', {
  u8sConnectionID: asnString,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiMakeCallResult = z.infer<typeof AsnCtiMakeCallResult>;

/** Accepts the dial request only; the PBX outcome follows as asnCtiNotifyMakeCallResult. Errors: `AsnCtiErrorEnum`. */
export const asnCtiMakeCall = defineInvoke({
  id: 1202,
  name: 'asnCtiMakeCall',
  module: 'CTI',
  argument: AsnCtiMakeCallArgument,
  result: AsnCtiMakeCallResult,
});

export const AsnCtiDropCallArgument = asnSequence('AsnCtiDropCallArgument', {
  u8sConnectionID: asnString,
});
export type AsnCtiDropCallArgument = z.infer<typeof AsnCtiDropCallArgument>;

export const AsnCtiDropCallResult = asnSequence('AsnCtiDropCallResult', {
  bSuccess: asnBool,
});
export type AsnCtiDropCallResult = z.infer<typeof AsnCtiDropCallResult>;

export const asnCtiDropCall = defineInvoke({
  id: 1203,
  name: 'asnCtiDropCall',
  module: 'CTI',
  argument: AsnCtiDropCallArgument,
  result: AsnCtiDropCallResult,
});

export const AsnCtiLineDropCallArgument = asnSequence('AsnCtiLineDropCallArgument', {
  /** Line number or URI; drops the active call of the line. */
  u8sLineDescriptor: asnString,
});
export type AsnCtiLineDropCallArgument = z.infer<typeof AsnCtiLineDropCallArgument>;

export const AsnCtiLineDropCallResult = asnSequence('AsnCtiLineDropCallResult', {
  bSuccess: asnBool,
});
export type AsnCtiLineDropCallResult = z.infer<typeof AsnCtiLineDropCallResult>;

export const asnCtiLineDropCall = defineInvoke({
  id: 1224,
  name: 'asnCtiLineDropCall',
  module: 'CTI',
  argument: AsnCtiLineDropCallArgument,
  result: AsnCtiLineDropCallResult,
});

export const AsnCtiAnswerCallArgument = asnSequence('AsnCtiAnswerCallArgument', {
  /** A call in OFFERING. */
  u8sConnectionID: asnString,
});
export type AsnCtiAnswerCallArgument = z.infer<typeof AsnCtiAnswerCallArgument>;

export const AsnCtiAnswerCallResult = asnSequence('AsnCtiAnswerCallResult', {
  bSuccess: asnBool,
});
export type AsnCtiAnswerCallResult = z.infer<typeof AsnCtiAnswerCallResult>;

export const asnCtiAnswerCall = defineInvoke({
  id: 1207,
  name: 'asnCtiAnswerCall',
  module: 'CTI',
  argument: AsnCtiAnswerCallArgument,
  result: AsnCtiAnswerCallResult,
});

export const AsnCtiRedirectCallArgument = asnSequence('AsnCtiRedirectCallArgument', {
  /** `""` = address the call by connection id only. */
  u8sContactID: asnString,
  u8sConnectionID: asnString,
  /** Redirect target. */
  u8sPhoneNumber: asnString,
  iNumberFormat: asnInt,
});
export type AsnCtiRedirectCallArgument = z.infer<typeof AsnCtiRedirectCallArgument>;

export const AsnCtiRedirectCallResult = asnSequence('AsnCtiRedirectCallResult', {
  bSuccess: asnBool,
});
export type AsnCtiRedirectCallResult = z.infer<typeof AsnCtiRedirectCallResult>;

/** Deflect a ringing (OFFERING) call. */
export const asnCtiRedirectCall = defineInvoke({
  id: 1208,
  name: 'asnCtiRedirectCall',
  module: 'CTI',
  argument: AsnCtiRedirectCallArgument,
  result: AsnCtiRedirectCallResult,
});

export const AsnCtiPickupCallArgument = asnSequence('AsnCtiPickupCallArgument', {
  u8sContactID: asnString,
  u8sConnectionID: asnString,
  /** Own line to pick the call to. */
  u8sPhoneNumber: asnString,
  iNumberFormat: asnInt,
});
export type AsnCtiPickupCallArgument = z.infer<typeof AsnCtiPickupCallArgument>;

export const AsnCtiPickupCallResult = asnSequence('AsnCtiPickupCallResult', {
  bSuccess: asnBool,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiPickupCallResult = z.infer<typeof AsnCtiPickupCallResult>;

export const asnCtiPickupCall = defineInvoke({
  id: 1222,
  name: 'asnCtiPickupCall',
  module: 'CTI',
  argument: AsnCtiPickupCallArgument,
  result: AsnCtiPickupCallResult,
});

export const AsnCtiHoldArgument = asnSequence('AsnCtiHoldArgument', {
  /** true = hold, false = retrieve. */
  bHold: asnBool,
  u8sConnectionID: asnString,
});
export type AsnCtiHoldArgument = z.infer<typeof AsnCtiHoldArgument>;

export const AsnCtiHoldResult = asnSequence('AsnCtiHoldResult', {
  bSuccess: asnBool,
});
export type AsnCtiHoldResult = z.infer<typeof AsnCtiHoldResult>;

/** Hold *and* retrieve. */
export const asnCtiHold = defineInvoke({
  id: 1211,
  name: 'asnCtiHold',
  module: 'CTI',
  argument: AsnCtiHoldArgument,
  result: AsnCtiHoldResult,
});

export const AsnCtiSwapHoldArgument = asnSequence('AsnCtiSwapHoldArgument', {
  /** The held call. */
  u8sConnectionID: asnString,
});
export type AsnCtiSwapHoldArgument = z.infer<typeof AsnCtiSwapHoldArgument>;

export const AsnCtiSwapHoldResult = asnSequence('AsnCtiSwapHoldResult', {
  bSuccess: asnBool,
});
export type AsnCtiSwapHoldResult = z.infer<typeof AsnCtiSwapHoldResult>;

export const asnCtiSwapHold = defineInvoke({
  id: 1210,
  name: 'asnCtiSwapHold',
  module: 'CTI',
  argument: AsnCtiSwapHoldArgument,
  result: AsnCtiSwapHoldResult,
});

export const AsnCtiMergeCallsArgument = asnSequence('AsnCtiMergeCallsArgument', {
  u8sConnectionID1: asnString,
  u8sConnectionID2: asnString,
});
export type AsnCtiMergeCallsArgument = z.infer<typeof AsnCtiMergeCallsArgument>;

export const AsnCtiMergeCallsResult = asnSequence('AsnCtiMergeCallsResult', {
  bSuccess: asnBool,
});
export type AsnCtiMergeCallsResult = z.infer<typeof AsnCtiMergeCallsResult>;

/** Connect two calls of the same line and leave (completes an attended transfer). */
export const asnCtiMergeCalls = defineInvoke({
  id: 1209,
  name: 'asnCtiMergeCalls',
  module: 'CTI',
  argument: AsnCtiMergeCallsArgument,
  result: AsnCtiMergeCallsResult,
});

export const AsnCtiConferenceArgument = asnSequence('AsnCtiConferenceArgument', {
  /** The active call. */
  u8sConnectionID1: asnString,
  /** The held call. */
  u8sConnectionID2: asnString,
});
export type AsnCtiConferenceArgument = z.infer<typeof AsnCtiConferenceArgument>;

export const AsnCtiConferenceResult = asnSequence('AsnCtiConferenceResult', {
  bSuccess: asnBool,
});
export type AsnCtiConferenceResult = z.infer<typeof AsnCtiConferenceResult>;

export const asnCtiConference = defineInvoke({
  id: 1250,
  name: 'asnCtiConference',
  module: 'CTI',
  argument: AsnCtiConferenceArgument,
  result: AsnCtiConferenceResult,
});

export const AsnCtiCompleteCallArgument = asnSequence('AsnCtiCompleteCallArgument', {
  u8sConnectionID: asnString,
});
export type AsnCtiCompleteCallArgument = z.infer<typeof AsnCtiCompleteCallArgument>;

export const AsnCtiCompleteCallResult = asnSequence('AsnCtiCompleteCallResult', {
  bSuccess: asnBool,
});
export type AsnCtiCompleteCallResult = z.infer<typeof AsnCtiCompleteCallResult>;

/** Callback on busy / no answer (not a transfer). */
export const asnCtiCompleteCall = defineInvoke({
  id: 1223,
  name: 'asnCtiCompleteCall',
  module: 'CTI',
  argument: AsnCtiCompleteCallArgument,
  result: AsnCtiCompleteCallResult,
});

export const AsnCtiDialDigitsArgument = asnSequence('AsnCtiDialDigitsArgument', {
  u8sConnectionID: asnString,
  /** `EnumCtiDigitMode`. */
  iDigitMode: asnInt,
  /** Milliseconds; 0 = default. */
  iDigitDuration: asnInt,
  /** `0-9*#ABCD`. */
  u8sDigitsToDial: asnString,
});
export type AsnCtiDialDigitsArgument = z.infer<typeof AsnCtiDialDigitsArgument>;

export const AsnCtiDialDigitsResult = asnSequence('AsnCtiDialDigitsResult', {
  bSuccess: asnBool,
});
export type AsnCtiDialDigitsResult = z.infer<typeof AsnCtiDialDigitsResult>;

export const asnCtiDialDigits = defineInvoke({
  id: 1221,
  name: 'asnCtiDialDigits',
  module: 'CTI',
  argument: AsnCtiDialDigitsArgument,
  result: AsnCtiDialDigitsResult,
});

// ---------------------------------------------------------------------------------------------------
// Forwarding
// ---------------------------------------------------------------------------------------------------

/** `optionalParams` key `ForwardMode` (`AsnForwardMode`); absent = unconditional. */
export const AsnCtiSetForwardArgument = asnSequence('AsnCtiSetForwardArgument', {
  u8sPhoneNumberFrom: asnString,
  /** Supercanonical destination. */
  u8sPhoneNumberTo: asnString,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiSetForwardArgument = z.infer<typeof AsnCtiSetForwardArgument>;

export const AsnCtiSetForwardResult = asnSequence('AsnCtiSetForwardResult', {
  bSuccess: asnBool,
  /** true: an existing forward was replaced (or this is the first); false: appended. */
  bExistingForwardingChanged: asnBool,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiSetForwardResult = z.infer<typeof AsnCtiSetForwardResult>;

export const asnCtiSetForward = defineInvoke({
  id: 1218,
  name: 'asnCtiSetForward',
  module: 'CTI',
  argument: AsnCtiSetForwardArgument,
  result: AsnCtiSetForwardResult,
});

/** `optionalParams` keys `ForwardMode` int + `ForwardDestination` string select one entry; absent = all. */
export const AsnCtiRemoveForwardArgument = asnSequence('AsnCtiRemoveForwardArgument', {
  u8sPhoneNumberFrom: asnString,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiRemoveForwardArgument = z.infer<typeof AsnCtiRemoveForwardArgument>;

export const AsnCtiRemoveForwardResult = asnSequence('AsnCtiRemoveForwardResult', {
  bSuccess: asnBool,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiRemoveForwardResult = z.infer<typeof AsnCtiRemoveForwardResult>;

export const asnCtiRemoveForward = defineInvoke({
  id: 1219,
  name: 'asnCtiRemoveForward',
  module: 'CTI',
  argument: AsnCtiRemoveForwardArgument,
  result: AsnCtiRemoveForwardResult,
});

// ---------------------------------------------------------------------------------------------------
// Events (server → client, invokeID 99999)
// ---------------------------------------------------------------------------------------------------

export const AsnCtiNotifyLineInfoChangedArgument = asnSequence('AsnCtiNotifyLineInfoChangedArgument', {
  u8sMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  lineInfo: AsnCtiLineInfo,
});
export type AsnCtiNotifyLineInfoChangedArgument = z.infer<typeof AsnCtiNotifyLineInfoChangedArgument>;

export const asnCtiNotifyLineInfoChanged = defineEvent({
  id: 1280,
  name: 'asnCtiNotifyLineInfoChanged',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyLineInfoChangedArgument,
});

/** `optionalParams` key `BusyOnBusy` int. */
export const AsnCtiNotifyLineDoNotDisturbChangedArgument = asnSequence('AsnCtiNotifyLineDoNotDisturbChangedArgument', {
  u8sMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  iDoNotDisturb: asnInt,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnCtiNotifyLineDoNotDisturbChangedArgument = z.infer<typeof AsnCtiNotifyLineDoNotDisturbChangedArgument>;

export const asnCtiNotifyLineDoNotDisturbChanged = defineEvent({
  id: 1281,
  name: 'asnCtiNotifyLineDoNotDisturbChanged',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyLineDoNotDisturbChangedArgument,
});

export const AsnCtiNotifyLineForwardingChangedArgument = asnSequence('AsnCtiNotifyLineForwardingChangedArgument', {
  u8sMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  seqLineForwards: AsnLineForwards,
});
export type AsnCtiNotifyLineForwardingChangedArgument = z.infer<typeof AsnCtiNotifyLineForwardingChangedArgument>;

export const asnCtiNotifyLineForwardingChanged = defineEvent({
  id: 1282,
  name: 'asnCtiNotifyLineForwardingChanged',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyLineForwardingChangedArgument,
});

export const AsnCtiNotifyLineCallInformationChangedArgument = asnSequence(
  'AsnCtiNotifyLineCallInformationChangedArgument',
  {
    u8sMonitorCrossRefID: asnString,
    u8sLinePhoneNumber: asnString,
    /** `AsnCtiCallInfoChangedReason`. */
    reason: asnInt,
    /** All lower case on the wire. */
    callinformation: AsnCtiCallInformation,
  },
);
export type AsnCtiNotifyLineCallInformationChangedArgument = z.infer<
  typeof AsnCtiNotifyLineCallInformationChangedArgument
>;

export const asnCtiNotifyLineCallInformationChanged = defineEvent({
  id: 1283,
  name: 'asnCtiNotifyLineCallInformationChanged',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyLineCallInformationChangedArgument,
});

export const AsnCtiNotifyLineAddRemoveArgument = asnSequence('AsnCtiNotifyLineAddRemoveArgument', {
  /** The id returned by asnCtiEnumPhoneLines. */
  u8sLineMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  /** `AsnCtiLineAddRemove`. */
  addremove: asnInt,
  lineInfo: AsnCtiLineInfo,
});
export type AsnCtiNotifyLineAddRemoveArgument = z.infer<typeof AsnCtiNotifyLineAddRemoveArgument>;

export const asnCtiNotifyLineAddRemove = defineEvent({
  id: 1284,
  name: 'asnCtiNotifyLineAddRemove',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyLineAddRemoveArgument,
});

export const AsnCtiNotifyMakeCallResultArgument = asnSequence('AsnCtiNotifyMakeCallResultArgument', {
  u8sLinePhoneNumber: asnString,
  u8sConnectionID: asnString,
  /** 1 = the PBX accepted the dial, 0 = failed. */
  success: asnInt,
});
export type AsnCtiNotifyMakeCallResultArgument = z.infer<typeof AsnCtiNotifyMakeCallResultArgument>;

export const asnCtiNotifyMakeCallResult = defineEvent({
  id: 1285,
  name: 'asnCtiNotifyMakeCallResult',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyMakeCallResultArgument,
});

export const AsnCtiNotifyLineCallFeaturesChangedArgument = asnSequence('AsnCtiNotifyLineCallFeaturesChangedArgument', {
  u8sLineMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  callFeaturesList: AsnCtiCallFeaturesList,
});
export type AsnCtiNotifyLineCallFeaturesChangedArgument = z.infer<typeof AsnCtiNotifyLineCallFeaturesChangedArgument>;

/** Sent when only call features change. */
export const asnCtiNotifyLineCallFeaturesChanged = defineEvent({
  id: 1290,
  name: 'asnCtiNotifyLineCallFeaturesChanged',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyLineCallFeaturesChangedArgument,
});

export const AsnCtiNotifyMonitorStoppedArgument = asnSequence('AsnCtiNotifyMonitorStoppedArgument', {
  u8sMonitorCrossRefID: asnString,
});
export type AsnCtiNotifyMonitorStoppedArgument = z.infer<typeof AsnCtiNotifyMonitorStoppedArgument>;

/** The server closed a monitor (e.g. configuration change); the client forgets it. */
export const asnCtiNotifyMonitorStopped = defineEvent({
  id: 1294,
  name: 'asnCtiNotifyMonitorStopped',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyMonitorStoppedArgument,
});
