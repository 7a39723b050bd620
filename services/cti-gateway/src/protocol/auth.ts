/**
 * Negotiation and login: `ENetUC_Auth.asn1` (UC-Server-Access-Protocol-Auth) with the login types of
 * `ENetUC_Common_Auth.asn1` (…-AuthCommon). Note the spellings `succceeded` (three c) and
 * `sAuthCredetials`, which are part of the wire format.
 */
import { z } from 'zod';
import {
  asnBool,
  asnChoice,
  asnInt,
  asnOctets,
  asnOptional,
  asnOptionalParams,
  asnSequence,
  asnString,
  asnStringList,
  asnTime,
} from '../codec/estosJson.ts';
import { AsnContactV2 } from './contact.ts';
import { defineEvent, defineInvoke } from './operation.ts';

// ---------------------------------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------------------------------

/** `eClientAppID` of the negotiate argument (11–14 retired). */
export const AsnClientAppID = {
  eCLIENTAPPIDUNKNOWN: 0,
  eCLIENTAPPIDPROCALL: 1,
  eCLIENTAPPIDCLNINST: 2,
  eCLIENTAPPIDENETSN: 3,
  eCLIENTAPPIDENETTSC: 4,
  eCLIENTAPPIDIVRDLL: 5,
  eCLIENTAPPIDECTISRVCMD: 6,
  eCLIENTAPPIDMOBILE: 7,
  eCLIENTAPPIDMOBILEPAD: 8,
  eCLIENTAPPIDWEBSERVICESDK: 9,
  eCLIENTAPPIDMAC: 10,
  eCLIENTAPPIDPROCALLWEB: 15,
  eCLIENTAPPIDPROCALLSIP: 16,
  eCLIENTAPPIDPROCALLXMPP: 17,
  eCLIENTAPPIDPROCALLONE: 18,
  eCLIENTAPPIDPUSHSERVICE: 19,
  eCLIENTAPPIDPROCALLANALYTICS: 20,
  eCLIENTAPPIDWEBLIVECHAT: 21,
  eCLIENTAPPIDEXCHANGECALENDARREPLICATOR: 22,
  eCLIENTAPPIDPROCALLPAC: 23,
  eCLIENTAPPIDPROCALLPCB: 24,
  eCLIENTAPPIDWEBCONFERENCING: 25,
  eCLIENTAPPIDPROCALLWEBAPP: 26,
  eCLIENTAPPIDWEBVIEW2CLIENT: 27,
  eCLIENTAPPIDMSTEAMSAPP: 28,
} as const;
export type AsnClientAppID = (typeof AsnClientAppID)[keyof typeof AsnClientAppID];

/** `iClientCapabilities` bits. */
export const AsnNegotiateServerConnectionClientCapabilities = {
  eNONE: 0,
  /** The client implements ENetUC_AV (softphone). */
  eSOFTPHONE: 1,
  /** The client wants an AV line. */
  eAVLINE: 2,
  /** The client understands the 2024 "V2" events. */
  eASN1V2EVENTS: 4,
} as const;
export type AsnNegotiateServerConnectionClientCapabilities =
  (typeof AsnNegotiateServerConnectionClientCapabilities)[keyof typeof AsnNegotiateServerConnectionClientCapabilities];

/** `eServerType` of the negotiate result. */
export const AsnNegotiateServerConnectionServerTypeV2 = {
  ePROCALLENTERPRISE: 0,
  eTAPISERVER: 1,
  ePROCALLINFINITY: 2,
  ePROCALLNEX: 3,
} as const;
export type AsnNegotiateServerConnectionServerTypeV2 =
  (typeof AsnNegotiateServerConnectionServerTypeV2)[keyof typeof AsnNegotiateServerConnectionServerTypeV2];

/** `eAuthenticationMethod` of the negotiate result. */
export const AsnNegotiateServerConnectionAuthenticationMethod = {
  ePASSWORD: 0,
  eDOMAIN: 1,
  eOAUTH: 2,
} as const;
export type AsnNegotiateServerConnectionAuthenticationMethod =
  (typeof AsnNegotiateServerConnectionAuthenticationMethod)[keyof typeof AsnNegotiateServerConnectionAuthenticationMethod];

/**
 * `iErrorDetail` values of a refused login (documented for createsession; used for asnLoginV2 too, §6).
 */
