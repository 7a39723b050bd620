/**
 * Call history: `ENetUC_Journal.asn1` (UC-Server-Access-Protocol-Journal). Entries are created only by
 * the server; clients read, filter, mark and delete them. No `iErrorDetail` numbers are published.
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
import { AsnProjectPinRule } from './common.ts';
import { defineEvent, defineInvoke } from './operation.ts';

// ---------------------------------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------------------------------

/** `iFilter` bits of the find options. */
export const AsnNetDatabaseJournalFilterEnumeration = {
  flagIntern: 0x0000_0001,
  flagExtern: 0x0000_0002,
  flagInbound: 0x0000_0004,
  flagOutbound: 0x0000_0008,
  flagConnected: 0x0000_0010,
  flagNotConnected: 0x0000_0020,
  flagHasMemo: 0x0000_0040,
  flagHasNoMemo: 0x0000_0080,
  flagUnreadOnly: 0x0000_0100,
  /** Drop calls without a caller number. */
  flagNoUnknown: 0x0000_0200,
  flagTextChats: 0x0000_0400,
  flagAudioChats: 0x0000_0800,
  flagVideoChats: 0x0000_1000,
  flagPhoneCalls: 0x0000_2000,
  flagDeskShare: 0x0000_4000,
  flagIncludeAllPublic: 0x0001_0000,
} as const;
export type AsnNetDatabaseJournalFilterEnumeration =
  (typeof AsnNetDatabaseJournalFilterEnumeration)[keyof typeof AsnNetDatabaseJournalFilterEnumeration];

/** Value of the `CallType` optional key of a journal entry (always present). */
export const AsnNetDatabaseJournalCallType = {
  eJOURNALCALLTYPEPBX: 0,
  eJOURNALCALLTYPEVIDEOCHAT: 1,
  eJOURNALCALLTYPEAUDIOCHAT: 2,
  eJOURNALCALLTYPEAUDIOVIDEOCHAT: 3,
  eJOURNALCALLTYPEIM: 4,
  eJOURNALCALLTYPEBLUETOOTHMOBILE: 5,
  eJOURNALCALLTYPEBLUETOOTHMOBILEUNKNOWNDURATION: 6,
  /** WebRTC softphone via PBX. */
  eJOURNALCALLTYPESIPAVCALL: 7,
  eJOURNALCALLTYPESMS: 8,
  eJOURNALCALLTYPESCREENSHARING: 9,
  eJOURNALCALLTYPERSCREENSHARING: 10,
} as const;
export type AsnNetDatabaseJournalCallType = (typeof AsnNetDatabaseJournalCallType)[keyof typeof AsnNetDatabaseJournalCallType];

/** `iFlags` of asnJournalSubscribeEvents. */
export const AsnJournalSubscribeFlags = {
  eDEFAULT: 0,
  eGROUPJOURNAL: 1,
} as const;
export type AsnJournalSubscribeFlags = (typeof AsnJournalSubscribeFlags)[keyof typeof AsnJournalSubscribeFlags];

/** `iFlags` of AsnJournalEntryChangedArgument (4 = differential update, added or modified). */
export const AsnJournalEntryChangedFlags = {
  added: 1,
  modified: 2,
  deleted: 3,
  addedOrModified: 4,
} as const;
export type AsnJournalEntryChangedFlags = (typeof AsnJournalEntryChangedFlags)[keyof typeof AsnJournalEntryChangedFlags];

// ---------------------------------------------------------------------------------------------------
// Structures
// ---------------------------------------------------------------------------------------------------

/**
 * One journal entry. `optionalParams` keys: `CallType` int (always, `AsnNetDatabaseJournalCallType`),
 * `iTransactionID` int (always), `TrackerLastCall` int, `NoStatistic` int, `bMemoComplete`,
 * `iChatSequenceID` int. `iSucessState` (sic) and `u8sProviderNumber` are unspecified ("TBD").
 */
