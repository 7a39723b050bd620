/**
 * The typed registry of every operation of the subset (reference §4.0), with lookup by id and by name
 * and the types a handler map is checked against.
 *
 * ```ts
 * const op = findOperation('asnCtiMakeCall');          // typed: InvokeOperation<'asnCtiMakeCall', …>
 * const byId = findOperation(1202);                    // AnyOperation | undefined
 * type Arg = ArgumentOf<'asnCtiMakeCall'>;             // { u8sPhoneNumberFrom: string; … }
 * const handlers: Partial<InvokeHandlers<Session>> = { asnCtiMakeCall: async (arg, session) => ({ u8sConnectionID }) };
 * ```
 */
import type { z } from 'zod';
import * as auth from './auth.ts';
import * as av from './av.ts';
import * as capabilities from './capabilities.ts';
import * as content from './clientContent.ts';
import * as cti from './cti.ts';
import * as ctiConference from './ctiConference.ts';
import * as journal from './journal.ts';
import * as main from './main.ts';
import * as presence from './presence.ts';
import * as transport from './transport.ts';
import * as ucsAv from './ucsAv.ts';

const coreOperations = Object.freeze({
  asnKeepAlive: main.asnKeepAlive,
  asnSubscribeServices: main.asnSubscribeServices,
  asnLogoff: auth.asnLogoff,
  asnLoginV2: auth.asnLoginV2,
  asnNegotiateServerConnectionV2: auth.asnNegotiateServerConnectionV2,
  asnGetLoggedInContactV2: auth.asnGetLoggedInContactV2,
  asnStartTLS: transport.asnStartTLS,
  asnTransportKeepAlive: transport.asnTransportKeepAlive,
  asnCtiMakeCall: cti.asnCtiMakeCall,
  asnCtiDropCall: cti.asnCtiDropCall,
  asnCtiAnswerCall: cti.asnCtiAnswerCall,
  asnCtiRedirectCall: cti.asnCtiRedirectCall,
  asnCtiMergeCalls: cti.asnCtiMergeCalls,
  asnCtiSwapHold: cti.asnCtiSwapHold,
  asnCtiHold: cti.asnCtiHold,
  asnCtiSetForward: cti.asnCtiSetForward,
  asnCtiRemoveForward: cti.asnCtiRemoveForward,
  asnCtiDialDigits: cti.asnCtiDialDigits,
  asnCtiPickupCall: cti.asnCtiPickupCall,
  asnCtiCompleteCall: cti.asnCtiCompleteCall,
  asnCtiLineDropCall: cti.asnCtiLineDropCall,
  asnCtiConference: cti.asnCtiConference,
  asnCtiEnumPhoneLines: cti.asnCtiEnumPhoneLines,
  asnCtiSnapshotPhoneLine: cti.asnCtiSnapshotPhoneLine,
  asnCtiLineMonitorStart: cti.asnCtiLineMonitorStart,
  asnCtiLineMonitorStop: cti.asnCtiLineMonitorStop,
  asnCtiLineSetDoNotDisturb: cti.asnCtiLineSetDoNotDisturb,
  asnCtiNotifyLineInfoChanged: cti.asnCtiNotifyLineInfoChanged,
  asnCtiNotifyLineDoNotDisturbChanged: cti.asnCtiNotifyLineDoNotDisturbChanged,
  asnCtiNotifyLineForwardingChanged: cti.asnCtiNotifyLineForwardingChanged,
  asnCtiNotifyLineCallInformationChanged: cti.asnCtiNotifyLineCallInformationChanged,
  asnCtiNotifyLineAddRemove: cti.asnCtiNotifyLineAddRemove,
  asnCtiNotifyMakeCallResult: cti.asnCtiNotifyMakeCallResult,
  asnCtiNotifyLineCallFeaturesChanged: cti.asnCtiNotifyLineCallFeaturesChanged,
  asnCtiNotifyMonitorStopped: cti.asnCtiNotifyMonitorStopped,
  asnAVDropCall: av.asnAVDropCall,
  asnAVMakeCallV2: av.asnAVMakeCallV2,
  asnAVCallStateChanged: av.asnAVCallStateChanged,
  asnAVGetIceServers: av.asnAVGetIceServers,
  asnAVNewCallV2: av.asnAVNewCallV2,
  asnAVCallMessageV2: av.asnAVCallMessageV2,
  asnAVConnectV2: av.asnAVConnectV2,
  asnAVAlertV2: av.asnAVAlertV2,
  asnAVCallHoldV2: av.asnAVCallHoldV2,
  asnAVCallHoldAckV2: av.asnAVCallHoldAckV2,
  asnAVCallRetrieveV2: av.asnAVCallRetrieveV2,
  asnAVCallRetrieveAckV2: av.asnAVCallRetrieveAckV2,
  asnAVTransferGetID: av.asnAVTransferGetID,
  asnAVTransferGetIDResult: av.asnAVTransferGetIDResult,
  asnAVTransferStart: av.asnAVTransferStart,
  asnAVTransferStartResult: av.asnAVTransferStartResult,
  asnGetOfflineJournal: journal.asnGetOfflineJournal,
  asnJournalEntryChanged: journal.asnJournalEntryChanged,
  asnUpdateJournalReadFlag: journal.asnUpdateJournalReadFlag,
  asnJournalEntryGet: journal.asnJournalEntryGet,
  asnDeleteJournalEntries: journal.asnDeleteJournalEntries,
  asnMarkAllJournalEntriesAsRead: journal.asnMarkAllJournalEntriesAsRead,
  asnJournalEntryListChanged: journal.asnJournalEntryListChanged,
  asnJournalSubscribeEvents: journal.asnJournalSubscribeEvents,
  asnGetJournalEntriesV2: journal.asnGetJournalEntriesV2,
  asnGetJournalEntriesCountV2: journal.asnGetJournalEntriesCountV2,
  asnGetAndSubscribePresenceV2: presence.asnGetAndSubscribePresenceV2,
  asnUnsubscribePresence: presence.asnUnsubscribePresence,
  asnUpdatePresenceV2: presence.asnUpdatePresenceV2,
  asnSetUserAbsentState: presence.asnSetUserAbsentState,
  asnGetUserAbsentState: presence.asnGetUserAbsentState,
  asnResetUserAbsentState: presence.asnResetUserAbsentState,
  asnUpdateMyAbsentStateV2: presence.asnUpdateMyAbsentStateV2,
  asnCustomNoteSet: presence.asnCustomNoteSet,
  asnUpdateMyCustomNote: presence.asnUpdateMyCustomNote,
  asnSetClientCapabilitiesV2: capabilities.asnSetClientCapabilitiesV2,
  asnGetClientCapabilitiesV2: capabilities.asnGetClientCapabilitiesV2,
  asnClientCapabilitiesV2Changed: capabilities.asnClientCapabilitiesV2Changed,
  asnGetClientContent: content.asnGetClientContent,
  asnSubscribeClientContent: content.asnSubscribeClientContent,
  asnUnsubscribeClientContent: content.asnUnsubscribeClientContent,
  asnChangeClientContent: content.asnChangeClientContent,
  asnClientContentChanged: content.asnClientContentChanged,
  // ucserver's own (not ENetUC): the web softphone's re-attach after its gateway died.
  asnUcsReattachAVCall: ucsAv.asnUcsReattachAVCall,
});