export const AsnLogonErrorEnum = {
  eNETLOGININTERNALSERVERERROR: 100,
  eNETLOGININVALUSERNAME: 101,
  eNETLOGINNOMOREUSERS: 103,
  eNETLOGININVALIDVERSION: 104,
  eNETLOGINNEGOTIATIONREQUIRED: 105,
  eNETLOGININVALIDAUTHENTICATIONMETHOD: 106,
  eNETLOGINUSERNOTENABLED: 107,
  eNETLOGININVALIDCOMPUTERNAME: 108,
  eNETLOGINDOMAINAUTHFAILED: 109,
  eNETLOGINMISSINGRIGHTS: 110,
  eNETLOGINMISSINGRIGHTSTS: 111,
  eNETLOGINSERVERNOTCOMPATIBLE: 112,
  eNETLOGINALREADYAUTHENTICATED: 113,
  eNETLOGINTLSREQUIRED: 114,
  eNETLOGINACCOUNTPASSWORDLOCKED: 129,
  eNETLOGINTOKENEXIRED: 130,
  eNETLOGINTOOMANYATTEMPTS: 131,
  eNETLOGINWRONGPACMODE: 133,
} as const;
export type AsnLogonErrorEnum = (typeof AsnLogonErrorEnum)[keyof typeof AsnLogonErrorEnum];

/** Entries of `authMethodsOrdered` (order = the server's preference). */
export const AsnLoginV2SupportedAuthMethod = {
  noneOrUnknown: 0,
  basic: 1,
  digest: 2,
  ntlm: 3,
  kerberos: 4,
  bearer: 5,
  openidc: 6,
} as const;
export type AsnLoginV2SupportedAuthMethod = (typeof AsnLoginV2SupportedAuthMethod)[keyof typeof AsnLoginV2SupportedAuthMethod];

// ---------------------------------------------------------------------------------------------------
// asnNegotiateServerConnectionV2 (1006)
// ---------------------------------------------------------------------------------------------------

export const AsnNegotiateServerConnectionAnonymousDataArgument = asnSequence(
  'AsnNegotiateServerConnectionAnonymousDataArgument',
  {
    /** Fingerprint to re-identify the client. */
    u8sHintData: asnString,
    /** Acts as password. */
    u8sToken: asnString,
  },
);
export type AsnNegotiateServerConnectionAnonymousDataArgument = z.infer<
  typeof AsnNegotiateServerConnectionAnonymousDataArgument
>;

export const AsnNegotiateServerConnectionV2Argument = asnSequence('AsnNegotiateServerConnectionV2Argument', {
  u8sMinSupportedInterfaceVersion: asnString,
  u8sMaxSupportedInterfaceVersion: asnString,
  u8sClientDeviceId: asnString,
  u8sClientVersion: asnString,
  /** `AsnClientAppID` (any integer accepted, for clients newer than this list). */
  eClientAppID: asnInt,
  u8sClientDeviceName: asnString,
  /** `AsnNegotiateServerConnectionClientCapabilities` bits. */
  iClientCapabilities: asnInt,
  u8sConnectionGUID: asnOptional(asnString),
  eAnonymousLogin: asnOptional(AsnNegotiateServerConnectionAnonymousDataArgument),
});
export type AsnNegotiateServerConnectionV2Argument = z.infer<typeof AsnNegotiateServerConnectionV2Argument>;

export const AsnNegotiateServerConnectionAnonymousDataResult = asnSequence(
  'AsnNegotiateServerConnectionAnonymousDataResult',
  {
    u8sUsername: asnString,
    u8sToken: asnString,
  },
);
export type AsnNegotiateServerConnectionAnonymousDataResult = z.infer<typeof AsnNegotiateServerConnectionAnonymousDataResult>;

export const AsnNegotiateServerConnectionV2Result = asnSequence('AsnNegotiateServerConnectionV2Result', {
  /** `AsnNegotiateServerConnectionServerTypeV2`. */
  eServerType: asnInt,
  u8sServerInterfaceVersion: asnString,
  /** `AsnNegotiateServerConnectionAuthenticationMethod`. */
  eAuthenticationMethod: asnInt,
  /** Legacy seed/realm; empty is valid. */
  sServerAuthentication: asnOctets,
  stServerTime: asnTime,
  u8sServerVersion: asnString,
  u8sConnectionGUID: asnString,
  u8sPresenceDomains: asnStringList,
  iOEM: asnOptional(asnInt),
  u8sProductVersion: asnOptional(asnString),
  bPresenceServicesDisabled: asnOptional(asnBool),
  bUserUserRightsDisabled: asnOptional(asnBool),
  eAnonymousDetails: asnOptional(AsnNegotiateServerConnectionAnonymousDataResult),
});
export type AsnNegotiateServerConnectionV2Result = z.infer<typeof AsnNegotiateServerConnectionV2Result>;

