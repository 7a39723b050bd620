/**
 * Presence: `ENetUC_PresenceV2.asn1` (UC-Server-Access-Protocol-PresenceV2, ids 4500–4599) and the
 * absent state / custom note operations of `ENetROSEInterface.asn1` (Main). Structures only as far as
 * this server fills them; every member we never send is left out (all are OPTIONAL in AsnPresenceV2).
 */
import { z } from 'zod';
import { asnBool, asnInt, asnOptional, asnOptionalParams, asnSequence, asnString, asnStringList } from '../codec/estosJson.ts';
import { AsnNetDatabaseContact, AsnUserPropertyBag } from './common.ts';
import { AsnAbsentStateV2, AsnCustomNote } from './contact.ts';
import { defineEvent, defineInvoke } from './operation.ts';

/** `AsnPresenceSubscriptionFlags`: what a subscriber wants (events) and gets (result). */
export const AsnPresenceSubscriptionFlags = {
  ePresenceSubscriptionPresence: 1,
  ePresenceSubscriptionData: 2,
  ePresenceSubscriptionDataIncludeImage: 4,
  ePresenceSubscriptionConfiguration: 8,
  ePresenceSubscriptionAbsentstate: 16,
  ePresenceSubscriptionNote: 32,
  ePresenceSubscriptionAppointment: 64,
  ePresenceSubscriptionPhoneLines: 128,
  ePresenceSubscriptionPhoneCalls: 256,
  ePresenceSubscriptionPhoneForwards: 512,
  ePresenceSubscriptionMyChallengeUpdates: 1024,
  ePresenceSubscriptionDynamicRightsUpdate: 2048,
  ePresenceSubscriptionDynamicGroupRightsUpdate: 4096,
  ePresenceSubscriptionDynamicGlobalRightsUpdate: 8192,
  ePresenceSubscriptionAgentStatus: 32768,
  ePresenceSubScriptionMonitorGroupingAttribute: 65536,
} as const;
export type AsnPresenceSubscriptionFlags = (typeof AsnPresenceSubscriptionFlags)[keyof typeof AsnPresenceSubscriptionFlags];

/** `iAction` of AsnPresenceCallV2. */
export const AsnPresenceCallAction = { eADDED: 1, eREMOVED: 2, eCHANGED: 3 } as const;

/** A phone line of a contact. */
export const AsnPresenceLine = asnSequence('AsnPresenceLine', {
  u8sLinePhoneNumber: asnString,
  u8sLineNumber: asnString,
  iState: asnInt,
  iDoNotDisturb: asnInt,
  iForwardFeaturesPBX: asnInt,
});
export type AsnPresenceLine = z.infer<typeof AsnPresenceLine>;

/** A call on a phone line of a contact. */
export const AsnPresenceCallV2 = asnSequence('AsnPresenceCallV2', {
  iAction: asnInt,
  u8sConnectionID: asnString,
  u8sLinePhoneNumber: asnString,
  u8sLineNumber: asnString,
  u8sCurrentNumberSC: asnString,
  u8sTrackerID: asnString,
  /** `EAsnCallState`. */
  eCallState: asnInt,
  iFeatures: asnInt,
  bOutbound: asnBool,
  bInternal: asnBool,
  /** `EAsnCallType`. */
  eCallType: asnInt,
  /** `EAsnJournalCallType`. */
  eJournalCallType: asnInt,
  remoteContact: asnOptional(AsnNetDatabaseContact),
});
export type AsnPresenceCallV2 = z.infer<typeof AsnPresenceCallV2>;

/** A forward set on a line. */
export const AsnPresenceForward = asnSequence('AsnPresenceForward', {
  u8sLinePhoneNumber: asnString,
  u8sLineNumber: asnString,
  iInternalID: asnInt,
  u8sDestination: asnString,
  iForwardMode: asnInt,
  iNoAnswerTime: asnOptional(asnInt),
});
export type AsnPresenceForward = z.infer<typeof AsnPresenceForward>;

/** The data and service states of a contact; in updates only what changed besides the id. */
export const AsnPresenceV2 = asnSequence('AsnPresenceV2', {
  u8sContactId: asnString,
  iPresenceState: asnOptional(asnInt),
  asnRemoteContact: asnOptional(AsnNetDatabaseContact),
  asnUserPropertyBag: asnOptional(AsnUserPropertyBag),
  iContactFeatureSet: asnOptional(asnInt),
  iStaticRights: asnOptional(asnInt),
  iMonitorAccessRights: asnOptional(asnInt),
  asnAbsentState: asnOptional(AsnAbsentStateV2),
  asnCustomNote: asnOptional(AsnCustomNote),
  seqPhoneLines: asnOptional(z.array(AsnPresenceLine)),
  seqCalls: asnOptional(z.array(AsnPresenceCallV2)),
  seqLineForwards: asnOptional(z.array(AsnPresenceForward)),
  iStaticRights2: asnOptional(asnInt),
});
export type AsnPresenceV2 = z.infer<typeof AsnPresenceV2>;

export const AsnGetAndSubscribePresenceArgument = asnSequence('AsnGetAndSubscribePresenceArgument', {
  seqContactIDs: asnStringList,
  iEventFlagsToSubscribe: asnOptional(asnInt),
  iContactDetailsReturnFilter: asnOptional(asnInt),
  bOpenOnlyInternalContacts: asnOptional(asnBool),
  bDontRequestPermissions: asnOptional(asnBool),
});
export type AsnGetAndSubscribePresenceArgument = z.infer<typeof AsnGetAndSubscribePresenceArgument>;

