/**
 * The buddy list ("client content"): `ENetUC_ClientContent.asn1` (UC-Server-Access-Protocol-ClientContent),
 * the operations of the subset: get, subscribe/unsubscribe, change, and the change event.
 */
import { z } from 'zod';
import { asnInt, asnOptional, asnOptionalParams, asnSequence, asnString, asnStringList } from '../codec/estosJson.ts';
import { AsnNetDatabaseContact } from './common.ts';
import { defineEvent, defineInvoke } from './operation.ts';

export const AsnNetDatabaseContactID = asnSequence('AsnNetDatabaseContactID', {
  u8sEntryID: asnString,
  u8sEntryIDDB: asnString,
  u8sEntryIDStore: asnString,
});
export type AsnNetDatabaseContactID = z.infer<typeof AsnNetDatabaseContactID>;

export const AsnClientContentItem = asnSequence('AsnClientContentItem', {
  u8sID: asnString,
  /** Contact id whose presence the item shows. */
  u8sPresenceID: asnString,
  iIsEditable: asnInt,
  listNetDatabaseContactIDs: z.array(AsnNetDatabaseContactID),
  selectedNetDatabaseContactID: AsnNetDatabaseContactID,
});
export type AsnClientContentItem = z.infer<typeof AsnClientContentItem>;

export const AsnClientContentGroup = asnSequence('AsnClientContentGroup', {
  u8sID: asnString,
  u8sName: asnString,
  u8sOrderBy: asnString,
  iAutorefresh: asnInt,
  iExpanded: asnInt,
  iIsEditable: asnInt,
  iIsPersistent: asnInt,
  listItems: z.array(AsnClientContentItem),
});
export type AsnClientContentGroup = z.infer<typeof AsnClientContentGroup>;

export const AsnClientContentGroupCluster = asnSequence('AsnClientContentGroupCluster', {
  u8sID: asnString,
  u8sName: asnString,
  iIsEditable: asnInt,
  iIsPersistent: asnInt,
  iIsTabbed: asnInt,
  u8sNeighbourClusterID: asnString,
  listGroups: z.array(AsnClientContentGroup),
});
export type AsnClientContentGroupCluster = z.infer<typeof AsnClientContentGroupCluster>;

export const AsnClientContentStructure = asnSequence('AsnClientContentStructure', {
  iIsEditable: asnInt,
  u8sVersion: asnString,
  u8sRevision: asnString,
  u8sLastWriter: asnString,
  listGroupClusters: z.array(AsnClientContentGroupCluster),
});
export type AsnClientContentStructure = z.infer<typeof AsnClientContentStructure>;

export const AsnGetClientContentArgument = asnSequence('AsnGetClientContentArgument', {
  /** `AsnClientContentContactFilter`. */
  iContactFilter: asnInt,
});
export const AsnGetClientContentResult = asnSequence('AsnGetClientContentResult', {
  u8sContentRevision: asnString,
  contactList: z.array(AsnNetDatabaseContact),
  contentstructure: AsnClientContentStructure,
  optionalParams: asnOptional(asnOptionalParams),
});
export type AsnGetClientContentResult = z.infer<typeof AsnGetClientContentResult>;

export const asnGetClientContent = defineInvoke({
  id: 1126,
  name: 'asnGetClientContent',
  module: 'ClientContent',
  argument: AsnGetClientContentArgument,
  result: AsnGetClientContentResult,
});

export const AsnSubscribeClientContentArgument = asnSequence('AsnSubscribeClientContentArgument', {
  iRevision: asnOptional(asnInt),
  /** `AsnSubscribeClientContentFlags`. */
  iEventFlagsToSubscribe: asnOptional(asnInt),
  u8sGroupClusterIDRestriction: asnOptional(asnStringList),
});
export const AsnSubscribeClientContentResult = asnSequence('AsnSubscribeClientContentResult', {
  iRevision: asnInt,
});

/** The content follows as asnClientContentChanged, and every later change of it. */
export const asnSubscribeClientContent = defineInvoke({
  id: 4600,
  name: 'asnSubscribeClientContent',
  module: 'ClientContent',
  argument: AsnSubscribeClientContentArgument,
  result: AsnSubscribeClientContentResult,
});

export const AsnUnsubscribeClientContentArgument = asnSequence('AsnUnsubscribeClientContentArgument', {});
export const AsnUnsubscribeClientContentResult = asnSequence('AsnUnsubscribeClientContentResult', {});

export const asnUnsubscribeClientContent = defineInvoke({
  id: 4601,
  name: 'asnUnsubscribeClientContent',
  module: 'ClientContent',
  argument: AsnUnsubscribeClientContentArgument,
  result: AsnUnsubscribeClientContentResult,
});

export const AsnChangeClientContentArgument = asnSequence('AsnChangeClientContentArgument', {
  iRevision: asnInt,
  u8sVersion: asnString,
  iIsEditable: asnInt,
  addedOrChangedContacts: asnOptional(z.array(AsnNetDatabaseContact)),
  removedContacts: asnOptional(z.array(AsnNetDatabaseContactID)),
  listContentstructure: asnOptional(z.array(AsnClientContentGroupCluster)),
  /** `AsnChangeClientContentFlags` (1 full update). */
  iFlags: asnInt,
});
export type AsnChangeClientContentArgument = z.infer<typeof AsnChangeClientContentArgument>;
export const AsnChangeClientContentResult = asnSequence('AsnChangeClientContentResult', {
  iRevision: asnInt,
});

export const asnChangeClientContent = defineInvoke({
  id: 4606,
  name: 'asnChangeClientContent',
  module: 'ClientContent',
  argument: AsnChangeClientContentArgument,
  result: AsnChangeClientContentResult,
});

export const AsnClientContentChangedArgument = asnSequence('AsnClientContentChangedArgument', {
  iRevision: asnInt,
  addedOrChangedContacts: asnOptional(z.array(AsnNetDatabaseContact)),
  removedContacts: asnOptional(z.array(AsnNetDatabaseContactID)),
  listContentstructure: asnOptional(z.array(AsnClientContentGroupCluster)),
  iFlags: asnInt,
});
export type AsnClientContentChangedArgument = z.infer<typeof AsnClientContentChangedArgument>;

export const asnClientContentChanged = defineEvent({
  id: 4607,
  name: 'asnClientContentChanged',
  module: 'ClientContent',
  direction: 'server-to-client',
  argument: AsnClientContentChangedArgument,
});
