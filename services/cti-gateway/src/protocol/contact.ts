/**
 * The "who am I" contact: `AsnContactV2` and what it is made of, from `ENetUC_Common_AsnContact.asn1`
 * (…-AsnContactCommon) and `ENetUC_Common_Appointments.asn1` (…-AppointmentsCommon), plus the presence
 * and rights bit sets of the Main module that describe its integers.
 */
import { z } from 'zod';
import {
  asnBool,
  asnInt,
  asnOptional,
  asnOptionalParams,
  asnSequence,
  asnString,
  asnStringList,
  asnTime,
} from '../codec/estosJson.ts';
import { AsnLineForwards, AsnNetDatabaseContact, AsnUserPropertyBag } from './common.ts';

/** Low byte of a presence state (`iPresenceState & 0xff`). */
export const AsnPresenceStateEnum = {
  eUNCONTROLLED: 0,
  eAVAILABLE: 1,
  eBUSY: 2,
  eABSENT: 3,
  eDONOTDISTURB: 4,
  eOUTOFORDER: 7,
} as const;
export type AsnPresenceStateEnum = (typeof AsnPresenceStateEnum)[keyof typeof AsnPresenceStateEnum];

/** Flag bits of a presence state. */
export const AsnPresenceStateFlags = {
  eWORKINGAFTERCALL: 0x0001_0000,
  eCONFERENCING: 0x0002_0000,
  eRINGING: 0x0100_0000,
  eAPPOINTMENT: 0x0200_0000,
  eCALL: 0x0400_0000,
  eOFFLINE: 0x0800_0000,
  eNOTESET: 0x1000_0000,
  eIDLE: 0x2000_0000,
  eMOBILEAVAILABLITY: 0x4000_0000,
} as const;
export type AsnPresenceStateFlags = (typeof AsnPresenceStateFlags)[keyof typeof AsnPresenceStateFlags];

/** Masks separating state and flags of a presence value. */
export const AsnPresenceStateMasks = {
  ePresenceStateMask: 0x0000_00ff,
  ePresenceStateFlagsMaskAdd: 0x00ff_0000,
  ePresenceStateFlagsMask: 0x7f00_0000,
} as const;
export type AsnPresenceStateMasks = (typeof AsnPresenceStateMasks)[keyof typeof AsnPresenceStateMasks];

/** `iContactFeatureSet` bits: what the current user may do on a contact. */
export const AsnContactFeatureSetEnum = {
  eCONTACTFEATURENONE: 0,
  eCONTACTFEATUREDIAL: 1,
  eCONTACTFEATURESETFORWARDL1: 2,
  eCONTACTFEATURESETFORWARDL2: 4,
  eCONTACTFEATURESWAP: 8,
  eCONTACTFEATUREANSWER: 16,
  eCONTACTFEATUREHANGUP: 32,
  eCONTACTFEATUREPICKUPL1: 64,
  eCONTACTFEATUREPICKUPL2: 128,
  eCONTACTFEATUREHOLD: 256,
  eCONTACTFEATUREMESSAGE: 512,
  eCONTACTFEATUREREDIRECT: 1024,
  eCONTACTFEATURESETABSENT: 2048,
} as const;
export type AsnContactFeatureSetEnum = (typeof AsnContactFeatureSetEnum)[keyof typeof AsnContactFeatureSetEnum];

