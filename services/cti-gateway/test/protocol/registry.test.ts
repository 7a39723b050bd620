import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  findOperation,
  isInvokeOperation,
  isOperationName,
  operations,
  ReservedOperationIds,
  type AnyOperation,
  type ArgumentOf,
  type EventHandlers,
  type InvokeHandlers,
  type ResultOf,
} from '../../src/protocol/mod.ts';

type Dir = 'client-to-server' | 'server-to-client' | 'both';
const C2S: Dir = 'client-to-server';
const S2C: Dir = 'server-to-client';
const BOTH: Dir = 'both';

/** The §4.0 summary table, row by row. */
const summary: [name: string, id: number, module: string, kind: 'invoke' | 'event', direction: Dir][] = [
  ['asnKeepAlive', 100, 'Main', 'event', C2S],
  ['asnSubscribeServices', 703, 'Main', 'invoke', C2S],
  ['asnLogoff', 1001, 'Auth', 'event', C2S],
  ['asnLoginV2', 1005, 'Auth', 'invoke', C2S],
  ['asnNegotiateServerConnectionV2', 1006, 'Auth', 'invoke', C2S],
  ['asnGetLoggedInContactV2', 1008, 'Auth', 'invoke', C2S],
  ['asnStartTLS', 1103, 'Transport', 'invoke', C2S],
  ['asnTransportKeepAlive', 1706, 'Transport', 'event', C2S],
  ['asnCtiMakeCall', 1202, 'CTI', 'invoke', C2S],
  ['asnCtiDropCall', 1203, 'CTI', 'invoke', C2S],
  ['asnCtiAnswerCall', 1207, 'CTI', 'invoke', C2S],
  ['asnCtiRedirectCall', 1208, 'CTI', 'invoke', C2S],
  ['asnCtiMergeCalls', 1209, 'CTI', 'invoke', C2S],
  ['asnCtiSwapHold', 1210, 'CTI', 'invoke', C2S],
  ['asnCtiHold', 1211, 'CTI', 'invoke', C2S],
  ['asnCtiSetForward', 1218, 'CTI', 'invoke', C2S],
  ['asnCtiRemoveForward', 1219, 'CTI', 'invoke', C2S],
  ['asnCtiDialDigits', 1221, 'CTI', 'invoke', C2S],
  ['asnCtiPickupCall', 1222, 'CTI', 'invoke', C2S],
  ['asnCtiCompleteCall', 1223, 'CTI', 'invoke', C2S],
  ['asnCtiLineDropCall', 1224, 'CTI', 'invoke', C2S],
  ['asnCtiConference', 1250, 'CTI', 'invoke', C2S],
  ['asnCtiEnumPhoneLines', 1260, 'CTI', 'invoke', C2S],
  ['asnCtiSnapshotPhoneLine', 1261, 'CTI', 'invoke', C2S],
  ['asnCtiLineMonitorStart', 1262, 'CTI', 'invoke', C2S],
  ['asnCtiLineMonitorStop', 1263, 'CTI', 'invoke', C2S],
  ['asnCtiLineSetDoNotDisturb', 1264, 'CTI', 'invoke', C2S],
  ['asnCtiNotifyLineInfoChanged', 1280, 'CTI', 'event', S2C],
  ['asnCtiNotifyLineDoNotDisturbChanged', 1281, 'CTI', 'event', S2C],
  ['asnCtiNotifyLineForwardingChanged', 1282, 'CTI', 'event', S2C],
  ['asnCtiNotifyLineCallInformationChanged', 1283, 'CTI', 'event', S2C],
  ['asnCtiNotifyLineAddRemove', 1284, 'CTI', 'event', S2C],
  ['asnCtiNotifyMakeCallResult', 1285, 'CTI', 'event', S2C],
  ['asnCtiNotifyConferenceCreated', 1286, 'CTI', 'event', S2C],
  ['asnCtiNotifyConferenceDestroyed', 1287, 'CTI', 'event', S2C],
  ['asnCtiNotifyConferencePartyAdded', 1288, 'CTI', 'event', S2C],
  ['asnCtiNotifyConferencePartyRemoved', 1289, 'CTI', 'event', S2C],
  ['asnCtiNotifyLineCallFeaturesChanged', 1290, 'CTI', 'event', S2C],
  ['asnCtiNotifyMonitorStopped', 1294, 'CTI', 'event', S2C],
  ['asnAVDropCall', 1501, 'AV', 'event', BOTH],
  ['asnAVMakeCallV2', 1505, 'AV', 'invoke', C2S],
  ['asnAVCallStateChanged', 1551, 'AV', 'event', BOTH],
  ['asnAVTransferGetID', 1568, 'AV', 'event', C2S],
  ['asnAVTransferGetIDResult', 1569, 'AV', 'event', S2C],
  ['asnAVTransferStart', 1570, 'AV', 'event', C2S],
  ['asnAVTransferStartResult', 1571, 'AV', 'event', S2C],
  ['asnAVGetIceServers', 1558, 'AV', 'invoke', C2S],
  ['asnAVNewCallV2', 1572, 'AV', 'event', S2C],
  ['asnAVCallMessageV2', 1573, 'AV', 'event', BOTH],
  ['asnAVConnectV2', 1574, 'AV', 'event', BOTH],
  ['asnAVAlertV2', 1575, 'AV', 'event', BOTH],
  ['asnAVCallHoldV2', 1576, 'AV', 'event', BOTH],
  ['asnAVCallHoldAckV2', 1577, 'AV', 'event', BOTH],
  ['asnAVCallRetrieveV2', 1578, 'AV', 'event', BOTH],
  ['asnAVCallRetrieveAckV2', 1579, 'AV', 'event', BOTH],
  ['asnGetOfflineJournal', 2104, 'Journal', 'invoke', C2S],
  ['asnJournalEntryChanged', 2109, 'Journal', 'event', S2C],
  ['asnUpdateJournalReadFlag', 2114, 'Journal', 'invoke', C2S],
  ['asnJournalEntryGet', 2117, 'Journal', 'invoke', C2S],
  ['asnDeleteJournalEntries', 2128, 'Journal', 'invoke', C2S],
  ['asnMarkAllJournalEntriesAsRead', 2129, 'Journal', 'invoke', C2S],
  ['asnJournalEntryListChanged', 2170, 'Journal', 'event', S2C],
  ['asnJournalSubscribeEvents', 2171, 'Journal', 'invoke', C2S],
  ['asnGetJournalEntriesV2', 2172, 'Journal', 'invoke', C2S],
  ['asnGetJournalEntriesCountV2', 2173, 'Journal', 'invoke', C2S],
  ['asnGetAndSubscribePresenceV2', 4505, 'PresenceV2', 'invoke', C2S],
  ['asnUnsubscribePresence', 4503, 'PresenceV2', 'invoke', C2S],
  ['asnUpdatePresenceV2', 4504, 'PresenceV2', 'event', S2C],
  ['asnSetUserAbsentState', 1128, 'Main', 'invoke', C2S],
  ['asnGetUserAbsentState', 1129, 'Main', 'invoke', C2S],
  ['asnResetUserAbsentState', 1130, 'Main', 'invoke', C2S],
  ['asnUpdateMyAbsentStateV2', 1313, 'Main', 'event', S2C],
  ['asnCustomNoteSet', 1510, 'Main', 'invoke', C2S],
  ['asnUpdateMyCustomNote', 1511, 'Main', 'event', S2C],
  ['asnSetClientCapabilitiesV2', 3300, 'ClientCapabilities', 'invoke', C2S],
  ['asnGetClientCapabilitiesV2', 3301, 'ClientCapabilities', 'invoke', C2S],
  ['asnClientCapabilitiesV2Changed', 3302, 'ClientCapabilities', 'event', S2C],
  ['asnGetClientContent', 1126, 'ClientContent', 'invoke', C2S],
  ['asnSubscribeClientContent', 4600, 'ClientContent', 'invoke', C2S],
  ['asnUnsubscribeClientContent', 4601, 'ClientContent', 'invoke', C2S],
  ['asnChangeClientContent', 4606, 'ClientContent', 'invoke', C2S],
  ['asnClientContentChanged', 4607, 'ClientContent', 'event', S2C],
  // not in §4.0: ucserver's own operation for its web softphone (protocol/ucsAv.ts)
  ['asnUcsReattachAVCall', 60_001, 'AV', 'invoke', C2S],
];

