/**
 * The conference events of `ENetUC_CTI.asn1` (1286–1289), server to client on a monitored line: a
 * conference was created (its controller call and the calls taking part), a party was added or removed,
 * the conference was destroyed. Like asnCtiNotifyLineCallFeaturesChanged they name the monitor
 * `u8sLineMonitorCrossRefID` (not `u8sMonitorCrossRefID`).
 */
import type { z } from 'zod';
import { asnSequence, asnString } from '../codec/estosJson.ts';
import { AsnCtiCallInformation, AsnCtiCallInformationList } from './cti.ts';
import { defineEvent } from './operation.ts';

export const AsnCtiNotifyConferenceCreatedArgument = asnSequence('AsnCtiNotifyConferenceCreatedArgument', {
  u8sLineMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  conferenceControllerCallInfo: AsnCtiCallInformation,
  /** The calls taking part now. */
  conferenceMemberCallInfoList: AsnCtiCallInformationList,
});
export type AsnCtiNotifyConferenceCreatedArgument = z.infer<typeof AsnCtiNotifyConferenceCreatedArgument>;

export const asnCtiNotifyConferenceCreated = defineEvent({
  id: 1286,
  name: 'asnCtiNotifyConferenceCreated',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyConferenceCreatedArgument,
});

export const AsnCtiNotifyConferenceDestroyedArgument = asnSequence('AsnCtiNotifyConferenceDestroyedArgument', {
  u8sLineMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  conferenceControllerCallInfo: AsnCtiCallInformation,
  /** The other participants' calls. */
  conferenceMemberCallInfoList: AsnCtiCallInformationList,
});
export type AsnCtiNotifyConferenceDestroyedArgument = z.infer<typeof AsnCtiNotifyConferenceDestroyedArgument>;

export const asnCtiNotifyConferenceDestroyed = defineEvent({
  id: 1287,
  name: 'asnCtiNotifyConferenceDestroyed',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyConferenceDestroyedArgument,
});

export const AsnCtiNotifyConferencePartyAddedArgument = asnSequence('AsnCtiNotifyConferencePartyAddedArgument', {
  u8sLineMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  conferenceControllerCallInfo: AsnCtiCallInformation,
  conferenceMemberCallInfo: AsnCtiCallInformation,
});
export type AsnCtiNotifyConferencePartyAddedArgument = z.infer<typeof AsnCtiNotifyConferencePartyAddedArgument>;

export const asnCtiNotifyConferencePartyAdded = defineEvent({
  id: 1288,
  name: 'asnCtiNotifyConferencePartyAdded',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyConferencePartyAddedArgument,
});

export const AsnCtiNotifyConferencePartyRemovedArgument = asnSequence('AsnCtiNotifyConferencePartyRemovedArgument', {
  u8sLineMonitorCrossRefID: asnString,
  u8sLinePhoneNumber: asnString,
  conferenceControllerCallInfo: AsnCtiCallInformation,
  conferenceMemberCallInfo: AsnCtiCallInformation,
});
export type AsnCtiNotifyConferencePartyRemovedArgument = z.infer<typeof AsnCtiNotifyConferencePartyRemovedArgument>;

export const asnCtiNotifyConferencePartyRemoved = defineEvent({
  id: 1289,
  name: 'asnCtiNotifyConferencePartyRemoved',
  module: 'CTI',
  direction: 'server-to-client',
  argument: AsnCtiNotifyConferencePartyRemovedArgument,
});

/** The four events, keyed by name (the registry adds them to the subset). */
export const conferenceEvents = Object.freeze({
  asnCtiNotifyConferenceCreated,
  asnCtiNotifyConferenceDestroyed,
  asnCtiNotifyConferencePartyAdded,
  asnCtiNotifyConferencePartyRemoved,
});