export const AsnNegotiateServerConnectionV2ServerBusy = asnSequence('AsnNegotiateServerConnectionV2ServerBusy', {
  iServerBusyTimeout: asnInt,
});
export type AsnNegotiateServerConnectionV2ServerBusy = z.infer<typeof AsnNegotiateServerConnectionV2ServerBusy>;

export const AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion = asnSequence(
  'AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion',
  {
    u8sServerInterfaceVersion: asnString,
  },
);
export type AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion = z.infer<
  typeof AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion
>;

/** CHOICE `result` | `busy` | `incompatible`. */
export const AsnNegotiateServerConnectionV2ResultChoice = asnChoice('AsnNegotiateServerConnectionV2ResultChoice', {
  result: AsnNegotiateServerConnectionV2Result,
  busy: AsnNegotiateServerConnectionV2ServerBusy,
  incompatible: AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion,
});
export type AsnNegotiateServerConnectionV2ResultChoice = z.infer<typeof AsnNegotiateServerConnectionV2ResultChoice>;

export const asnNegotiateServerConnectionV2 = defineInvoke({
  id: 1006,
  name: 'asnNegotiateServerConnectionV2',
  module: 'Auth',
  argument: AsnNegotiateServerConnectionV2Argument,
  result: AsnNegotiateServerConnectionV2ResultChoice,
});

// ---------------------------------------------------------------------------------------------------
// asnLoginV2 (1005)
// ---------------------------------------------------------------------------------------------------

/** `credential` = base64("user:password") of the UTF-8 text (a UTF8String, not an OCTET STRING). */
export const AsnAuthBasicCredential = asnSequence('AsnAuthBasicCredential', {
  credential: asnString,
});
export type AsnAuthBasicCredential = z.infer<typeof AsnAuthBasicCredential>;

/** NTLM type 1 or 3 message. */
export const AsnAuthNTLMCredential = asnSequence('AsnAuthNTLMCredential', {
  authdata: asnOctets,
});
export type AsnAuthNTLMCredential = z.infer<typeof AsnAuthNTLMCredential>;

export const AsnAuthKerberosCredential = asnSequence('AsnAuthKerberosCredential', {
  authdata: asnOctets,
});
export type AsnAuthKerberosCredential = z.infer<typeof AsnAuthKerberosCredential>;

export const AsnAuthBearer = asnSequence('AsnAuthBearer', {
  u8sJWT: asnString,
});
export type AsnAuthBearer = z.infer<typeof AsnAuthBearer>;

/** `u8sScope` asks for a redirect link; `u8sIDToken` carries the token from the redirect. */
export const AsnAuthOpenIDC = asnSequence('AsnAuthOpenIDC', {
  u8sScope: asnOptional(asnString),
  u8sIDToken: asnOptional(asnString),
});
export type AsnAuthOpenIDC = z.infer<typeof AsnAuthOpenIDC>;

/** CHOICE of credentials (`authDigest` [1] is commented out in the module). */
export const AsnLoginV2ChoiceArgument = asnChoice('AsnLoginV2ChoiceArgument', {
  authBasic: AsnAuthBasicCredential,
  authNTLM: AsnAuthNTLMCredential,
  authKerberos: AsnAuthKerberosCredential,
  authBearer: AsnAuthBearer,
  authOpenIDC: AsnAuthOpenIDC,
});
export type AsnLoginV2ChoiceArgument = z.infer<typeof AsnLoginV2ChoiceArgument>;

/** Without `auth` the server answers with its supported methods; with `auth` it authenticates. */
export const AsnLoginV2Argument = asnSequence('AsnLoginV2Argument', {
  auth: asnOptional(AsnLoginV2ChoiceArgument),
});
export type AsnLoginV2Argument = z.infer<typeof AsnLoginV2Argument>;

export const AsnAuthDigestParams = asnSequence('AsnAuthDigestParams', {
  nonce: asnString,
  opaque: asnString,
  qop: asnString,
  algorithm: asnOptional(asnString),
  realm: asnOptional(asnString),
});
export type AsnAuthDigestParams = z.infer<typeof AsnAuthDigestParams>;

export const AsnLoginV2ResultSupportedAuthMethods = asnSequence('AsnLoginV2ResultSupportedAuthMethods', {
  /** `AsnLoginV2SupportedAuthMethod` values, most preferred first. */
  authMethodsOrdered: z.array(asnInt),
  authDigest: asnOptional(AsnAuthDigestParams),
});
export type AsnLoginV2ResultSupportedAuthMethods = z.infer<typeof AsnLoginV2ResultSupportedAuthMethods>;