const all = Object.values(operations) as AnyOperation[];

describe('operation registry', () => {
  test('operations holds exactly the §4.0 summary table', () => {
    assert.equal(all.length, summary.length);
    assert.deepEqual(
      Object.keys(operations).sort(),
      summary.map(([name]) => name).sort(),
    );
  });

  for (const [name, id, module, kind, direction] of summary) {
    test(`findOperation('${name}') and findOperation(${id}) give ${kind} ${id} (${module}, ${direction})`, () => {
      const byName = findOperation(name);
      assert.ok(byName);
      assert.equal(byName.id, id);
      assert.equal(byName.name, name);
      assert.equal(byName.module, module);
      assert.equal(byName.kind, kind);
      assert.equal(byName.direction, direction);
      assert.equal(findOperation(id), byName);
      assert.ok(Object.isFrozen(byName));
    });
  }

  test('ids and names are unique and every key equals its operation name', () => {
    assert.equal(new Set(all.map((op) => op.id)).size, all.length);
    for (const [key, op] of Object.entries(operations)) assert.equal(key, op.name);
  });

  test('no operation id collides with a reserved neighbour id', () => {
    const reserved = new Set<number>(Object.values(ReservedOperationIds));
    for (const op of all) assert.ok(!reserved.has(op.id), `${op.name} ${op.id}`);
  });

  test('findOperation() of an unknown id or name gives undefined', () => {
    assert.equal(findOperation(4711), undefined);
    assert.equal(findOperation(1225), undefined);
    assert.equal(findOperation('asnLogon'), undefined);
    assert.equal(findOperation('toString'), undefined);
    assert.equal(findOperation(null as never), undefined);
    assert.equal(isOperationName('asnCtiHold'), true);
    assert.equal(isOperationName('constructor'), false);
  });

  test('every operation carries the ASN.1 type names used for _type', () => {
    const names: [string, string, string?][] = [
      ['asnNegotiateServerConnectionV2', 'AsnNegotiateServerConnectionV2Argument', 'AsnNegotiateServerConnectionV2ResultChoice'],
      ['asnLoginV2', 'AsnLoginV2Argument', 'AsnLoginV2Result'],
      ['asnGetLoggedInContactV2', 'AsnGetLoggedInContactArgument', 'AsnGetLoggedInContactV2Result'],
      ['asnAVMakeCallV2', 'AsnAVMakeCallV2Argument', 'AsnAVMakeCallResult'],
      ['asnGetJournalEntriesV2', 'AsnGetJournalEntriesV2Argument', 'AsnGetJournalEntriesResult'],
      ['asnGetJournalEntriesCountV2', 'AsnGetJournalEntriesCountV2Argument', 'AsnGetJournalEntriesCountResult'],
      ['asnJournalEntryListChanged', 'AsnJournalEntryChangedListArgument'],
      ['asnAVCallHoldV2', 'AsnAVCallMessageV2Argument'],
      ['asnKeepAlive', 'AsnKeepAliveArgument'],
    ];
    for (const [name, argumentType, resultType] of names) {
      const op = findOperation(name)!;
      assert.equal(op.argumentType, argumentType, name);
      if (resultType !== undefined) assert.equal(isInvokeOperation(op) ? op.resultType : undefined, resultType, name);
    }
    for (const op of all) {
      assert.match(op.argumentType, /^Asn[A-Za-z0-9]+$/);
      if (isInvokeOperation(op)) assert.match(op.resultType, /^Asn[A-Za-z0-9]+$/);
    }
  });

  test('InvokeHandlers/EventHandlers/ArgumentOf/ResultOf type a handler map (compile-time checks)', () => {
    interface Session {
      user: string;
    }
    const handlers: Partial<InvokeHandlers<Session>> = {
      asnCtiMakeCall: (argument, session) => ({ u8sConnectionID: `${session.user}:${argument.u8sPhoneNumberTo}` }),
      asnCtiDropCall: async () => ({ bSuccess: true }),
      asnLoginV2: (argument) => (argument.auth && 'authBasic' in argument.auth ? { succceeded: {} } : { supportedAuthMethods: { authMethodsOrdered: [1] } }),
      // @ts-expect-error a BOOLEAN result member must be a boolean
      asnCtiHold: () => ({ bSuccess: 1 }),
    };
    const events: Partial<EventHandlers<Session>> = {
      asnAVDropCall: (argument) => void argument.iAvDropReason,
      asnLogoff: () => undefined,
    };
    // @ts-expect-error server-to-client events cannot have inbound handlers
    const wrongDirection: Partial<EventHandlers<Session>> = { asnCtiNotifyLineInfoChanged: () => undefined };
    const argument: ArgumentOf<'asnCtiMakeCall'> = { u8sPhoneNumberFrom: 'L', u8sPhoneNumberTo: '1', iNumberFormat: 1 };
    const result: ResultOf<'asnAVGetIceServers'> = { iceServers: [{ urls: ['stun:x'] }] };
    // @ts-expect-error events have no result type
    const noResult: ResultOf<'asnLogoff'> = {};
    assert.equal(typeof handlers.asnCtiMakeCall, 'function');
    assert.equal(typeof events.asnAVDropCall, 'function');
    assert.ok(wrongDirection && argument && result && noResult);
  });
});