export const AsnNetDatabaseJournal = asnSequence('AsnNetDatabaseJournal', {
  u8sConnectionID: asnString,
  stStartTime: asnTime,
  stStopTime: asnTime,
  iDurationTotal: asnInt,
  stConnectTime: asnTime,
  stDisconnectTime: asnTime,
  iDurationConnected: asnInt,
  /** 1 outbound, 0 inbound. */
  iOrigin: asnInt,
  /** 1 internal partner, 0 external. */
  iInternal: asnInt,
  u8sLineNumber: asnString,
  u8sLineName: asnString,
  u8sLineUserName: asnString,
  iLineUserOffline: asnInt,
  u8sLocalNumber: asnString,
  u8sPhoneNumber: asnString,
  u8sRedirectingNumber: asnString,
  u8sContactName: asnString,
  u8sContactCompany: asnString,
  u8sContactEntryID: asnString,
  u8sContactEntryStoreID: asnString,
  u8sContactEntryDBID: asnString,
  u8sCtiServerUserName: asnString,
  u8sProviderNumber: asnString,
  iSucessState: asnInt,
  u8sSubject: asnString,
  u8sMemo: asnString,
  /** 0 unread, 1 read. */
  iReadFlag: asnInt,
  projectPinRule: AsnProjectPinRule,
  u8sTrackerID: asnString,
  u8sAcceptorName: asnString,
  u8sAcceptorCtiServerUserName: asnString,
  u8sAcceptorConnectionID: asnString,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnNetDatabaseJournal = z.infer<typeof AsnNetDatabaseJournal>;

export const AsnNetDatabaseJournalList = z.array(AsnNetDatabaseJournal);
export type AsnNetDatabaseJournalList = z.infer<typeof AsnNetDatabaseJournalList>;

/** Search filter. Scope: own entries plus public entries of `u8slistLineUserNames`; never deleted ones. */
export const AsnNetDatabaseJournalFindOptionsV2 = asnSequence('AsnNetDatabaseJournalFindOptionsV2', {
  stStartTimeFrom: asnTime,
  stStartTimeTo: asnTime,
  u8slistLineUserNames: asnStringList,
  u8slistPhoneNumber: asnStringList,
  u8sContactName: asnString,
  u8sCompanyName: asnString,
  u8sFilterText: asnString,
  /** 0 = all (expensive; 100 suggested). */
  iMaxNumEntries: asnInt,
  /** `AsnNetDatabaseJournalFilterEnumeration` bits. */
  iFilter: asnInt,
  /** Only entries with a newer global transaction id (> 0). */
  iLastKnownGlobTransactionID: asnOptional(asnInt),
});
export type AsnNetDatabaseJournalFindOptionsV2 = z.infer<typeof AsnNetDatabaseJournalFindOptionsV2>;

// ---------------------------------------------------------------------------------------------------
// Invokes
// ---------------------------------------------------------------------------------------------------

export const AsnGetJournalEntriesV2Argument = asnSequence('AsnGetJournalEntriesV2Argument', {
  findOptions: AsnNetDatabaseJournalFindOptionsV2,
});
export type AsnGetJournalEntriesV2Argument = z.infer<typeof AsnGetJournalEntriesV2Argument>;

export const AsnGetJournalEntriesResult = asnSequence('AsnGetJournalEntriesResult', {
  journalList: AsnNetDatabaseJournalList,
});
export type AsnGetJournalEntriesResult = z.infer<typeof AsnGetJournalEntriesResult>;

export const asnGetJournalEntriesV2 = defineInvoke({
  id: 2172,
  name: 'asnGetJournalEntriesV2',
  module: 'Journal',
  argument: AsnGetJournalEntriesV2Argument,
  result: AsnGetJournalEntriesResult,
});

export const AsnGetJournalEntriesCountV2Argument = asnSequence('AsnGetJournalEntriesCountV2Argument', {
  findOptions: AsnNetDatabaseJournalFindOptionsV2,
});
export type AsnGetJournalEntriesCountV2Argument = z.infer<typeof AsnGetJournalEntriesCountV2Argument>;

export const AsnGetJournalEntriesCountResult = asnSequence('AsnGetJournalEntriesCountResult', {
  iCount: asnInt,
});
export type AsnGetJournalEntriesCountResult = z.infer<typeof AsnGetJournalEntriesCountResult>;

export const asnGetJournalEntriesCountV2 = defineInvoke({
  id: 2173,
  name: 'asnGetJournalEntriesCountV2',
  module: 'Journal',
  argument: AsnGetJournalEntriesCountV2Argument,
  result: AsnGetJournalEntriesCountResult,
});

export const AsnJournalEntryGetArgument = asnSequence('AsnJournalEntryGetArgument', {
  /** Also works for running or not-yet-stored calls. */
  u8sConnectionID: asnString,
});
export type AsnJournalEntryGetArgument = z.infer<typeof AsnJournalEntryGetArgument>;

export const AsnJournalEntryGetResult = asnSequence('AsnJournalEntryGetResult', {
  journalEntry: AsnNetDatabaseJournal,
});
export type AsnJournalEntryGetResult = z.infer<typeof AsnJournalEntryGetResult>;

export const asnJournalEntryGet = defineInvoke({
  id: 2117,
  name: 'asnJournalEntryGet',
  module: 'Journal',
  argument: AsnJournalEntryGetArgument,
  result: AsnJournalEntryGetResult,
});

export const AsnJournalSubscribeEventsArgument = asnSequence('AsnJournalSubscribeEventsArgument', {
  /** false = unsubscribe. */
  bReceiveJournalEvents: asnBool,
  /** Send newer entries (last 60 days only). */
  iLastKnownGlobTransactionID: asnOptional(asnInt),
  iMaxEntries: asnOptional(asnInt),
  /** `AsnJournalSubscribeFlags`. */
  iFlags: asnOptional(asnInt),
});
export type AsnJournalSubscribeEventsArgument = z.infer<typeof AsnJournalSubscribeEventsArgument>;

export const AsnJournalSubscribeEventsResult = asnSequence('AsnJournalSubscribeEventsResult', {
  /** 0 = ok. */
  iResult: asnInt,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnJournalSubscribeEventsResult = z.infer<typeof AsnJournalSubscribeEventsResult>;

export const asnJournalSubscribeEvents = defineInvoke({
  id: 2171,
  name: 'asnJournalSubscribeEvents',
  module: 'Journal',
  argument: AsnJournalSubscribeEventsArgument,
  result: AsnJournalSubscribeEventsResult,
});

export const AsnGetOfflineJournalArgument = asnSequence('AsnGetOfflineJournalArgument', {
  /** 0 = 365 days. */
  iMaxDays: asnInt,
  /** 1 = delete the returned entries from the offline store. */
  iMarkRead: asnInt,
});
export type AsnGetOfflineJournalArgument = z.infer<typeof AsnGetOfflineJournalArgument>;

export const AsnGetOfflineJournalResult = asnSequence('AsnGetOfflineJournalResult', {
  journalList: AsnNetDatabaseJournalList,
});
export type AsnGetOfflineJournalResult = z.infer<typeof AsnGetOfflineJournalResult>;

/** Calls missed while the owner was offline. */
export const asnGetOfflineJournal = defineInvoke({
  id: 2104,
  name: 'asnGetOfflineJournal',
  module: 'Journal',
  argument: AsnGetOfflineJournalArgument,
  result: AsnGetOfflineJournalResult,
});

export const AsnUpdateJournalReadFlagArgument = asnSequence('AsnUpdateJournalReadFlagArgument', {
  u8sConnectionIDList: asnStringList,
  bReadFlag: asnBool,
});
export type AsnUpdateJournalReadFlagArgument = z.infer<typeof AsnUpdateJournalReadFlagArgument>;

export const AsnUpdateJournalReadFlagResult = asnSequence('AsnUpdateJournalReadFlagResult', {
  bSuccess: asnBool,
});
export type AsnUpdateJournalReadFlagResult = z.infer<typeof AsnUpdateJournalReadFlagResult>;

export const asnUpdateJournalReadFlag = defineInvoke({
  id: 2114,
  name: 'asnUpdateJournalReadFlag',
  module: 'Journal',
  argument: AsnUpdateJournalReadFlagArgument,
  result: AsnUpdateJournalReadFlagResult,
});

export const AsnMarkAllJournalEntriesAsReadArgument = asnSequence('AsnMarkAllJournalEntriesAsReadArgument', {});
export type AsnMarkAllJournalEntriesAsReadArgument = z.infer<typeof AsnMarkAllJournalEntriesAsReadArgument>;

export const AsnMarkAllJournalEntriesAsReadResult = asnSequence('AsnMarkAllJournalEntriesAsReadResult', {
  /** 0 = ok. */
  iResult: asnInt,
});
export type AsnMarkAllJournalEntriesAsReadResult = z.infer<typeof AsnMarkAllJournalEntriesAsReadResult>;

export const asnMarkAllJournalEntriesAsRead = defineInvoke({
  id: 2129,
  name: 'asnMarkAllJournalEntriesAsRead',
  module: 'Journal',
  argument: AsnMarkAllJournalEntriesAsReadArgument,
  result: AsnMarkAllJournalEntriesAsReadResult,
});

export const AsnDeleteJournalEntriesArgument = asnSequence('AsnDeleteJournalEntriesArgument', {
  u8sConnectionIDList: asnStringList,
});
export type AsnDeleteJournalEntriesArgument = z.infer<typeof AsnDeleteJournalEntriesArgument>;

export const AsnDeleteJournalEntriesResult = asnSequence('AsnDeleteJournalEntriesResult', {
  /** 0 = ok. */
  iResult: asnInt,
});
export type AsnDeleteJournalEntriesResult = z.infer<typeof AsnDeleteJournalEntriesResult>;

export const asnDeleteJournalEntries = defineInvoke({
  id: 2128,
  name: 'asnDeleteJournalEntries',
  module: 'Journal',
  argument: AsnDeleteJournalEntriesArgument,
  result: AsnDeleteJournalEntriesResult,
});

// ---------------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------------

/** One changed entry; `optionalParams` key `iTransactionID`. On delete, at least the connection id. */
export const AsnJournalEntryChangedArgument = asnSequence('AsnJournalEntryChangedArgument', {
  /** `AsnJournalEntryChangedFlags`. */
  iFlags: asnInt,
  journalEntry: AsnNetDatabaseJournal,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnJournalEntryChangedArgument = z.infer<typeof AsnJournalEntryChangedArgument>;

/** Single-entry predecessor of asnJournalEntryListChanged. */
export const asnJournalEntryChanged = defineEvent({
  id: 2109,
  name: 'asnJournalEntryChanged',
  module: 'Journal',
  direction: 'server-to-client',
  argument: AsnJournalEntryChangedArgument,
});

export const AsnJournalEntryChangedList = z.array(AsnJournalEntryChangedArgument);
export type AsnJournalEntryChangedList = z.infer<typeof AsnJournalEntryChangedList>;

export const AsnJournalEntryChangedListArgument = asnSequence('AsnJournalEntryChangedListArgument', {
  /** Increased by every database change (differential updates). */
  iLastTransactionID: asnInt,
  journalEntryChangedList: AsnJournalEntryChangedList,
});
export type AsnJournalEntryChangedListArgument = z.infer<typeof AsnJournalEntryChangedListArgument>;

export const asnJournalEntryListChanged = defineEvent({
  id: 2170,
  name: 'asnJournalEntryListChanged',
  module: 'Journal',
  direction: 'server-to-client',
  argument: AsnJournalEntryChangedListArgument,
});