/**
 * All operations of the subset, keyed by operation name. Annotated as the union of two named parts: one
 * inferred object type of every operation is longer than the compiler writes into a declaration file.
 */
export const operations: Readonly<typeof coreOperations & typeof ctiConference.conferenceEvents> = Object.freeze({ ...coreOperations, ...ctiConference.conferenceEvents });

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type AnyOperation = Operations[OperationName];

/** Names of the operations with RESULT. */
export type InvokeOperationName = {
  [N in OperationName]: Operations[N] extends { readonly kind: 'invoke' } ? N : never;
}[OperationName];

/** Names of the operations without RESULT (events). */
export type EventOperationName = Exclude<OperationName, InvokeOperationName>;

/** Events a client may send (direction client-to-server or both). */
export type InboundEventName = {
  [N in EventOperationName]: Operations[N]['direction'] extends 'server-to-client' ? never : N;
}[EventOperationName];

/** Events the server may send (direction server-to-client or both). */
export type OutboundEventName = {
  [N in EventOperationName]: Operations[N]['direction'] extends 'client-to-server' ? never : N;
}[EventOperationName];

/** Decoded (in-memory) argument of an operation. */
export type ArgumentOf<N extends OperationName> = z.output<Operations[N]['argument']>;
/** Wire form of an argument as accepted on input (lenient). */
export type WireArgumentOf<N extends OperationName> = z.input<Operations[N]['argument']>;
/** In-memory result of an invoke operation (what a handler returns). */
export type ResultOf<N extends InvokeOperationName> = z.output<Operations[N]['result']>;