export const AsnGetAndSubscribePresenceV2Result = asnSequence('AsnGetAndSubscribePresenceV2Result', {
  seqSubscribedPresence: z.array(AsnPresenceV2),
});
export type AsnGetAndSubscribePresenceV2Result = z.infer<typeof AsnGetAndSubscribePresenceV2Result>;

/** Contact data and presence of contacts, and events about them from now on. */
export const asnGetAndSubscribePresenceV2 = defineInvoke({
  id: 4505,
  name: 'asnGetAndSubscribePresenceV2',
  module: 'PresenceV2',
  argument: AsnGetAndSubscribePresenceArgument,
  result: AsnGetAndSubscribePresenceV2Result,
});

export const AsnUnsubscribePresenceArgument = asnSequence('AsnUnsubscribePresenceArgument', {
  seqContactIDs: asnStringList,
});
export const AsnUnsubscribePresenceResult = asnSequence('AsnUnsubscribePresenceResult', {
  iResult: asnInt,
});

/** Ends subscriptions (iResult 0). */
export const asnUnsubscribePresence = defineInvoke({
  id: 4503,
  name: 'asnUnsubscribePresence',
  module: 'PresenceV2',
  argument: AsnUnsubscribePresenceArgument,
  result: AsnUnsubscribePresenceResult,
});

export const AsnUpdatePresenceV2Argument = asnSequence('AsnUpdatePresenceV2Argument', {
  presence: AsnPresenceV2,
  /** `AsnPresenceSubscriptionFlags` of the sections that changed. */
  iChangedFlags: asnInt,
});
export type AsnUpdatePresenceV2Argument = z.infer<typeof AsnUpdatePresenceV2Argument>;

/** A subscribed contact changed. */
export const asnUpdatePresenceV2 = defineEvent({
  id: 4504,
  name: 'asnUpdatePresenceV2',
  module: 'PresenceV2',
  direction: 'server-to-client',
  argument: AsnUpdatePresenceV2Argument,
});

// ---------------------------------------------------------------------------------------------------
// Absent state and custom note (ENetROSEInterface.asn1)
// ---------------------------------------------------------------------------------------------------

export const AsnSetUserAbsentStateArgument = asnSequence('AsnSetUserAbsentStateArgument', {
  absentstate: AsnAbsentStateV2,
});
export const AsnSetUserAbsentStateResult = asnSequence('AsnSetUserAbsentStateResult', {
  bSuccess: asnBool,
});

/** Sets the manual presence of a user (here: only one's own). */
export const asnSetUserAbsentState = defineInvoke({
  id: 1128,
  name: 'asnSetUserAbsentState',
  module: 'Main',
  argument: AsnSetUserAbsentStateArgument,
  result: AsnSetUserAbsentStateResult,
});

export const AsnGetUserAbsentStateArgument = asnSequence('AsnGetUserAbsentStateArgument', {
  /** `AsnContactID` (a UTF8String). */
  contactId: asnString,
});
export const AsnGetUserAbsentStateResult = asnSequence('AsnGetUserAbsentStateResult', {
  absentstate: AsnAbsentStateV2,
});

export const asnGetUserAbsentState = defineInvoke({
  id: 1129,
  name: 'asnGetUserAbsentState',
  module: 'Main',
  argument: AsnGetUserAbsentStateArgument,
  result: AsnGetUserAbsentStateResult,
});

export const AsnResetUserAbsentStateArgument = asnSequence('AsnResetUserAbsentStateArgument', {
  u8sContactId: asnString,
});
export const AsnResetUserAbsentStateResult = asnSequence('AsnResetUserAbsentStateResult', {});

/** Back to the computed presence only (absent state "not set"). */
export const asnResetUserAbsentState = defineInvoke({
  id: 1130,
  name: 'asnResetUserAbsentState',
  module: 'Main',
  argument: AsnResetUserAbsentStateArgument,
  result: AsnResetUserAbsentStateResult,
});

export const AsnUpdateMyAbsentStateV2Argument = asnSequence('AsnUpdateMyAbsentStateV2Argument', {
  absentstate: AsnAbsentStateV2,
});

/** To every session of the user whose absent state changed. */
export const asnUpdateMyAbsentStateV2 = defineEvent({
  id: 1313,
  name: 'asnUpdateMyAbsentStateV2',
  module: 'Main',
  direction: 'server-to-client',
  argument: AsnUpdateMyAbsentStateV2Argument,
});

export const AsnCustomNoteSetArgument = asnSequence('AsnCustomNoteSetArgument', {
  customnote: AsnCustomNote,
});
export const AsnCustomNoteSetResult = asnSequence('AsnCustomNoteSetResult', {
  optionalParams: asnOptional(asnOptionalParams),
});

export const asnCustomNoteSet = defineInvoke({
  id: 1510,
  name: 'asnCustomNoteSet',
  module: 'Main',
  argument: AsnCustomNoteSetArgument,
  result: AsnCustomNoteSetResult,
});

export const AsnUpdateMyCustomNoteArgument = asnSequence('AsnUpdateMyCustomNoteArgument', {
  customnote: AsnCustomNote,
});

/** To every session of the user whose note changed. */
export const asnUpdateMyCustomNote = defineEvent({
  id: 1511,
  name: 'asnUpdateMyCustomNote',
  module: 'Main',
  direction: 'server-to-client',
  argument: AsnUpdateMyCustomNoteArgument,
});