/** `iStaticRights` bits. */
export const AsnUserStaticRights = {
  eUSERRIGHTSSENDUSERUSER: 0x0000_0001,
  eUSERRIGHTSSENDSMS: 0x0000_0002,
  eUSERRIGHTSEMPTY: 0x0000_0004,
  eUSERRIGHTSUSEPROCALL: 0x0000_0008,
  eUSERRIGHTSSELFADMIN: 0x0000_0020,
  eUSERRIGHTSUSERCTI: 0x0000_0040,
  eDONOTUSE: 0x0000_0080,
  eUSERRIGHTSOFFLINEMAIL: 0x0000_0100,
  eUSERRIGHTSCALLRECORDING: 0x0000_0200,
  eUSERRIGHTSUSEPHONEBOOK: 0x0000_0400,
  eUSERRIGHTSUSERPRESENCE: 0x0000_0800,
  eUSERRIGHTSGROUPALLINMONITOR: 0x0000_1000,
  eUSERRIGHTSGROUPNOCHANGEMONITOR: 0x0000_2000,
  eUSERRIGHTSGROUPVIEWJOURNAL: 0x0000_4000,
  eUSERRIGHTSGROUPVIEWJOURNALLEADER: 0x0000_8000,
  eUSERRIGHTSGROUPEDITJOURNAL: 0x0001_0000,
  eDONOTUSE2: 0x0002_0000,
  eDONOTUSE3: 0x0004_0000,
  eUSERRIGHTSUSERVIEWJOURNAL: 0x0008_0000,
  eUSERRIGHTSGLOBALDELETEJOURNAL: 0x0010_0000,
  eUSERRIGHTSOFFLINESMS: 0x0020_0000,
  eUSERRIGHTSDESKSHAREACCEPT: 0x0040_0000,
  eUSERRIGHTSDESKSHAREFULL: 0x0080_0000,
  eDONOTUSE4: 0x0100_0000,
  eUSERRIGHTSAVAUDIO: 0x0200_0000,
  eUSERRIGHTSAVVIDEO: 0x0400_0000,
  eUSERRIGHTSFEDDESKSHARE: 0x0800_0000,
} as const;
export type AsnUserStaticRights = (typeof AsnUserStaticRights)[keyof typeof AsnUserStaticRights];

/** `iStaticRights2` bits. */
export const AsnUserStaticRights2 = {
  eUSERRIGHTS2ENABLEFORANONYMOUSAPI: 0x0001,
  eUSERRIGHTS2LOGINOVERINTERNET: 0x0002,
  eUSERRIGHTS2LOGINBYMOBILE: 0x0004,
  eUSERRIGHTS2ENABLEAGENTMANAGER: 0x0008,
  eUSERRIGHTS2ISAGENTSUPERVISOR: 0x0010,
  eUSERRIGHTS2GROUPFORPUBLICCHAT: 0x0020,
  eUSERRIGHTS2GROUPFORPORTAL: 0x0040,
  eUSERRIGHTS2GROUPFORMONITOR: 0x0080,
  eUSERRIGHTS2ENABLECONTENTSHARINGFILES: 0x0200,
  eUSERRIGHTS2ENABLECONTENTSHARINGLOCATION: 0x0400,
  eUSERRIGHTS2ENABLECONTENTSHARINGCONTACTS: 0x0800,
  eUSERRIGHTS2USECONFERENCING: 0x1000,
  eUSERRIGHTS2USETEAMS: 0x2000,
  eUSERRIGHTS2ALLOWLOGININTERNETDESKTOP: 0x4000,
  eUSERRIGHTS2USEWEBAPP: 0x8000,
} as const;
export type AsnUserStaticRights2 = (typeof AsnUserStaticRights2)[keyof typeof AsnUserStaticRights2];

/** `iState` of AsnContactPhoneLineV2. */
export const AsnContactPhoneLineState = {
  eLINEOFFLINE: 0,
  eLINEONLINE: 1,
} as const;
export type AsnContactPhoneLineState = (typeof AsnContactPhoneLineState)[keyof typeof AsnContactPhoneLineState];

/** `eAbsentState` of AsnAbsentStateV2. */
export const AsnAbsentStateEnum = {
  eABSENTSTATENOTABSENT: 0,
  eABSENTSTATEOUTOFOFFICE: 1,
  eABSENTSTATEBUSY: 2,
  eABSENTSTATEDONOTDISTURB: 3,
  eABSENTSTATENOTSET: 4,
} as const;
export type AsnAbsentStateEnum = (typeof AsnAbsentStateEnum)[keyof typeof AsnAbsentStateEnum];

/** `eReachability` of AsnAbsentStateV2. */
export const AsnReachabilityEnum = {
  eREACHABILITYNORMAL: 0,
  eREACHABILITYPAUSE: 1,
  eREACHABILITYBUSINESSTRIP: 2,
  eREACHABILITYHOMEOFFICE: 3,
  eREACHABILITYVACATION: 4,
  eREACHABILITYUNREACHABLE: 5,
} as const;
export type AsnReachabilityEnum = (typeof AsnReachabilityEnum)[keyof typeof AsnReachabilityEnum];

/** `eType` of AsnExternalPresenceState. */
export const AsnExternalPresenceType = {
  eMSTeams: 0,
} as const;
export type AsnExternalPresenceType = (typeof AsnExternalPresenceType)[keyof typeof AsnExternalPresenceType];