/** CHOICE `u8sJwt` (server-issued JWT) | `u8sToken` (opaque token). */
export const AsnLoginV2Token = asnChoice('AsnLoginV2Token', {
  u8sJwt: asnString,
  u8sToken: asnString,
});
export type AsnLoginV2Token = z.infer<typeof AsnLoginV2Token>;

export const AsnLoginV2ResultSuccess = asnSequence('AsnLoginV2ResultSuccess', {
  u8sLoggedInUser: asnOptional(asnString),
  token: asnOptional(AsnLoginV2Token),
});
export type AsnLoginV2ResultSuccess = z.infer<typeof AsnLoginV2ResultSuccess>;

export const AsnLoginV2ResultServerRedirect = asnSequence('AsnLoginV2ResultServerRedirect', {
  u8sRedirectTo: asnString,
});
export type AsnLoginV2ResultServerRedirect = z.infer<typeof AsnLoginV2ResultServerRedirect>;

export const AsnLoginV2ResultServerBusy = asnSequence('AsnLoginV2ResultServerBusy', {
  iRetryInSeconds: asnInt,
});
export type AsnLoginV2ResultServerBusy = z.infer<typeof AsnLoginV2ResultServerBusy>;

/** NTLM type 2 challenge. */
export const AsnLoginV2ResultRenegotiateNTLM = asnSequence('AsnLoginV2ResultRenegotiateNTLM', {
  authdata: asnOctets,
});
export type AsnLoginV2ResultRenegotiateNTLM = z.infer<typeof AsnLoginV2ResultRenegotiateNTLM>;

/** CHOICE; the success alternative is spelled `succceeded` on the wire. */
export const AsnLoginV2Result = asnChoice('AsnLoginV2Result', {
  supportedAuthMethods: AsnLoginV2ResultSupportedAuthMethods,
  succceeded: AsnLoginV2ResultSuccess,
  serverRedirect: AsnLoginV2ResultServerRedirect,
  serverBusy: AsnLoginV2ResultServerBusy,
  ntlmRenegotiate: AsnLoginV2ResultRenegotiateNTLM,
});
export type AsnLoginV2Result = z.infer<typeof AsnLoginV2Result>;

/** Errors: AsnRequestError with `AsnLogonErrorEnum` values (§6 open point 5). */
export const asnLoginV2 = defineInvoke({
  id: 1005,
  name: 'asnLoginV2',
  module: 'Auth',
  argument: AsnLoginV2Argument,
  result: AsnLoginV2Result,
});

// ---------------------------------------------------------------------------------------------------
// asnLogoff (1001), asnGetLoggedInContactV2 (1008)
// ---------------------------------------------------------------------------------------------------

export const AsnLogoffArgument = asnSequence('AsnLogoffArgument', {});
export type AsnLogoffArgument = z.infer<typeof AsnLogoffArgument>;

/** End the user session; the server then closes the connection. Never answered. */
export const asnLogoff = defineEvent({
  id: 1001,
  name: 'asnLogoff',
  module: 'Auth',
  direction: 'client-to-server',
  argument: AsnLogoffArgument,
});

export const AsnGetLoggedInContactArgument = asnSequence('AsnGetLoggedInContactArgument', {});
export type AsnGetLoggedInContactArgument = z.infer<typeof AsnGetLoggedInContactArgument>;

export const AsnGetLoggedInContactV2Result = asnSequence('AsnGetLoggedInContactV2Result', {
  u8sLoggedInUser: asnString,
  ownContact: AsnContactV2,
});
export type AsnGetLoggedInContactV2Result = z.infer<typeof AsnGetLoggedInContactV2Result>;

/** "Who am I". */
export const asnGetLoggedInContactV2 = defineInvoke({
  id: 1008,
  name: 'asnGetLoggedInContactV2',
  module: 'Auth',
  argument: AsnGetLoggedInContactArgument,
  result: AsnGetLoggedInContactV2Result,
});

// ---------------------------------------------------------------------------------------------------
// createsession (web service) error body
// ---------------------------------------------------------------------------------------------------

/**
 * Error body of a refused `/ws/client/createsession` (HTTP 400), in `error`; `iErrorDetail` is an
 * `AsnLogonErrorEnum` value. Note the misspelled member `sAuthCredetials`.
 */
export const AsnLogonError = asnSequence('AsnLogonError', {
  iErrorDetail: asnInt,
  u8sErrorString: asnString,
  sAuthCredetials: asnOctets,
  u8sFailedUser: asnString,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnLogonError = z.infer<typeof AsnLogonError>;