/** One handler per invoke operation; return the result or throw/reject to answer with an error. */
export type InvokeHandlers<Ctx> = {
  [N in InvokeOperationName]: (argument: ArgumentOf<N>, ctx: Ctx) => ResultOf<N> | Promise<ResultOf<N>>;
};

/** One handler per event a client may send. */
export type EventHandlers<Ctx> = {
  [N in InboundEventName]: (argument: ArgumentOf<N>, ctx: Ctx) => void | Promise<void>;
};

const byName: ReadonlyMap<string, AnyOperation> = new Map(Object.entries(operations));
const byId: ReadonlyMap<number, AnyOperation> = new Map(Object.values(operations).map((op) => [op.id, op]));

/**
 * Looks an operation up by its name (typed) or by its numeric id. Unknown ids/names give `undefined`.
 */
export function findOperation<N extends OperationName>(name: N): Operations[N];
export function findOperation(idOrName: number | string): AnyOperation | undefined;
export function findOperation(idOrName: number | string): AnyOperation | undefined {
  if (typeof idOrName === 'number') return byId.get(idOrName);
  if (typeof idOrName === 'string') return byName.get(idOrName);
  return undefined;
}

/** True when `name` is the name of an operation of the subset. */
export function isOperationName(name: string): name is OperationName {
  return byName.has(name);
}

/** True when `operation` is an invoke-kind operation. */
export function isInvokeOperation(operation: AnyOperation): operation is Operations[InvokeOperationName] {
  return operation.kind === 'invoke';
}

/**
 * Ids of neighbouring operations outside the subset (§4.0), for collision checks only. An invoke of one
 * of them gets the same `unrecognisedOperation` reject as any unknown id.
 */
export const ReservedOperationIds = Object.freeze({
  asnGetUserTokenV2: 1007,
  asnCheckConnection: 1714,
  asnTokenVerifyV2: 1719,
  asnCreateAuthToken: 1724,
  asnCtiSetCallData: 1225,
  asnCtiStartCallRecording: 1230,
  asnCtiStopCallRecording: 1231,
  asnCtiLineSetRemoteOffice: 1273,
  asnCtiNotifyLineProjectSettingsChanged: 1291,
  asnCtiNotifyLineRemoteOfficeChanged: 1292,
  asnCtiNotifyLineSortOrderChanged: 1295,
  asnRequestSTUNandTURN: 1555,
  asnSTUNandTURNConfigChanged: 1556,
  asnGetSTUNandTURN: 1557,
  asnAVMakeMedia: 1559,
  asnAVNewMedia: 1560,
  asnAVConnectMedia: 1561,
  asnAVAlertMedia: 1562,
  asnAVDropMedia: 1563,
  asnUpdateCallAndJournalContactAndNumber: 2108,
  asnUpdateJournalMemo: 2112,
  asnUpdateJournalProject: 2113,
  asnUpdateJournalSubject: 2115,
  asnJournalGetSettings: 2118,
  asnUpdateJournal: 2119,
  asnUpdateCallLocalContact: 2140,
});