/** `iStatus` of AsnAppointmentEntry. */
export const EnumAppointmentState = {
  eAPPOINTMENTSTATUSFREE: 0,
  eAPPOINTMENTSTATUSTENTATIVE: 1,
  eAPPOINTMENTSTATUSBUSY: 2,
  eAPPOINTMENTSTATUSOUTOFOFFICE: 3,
} as const;
export type EnumAppointmentState = (typeof EnumAppointmentState)[keyof typeof EnumAppointmentState];

/** `iImportance` of AsnAppointmentEntry. */
export const EnumAppointmentImportance = {
  eAPPOINTMENTIMPORTANCELESS: 0,
  eAPPOINTMENTIMPORTANCENORMAL: 1,
  eAPPOINTMENTIMPORTANCEURGENT: 2,
} as const;
export type EnumAppointmentImportance = (typeof EnumAppointmentImportance)[keyof typeof EnumAppointmentImportance];

/** `iSensitivity` of AsnAppointmentEntry. */
export const EnumAppointmentSensitivity = {
  eAPPOINTMENTSENSITIVITYNORMAL: 0,
  eAPPOINTMENTSENSITIVITYPERSONAL: 1,
  eAPPOINTMENTSENSITIVITYPRIVATE: 2,
  eAPPOINTMENTSENSITIVITYCONFIDENTIAL: 3,
} as const;
export type EnumAppointmentSensitivity = (typeof EnumAppointmentSensitivity)[keyof typeof EnumAppointmentSensitivity];

/** A call as the presence model shows it on a contact's line. */
export const AsnContactCallInformationV2 = asnSequence('AsnContactCallInformationV2', {
  u8sContactChangedId: asnString,
  iPresenceState: asnInt,
  u8sConnectionID: asnString,
  u8sLinePhoneNumber: asnString,
  iCallState: asnInt,
  iDisconnectedReason: asnInt,
  iFeatures: asnInt,
  bOutbound: asnBool,
  bInternal: asnBool,
  bPrivate: asnBool,
  iCallRecordingState: asnInt,
  bConferenceCtlr: asnBool,
  u8sCurrentNumberSC: asnString,
  u8sTrackerID: asnString,
  u8sLocalCurrentNumberSC: asnString,
  u8sRedirectingNumber: asnOptional(asnString),
  remoteContact: asnOptional(AsnNetDatabaseContact),
});
export type AsnContactCallInformationV2 = z.infer<typeof AsnContactCallInformationV2>;

/** Parameters of a SIP line. */
export const AsnSIPLineDetails = asnSequence('AsnSIPLineDetails', {
  iSIPAVMediaMode: asnInt,
  iSIPAVAudioCodecs: z.array(asnInt),
  iMinPort: asnInt,
  iMaxPort: asnInt,
});
export type AsnSIPLineDetails = z.infer<typeof AsnSIPLineDetails>;

/** A line in the presence model. */
export const AsnContactPhoneLineV2 = asnSequence('AsnContactPhoneLineV2', {
  /** `AsnContactPhoneLineType`. */
  iType: asnInt,
  u8sLinePhoneNumber: asnString,
  u8sDescriptor: asnString,
  u8sNumber: asnString,
  seqCalls: z.array(AsnContactCallInformationV2),
  seqLineForwards: AsnLineForwards,
  /** `AsnContactPhoneLineState`. */
  iState: asnInt,
  bDoNotDisturb: asnBool,
  iForwardFeaturesPBX: asnInt,
  u8sAddressNames: asnStringList,
  u8sAddressCaps: asnString,
  u8sCTIFeatureCodes: asnString,
  bIsPrivateLine: asnOptional(asnBool),
  bIsVoiceServicesLine: asnOptional(asnBool),
  sipLineDetails: asnOptional(AsnSIPLineDetails),
});
export type AsnContactPhoneLineV2 = z.infer<typeof AsnContactPhoneLineV2>;

export const AsnExternalPresenceState = asnSequence('AsnExternalPresenceState', {
  u8sUserName: asnString,
  iState: asnInt,
  /** `AsnExternalPresenceType`. */
  eType: asnInt,
});
export type AsnExternalPresenceState = z.infer<typeof AsnExternalPresenceState>;

