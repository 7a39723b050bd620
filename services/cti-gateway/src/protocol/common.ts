/**
 * Shared structures of `ENetUC_Common.asn1` (UC-Server-Access-Protocol-Common) and
 * `ENetUC_Common_SIPCTI.asn1` (…-SIPCTICommon). No operations are declared here.
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
} from '../codec/estosJson.ts';

// ---------------------------------------------------------------------------------------------------
// ENetUC_Common
// ---------------------------------------------------------------------------------------------------

/** UTF8StringList: `SEQUENCE OF UTF8String`. */
export const UTF8StringList = asnStringList;
export type UTF8StringList = z.infer<typeof UTF8StringList>;

/**
 * AsnOptionalParameters: array or map notation in, map notation out (see `asnOptionalParams`).
 * In memory: `Record<key, string | number | Uint8Array>` (stringdata / integerdata / binarydata).
 */
export const AsnOptionalParameters = asnOptionalParams;
export type AsnOptionalParameters = z.infer<typeof AsnOptionalParameters>;

/** Key/value pair of strings. */
export const AsnStringPair = asnSequence('AsnStringPair', {
  key: asnString,
  value: asnString,
});
export type AsnStringPair = z.infer<typeof AsnStringPair>;

export const AsnStringPairList = z.array(AsnStringPair);
export type AsnStringPairList = z.infer<typeof AsnStringPairList>;

/** The only error type of the subset: an operation-specific number plus readable text. */
export const AsnRequestError = asnSequence('AsnRequestError', {
  iErrorDetail: asnInt,
  u8sErrorString: asnString,
});
export type AsnRequestError = z.infer<typeof AsnRequestError>;

/** Runtime-defined key/value store of a contact. */
export const AsnUserPropertyBag = asnSequence('AsnUserPropertyBag', {
  asnProperties: AsnStringPairList,
});
export type AsnUserPropertyBag = z.infer<typeof AsnUserPropertyBag>;

/**
 * Contact data; all 58 members OPTIONAL, so `{}` is a valid contact. `u8sEntryIDDB`, `u8sEntryIDStore`,
 * `u8sEntryID` identify the source record. `optionalParams` key `jpegPhoto` carries binarydata.
 */
export const AsnNetDatabaseContact = asnSequence('AsnNetDatabaseContact', {
  u8sFound: asnOptional(asnString),
  u8sDatabaseName: asnOptional(asnString),
  u8sEntryIDDB: asnOptional(asnString),
  u8sEntryIDStore: asnOptional(asnString),
  u8sEntryID: asnOptional(asnString),
  u8sCtiServerUserName: asnOptional(asnString),
  u8sDisplayName: asnOptional(asnString),
  u8sFirstName: asnOptional(asnString),
  u8sLastName: asnOptional(asnString),
  u8sJobTitle: asnOptional(asnString),
  u8sCompany: asnOptional(asnString),
  u8sDepartment: asnOptional(asnString),
  u8sOfficeRoomNumber: asnOptional(asnString),
  u8sCustomerID: asnOptional(asnString),
  u8sBusinessAddressStreet: asnOptional(asnString),
  u8sBusinessAddressPostalCode: asnOptional(asnString),
  u8sBusinessAddressCity: asnOptional(asnString),
  u8sBusinessAddressState: asnOptional(asnString),
  u8sBusinessAddressCountry: asnOptional(asnString),
  u8sPrivateAddressStreet: asnOptional(asnString),
  u8sPrivateAddressPostalCode: asnOptional(asnString),
  u8sPrivateAddressCity: asnOptional(asnString),
  u8sPrivateAddressState: asnOptional(asnString),
  u8sPrivateAddressCountry: asnOptional(asnString),
  u8sOtherAddressStreet: asnOptional(asnString),
  u8sOtherAddressPostalCode: asnOptional(asnString),
  u8sOtherAddressCity: asnOptional(asnString),
  u8sOtherAddressState: asnOptional(asnString),
  u8sOtherAddressCountry: asnOptional(asnString),
  u8sEMail: asnOptional(asnString),
  u8sEMail2: asnOptional(asnString),
  u8sEMail3: asnOptional(asnString),
  u8sSIPAddress: asnOptional(asnString),
  u8sWebPageURL: asnOptional(asnString),
  u8sPhoneBusiness: asnOptional(asnString),
  u8sPhoneBusiness2: asnOptional(asnString),
  u8sCompanyMainTelephoneNumber: asnOptional(asnString),
  u8sAssistantTelephoneNumber: asnOptional(asnString),
  u8sPhoneHome: asnOptional(asnString),
  u8sPhoneHome2: asnOptional(asnString),
  u8sPrimaryTelephoneNumber: asnOptional(asnString),
  u8sPhoneMobile: asnOptional(asnString),
  u8sCarTelephoneNumber: asnOptional(asnString),
  u8sRadioTelephoneNumber: asnOptional(asnString),
  u8sPagerTelephoneNumber: asnOptional(asnString),
  u8sOtherTelephoneNumber: asnOptional(asnString),
  u8sCallbackTelephoneNumber: asnOptional(asnString),
  u8sISDNTelephoneNumber: asnOptional(asnString),
  u8sTTYTTDTelephoneNumber: asnOptional(asnString),
  u8sFaxBusiness: asnOptional(asnString),
  u8sFaxHome: asnOptional(asnString),
  /** Also called "note". */
  u8sBody: asnOptional(asnString),
  u8sDirectWebLink: asnOptional(asnString),
  customFields: asnOptional(AsnStringPairList),
  bValid: asnOptional(asnBool),
  iPrivateContact: asnOptional(asnInt),
  iCtiServerUser: asnOptional(asnInt),
  optionalParams: asnOptional(AsnOptionalParameters),
});
export type AsnNetDatabaseContact = z.infer<typeof AsnNetDatabaseContact>;

// ---------------------------------------------------------------------------------------------------
// ENetUC_Common_SIPCTI
// ---------------------------------------------------------------------------------------------------

/** `iProjectType` of AsnProjectPinRule. */
export const EnumProjectType = {
  ePROJECTTYPEUNKNOWN: 0,
  ePROJECTTYPEPBX: 1,
  ePROJECTTYPEJOURNAL: 2,
  ePROJECTTYPEJOURNALPBX: 3,
  ePROJECTTYPEPBXPRIVATE: 4,
} as const;
export type EnumProjectType = (typeof EnumProjectType)[keyof typeof EnumProjectType];

/** Journal call types (same numbers as `AsnNetDatabaseJournalCallType`). */
export const EAsnJournalCallType = {
  eCTICall: 0,
  eVideoChat: 1,
  eAudioChat: 2,
  eAudioVideoChat: 3,
  eIM: 4,
  eBluetoothMobile: 5,
  eBluetoothMobileUnknownDuration: 6,
  eSipAVCall: 7,
  eSMS: 8,
  eScreenSharing: 9,
  eRequestedScreenSharing: 10,
} as const;
export type EAsnJournalCallType = (typeof EAsnJournalCallType)[keyof typeof EAsnJournalCallType];

/** Lower-case twin of `EnumCallState` (same numbers). */
export const EAsnCallState = {
  unknown: 0,
  destroyed: 1,
  offering: 2,
  dialing: 4,
  ringback: 8,
  busy: 16,
  connected: 32,
  conferenced: 64,
  hold: 128,
  disconnected: 256,
  preparecall: 512,
} as const;
export type EAsnCallState = (typeof EAsnCallState)[keyof typeof EAsnCallState];

/** `iType` of AsnCtiLineInfo / AsnContactPhoneLineV2. */
export const AsnContactPhoneLineType = {
  iPHONENUMBERTYPEALL: -1,
  iPHONENUMBERTYPEUNKNOWN: 0,
  iPHONENUMBERTYPEPRIMARY: 1,
  iPHONENUMBERTYPESECONDARY: 2,
  iPHONENUMBERTYPEOTHEROWNNUMBER: 3,
} as const;
export type AsnContactPhoneLineType = (typeof AsnContactPhoneLineType)[keyof typeof AsnContactPhoneLineType];

/** `iType` of AsnConfigSTUNandTURN. */
export const EnumSTUNandTURNType = {
  eSTUN: 1,
  eTURN: 2,
} as const;
export type EnumSTUNandTURNType = (typeof EnumSTUNandTURNType)[keyof typeof EnumSTUNandTURNType];

/** Project/PIN applied to a call; send an all-empty rule when there is none. All members mandatory. */
export const AsnProjectPinRule = asnSequence('AsnProjectPinRule', {
  u8sProjectName: asnString,
  u8sProjectPin: asnString,
  /** `EnumProjectType`. */
  iProjectType: asnInt,
  bAssociatedCallIsPrivateCall: asnBool,
  u8sLocationID: asnString,
  u8sUserEnteredPin: asnString,
  u8sUserEnteredUserID: asnString,
});
export type AsnProjectPinRule = z.infer<typeof AsnProjectPinRule>;

export const AsnProjectPinRuleList = z.array(AsnProjectPinRule);
export type AsnProjectPinRuleList = z.infer<typeof AsnProjectPinRuleList>;

/**
 * Extra data for a new call (asnCtiMakeCall, asnAVMakeCallV2, asnAVNewCallV2). `optionalParams` keys:
 * `Address` int, `FeatureCodeDialing`, `FindAndValidateProject` string, `ProjectErrorHandling` int,
 * `DialRemoteOffice` int, `RemoteOfficeNumber` string (and an unspecified `calldata`).
 */
export const AsnCtiNewCallParams = asnSequence('AsnCtiNewCallParams', {
  projectPinRule: AsnProjectPinRule,
  bHideMyCallerID: asnBool,
  asnRemoteContact: asnOptional(AsnNetDatabaseContact),
  optionalParams: asnOptional(AsnOptionalParameters),
});
export type AsnCtiNewCallParams = z.infer<typeof AsnCtiNewCallParams>;

/** One forwarding entry of a line. All members mandatory. */
export const AsnLineForward = asnSequence('AsnLineForward', {
  iInternalID: asnInt,
  /** `EnumForwardController`. */
  iForwardController: asnInt,
  /** `EnumForwardModes` bits. */
  iForwardMode: asnInt,
  iBackEndSpecific: asnInt,
  /** Seconds; 0 = default. */
  iNoAnswerTime: asnInt,
  u8sDestination: asnString,
  u8sCallerIDList: UTF8StringList,
});
export type AsnLineForward = z.infer<typeof AsnLineForward>;

export const AsnLineForwards = z.array(AsnLineForward);
export type AsnLineForwards = z.infer<typeof AsnLineForwards>;