/** The manually set ("absent") presence of a user. */
export const AsnAbsentStateV2 = asnSequence('AsnAbsentStateV2', {
  u8sContactId: asnString,
  /** `AsnAbsentStateEnum`. */
  eAbsentState: asnInt,
  iPresenceState: asnOptional(asnInt),
  stTimeFrom: asnOptional(asnTime),
  stTimeTo: asnOptional(asnTime),
  /** `AsnReachabilityEnum`. */
  eReachability: asnOptional(asnInt),
  externalPresenceStates: asnOptional(z.array(AsnExternalPresenceState)),
});
export type AsnAbsentStateV2 = z.infer<typeof AsnAbsentStateV2>;

/** The user-defined note of a contact. */
export const AsnCustomNote = asnSequence('AsnCustomNote', {
  u8sContactID: asnString,
  u8sUsername: asnString,
  u8sNote: asnString,
});
export type AsnCustomNote = z.infer<typeof AsnCustomNote>;

/** A calendar entry; `optionalParams` key `Location` string. */
export const AsnAppointmentEntry = asnSequence('AsnAppointmentEntry', {
  u8sEntryID: asnString,
  u8sOwner: asnString,
  u8sDataSource: asnString,
  stStart: asnTime,
  stEnd: asnTime,
  iDuration: asnInt,
  u8sSubject: asnString,
  u8sText: asnString,
  bAllDay: asnBool,
  /** `EnumAppointmentState`. */
  iStatus: asnInt,
  u8sCategory: asnString,
  /** `EnumAppointmentImportance`. */
  iImportance: asnInt,
  /** `EnumAppointmentSensitivity`. */
  iSensitivity: asnInt,
  bIsValid: asnBool,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnAppointmentEntry = z.infer<typeof AsnAppointmentEntry>;

export const SEQAppointmentList = z.array(AsnAppointmentEntry);
export type SEQAppointmentList = z.infer<typeof SEQAppointmentList>;

/** A contact with its static data and dynamic presence ("ActiveContact"). All members mandatory. */
export const AsnContactV2 = asnSequence('AsnContactV2', {
  u8sContactId: asnString,
  /** `AsnContactFeatureSetEnum` bits. */
  iContactFeatureSet: asnInt,
  /** Low byte `AsnPresenceStateEnum`, high bits `AsnPresenceStateFlags`. */
  iPresenceState: asnInt,
  /** `AsnUserStaticRights` bits. */
  iStaticRights: asnInt,
  /** `AsnUserStaticRights2` bits. */
  iStaticRights2: asnInt,
  iMonitorAccessRights: asnInt,
  asnRemoteContact: AsnNetDatabaseContact,
  seqPhoneLines: z.array(AsnContactPhoneLineV2),
  asnAbsentState: AsnAbsentStateV2,
  asnCustomNote: AsnCustomNote,
  seqActualAppointments: SEQAppointmentList,
  asnNextAppointment: AsnAppointmentEntry,
  asnUserPropertyBag: AsnUserPropertyBag,
});
export type AsnContactV2 = z.infer<typeof AsnContactV2>;

/**
 * The smallest valid AsnContactV2 for a contact id: every mandatory member present with empty strings,
 * zeros, `""` times and empty lists (the subset reference §4.1 "minimal valid instance").
 */
export function minimalContactV2(u8sContactId: string, u8sDisplayName?: string): AsnContactV2 {
  return {
    u8sContactId,
    iContactFeatureSet: 0,
    iPresenceState: AsnPresenceStateEnum.eAVAILABLE,
    iStaticRights: 0,
    iStaticRights2: 0,
    iMonitorAccessRights: 0,
    asnRemoteContact: u8sDisplayName === undefined ? {} : { u8sDisplayName },
    seqPhoneLines: [],
    asnAbsentState: { u8sContactId, eAbsentState: AsnAbsentStateEnum.eABSENTSTATENOTABSENT },
    asnCustomNote: { u8sContactID: u8sContactId, u8sUsername: u8sDisplayName ?? '', u8sNote: '' },
    seqActualAppointments: [],
    asnNextAppointment: {
      u8sEntryID: '',
      u8sOwner: '',
      u8sDataSource: '',
      stStart: '',
      stEnd: '',
      iDuration: 0,
      u8sSubject: '',
      u8sText: '',
      bAllDay: false,
      iStatus: EnumAppointmentState.eAPPOINTMENTSTATUSFREE,
      u8sCategory: '',
      iImportance: EnumAppointmentImportance.eAPPOINTMENTIMPORTANCENORMAL,
      iSensitivity: EnumAppointmentSensitivity.eAPPOINTMENTSENSITIVITYNORMAL,
      bIsValid: false,
    },
    asnUserPropertyBag: { asnProperties: [] },
  };
}
