// asnCtiConference's control flow: which call is active and which held, the checks (same line, one
// media node, not Direct Media), retrieve then mix, the conference marks and events, the undo when the
// media node refuses, and the end of the conference when a member hangs up.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { CallEvent } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import type { ActiveCall } from '../../src/calls/CallRegistry.ts';
import { CtiConference, type ConferenceMedia } from '../../src/cti/CtiConference.ts';
import { sendConferenceNotice, type ConferenceNotice } from '../../src/cti/conferenceEvents.ts';
import { callInformation } from '../../src/cti/ctiMapping.ts';
import {
  AsnCtiNotifyConferenceCreatedArgument,
  AsnCtiNotifyConferenceDestroyedArgument,
  AsnCtiNotifyConferencePartyRemovedArgument,
  EAsnCallType,
  EnumCallState,
  findOperation,
} from '../../src/protocol/mod.ts';
import { ConferenceSplitError, CtiRequestError } from '../../src/session/CtiRequestError.ts';

function call(id: string, state: ActiveCall['state'], extra: Partial<ActiveCall> = {}): ActiveCall {
  return {
    callId: id, lineId: 'line-1', lineNumber: '100', direction: 'outbound', state, remoteNumber: id === 'c1' ? '200' : '300', remoteName: undefined,
    createdAt: Date.now(), connectedAt: Date.now(), disconnectedAt: undefined, cause: undefined, hold: state === 'held' ? 'local' : undefined,
    mediaNodeId: 'node-1', mediaPath: 'pbx', lastSeq: 1, pickedUpFrom: undefined, ...extra,
  };
}

class Calls extends EventEmitter<{ callchanged: [ActiveCall, CallEvent, CallEvent['state'] | undefined] }> {
  list: ActiveCall[] = [];
  onLine(lineId: string): ActiveCall[] {
    return this.list.filter((c) => c.lineId === lineId);
  }
}

function bed(mediaFails = false) {
  const log: string[] = [];
  const calls = new Calls();
  const media: ConferenceMedia = {
    conferenceJoin: async (nodeId, conferenceId, members) => {
      log.push(`join ${nodeId} ${members.map((m) => `${m.callId}:${m.legs.join('+')}`).join(' ')}`);
      if (mediaFails) throw new Error('UCS_ERR_MEDIA_NO_COMMON_CODEC: cannot mix G722');
      return { participants: [], dissolved: false };
    },
  };
  const notified: string[] = [];
  const notices: ConferenceNotice[] = [];
  const conference = new CtiConference({
    announce: (n) => notices.push(n),
    pbx: { hold: async (callId, hold) => void log.push(`${hold ? 'hold' : 'retrieve'} ${callId}`) },
    media,
    calls: calls as never,
    notify: (c, conferenced) => notified.push(`${c.callId}:${conferenced ? 'conferenced' : 'ended'}`),
    logger: testLogger('cti-conference'),
  });
  return { calls, conference, log, notified, notices };
}

describe('CtiConference', () => {
  test('retrieves the held call, then mixes the active call\'s softphone and both far ends', async () => {
    const { calls, conference, log, notified } = bed();
    const active = call('c2', 'connected');
    const held = call('c1', 'held');
    calls.list = [held, active];
    const id = await conference.start(active, held);
    assert.deepEqual(log, ['retrieve c1', 'join node-1 c2:softphone+pbx c1:pbx']);
    assert.deepEqual(notified, ['c2:conferenced', 'c1:conferenced']);
    assert.equal(active.conferenceId, id);
    assert.equal(held.conferenceId, id);
    const info = callInformation(active);
    assert.equal(info.iCallType, EAsnCallType.eCALLTYPECONFERENCECONTROLER);
    assert.equal(info.bConferenceCtlr, true);
    assert.equal(info.u8sConferenceCtlrID, id);
  });

  test('Direct Media calls join with the same legs: the node mixes their partners\' softphone legs', async () => {
    const { calls, conference, log, notified } = bed();
    const active = call('c2', 'connected', { mediaPath: 'direct' });
    const held = call('c1', 'held', { mediaPath: 'direct' });
    calls.list = [held, active];
    await conference.start(active, held);
    assert.deepEqual(log, ['retrieve c1', 'join node-1 c2:softphone+pbx c1:pbx']);
    assert.deepEqual(notified, ['c2:conferenced', 'c1:conferenced']);
  });

  test('takes the two calls in either order', async () => {
    const { calls, conference, log } = bed();
    const active = call('c2', 'connected');
    const held = call('c1', 'held');
    calls.list = [held, active];
    await conference.start(held, active);
    assert.equal(log[1], 'join node-1 c2:softphone+pbx c1:pbx');
  });

  test('refuses two connected calls, a call held by the far end, other lines, two media nodes (catalogued), no media', async () => {
    const { conference, log } = bed();
    const refused = (a: ActiveCall, b: ActiveCall, pattern: RegExp) => assert.rejects(conference.start(a, b), (err: unknown) => err instanceof CtiRequestError && pattern.test(err.message));
    await refused(call('c2', 'connected'), call('c1', 'connected'), /held here/);
    await refused(call('c2', 'connected'), call('c1', 'held', { hold: 'remote' }), /held here/);
    await refused(call('c2', 'connected'), call('c1', 'held', { lineId: 'line-2' }), /same line/);
    await assert.rejects(conference.start(call('c2', 'connected'), call('c1', 'held', { mediaNodeId: 'node-2' })), (err: unknown) => err instanceof ConferenceSplitError && err.code === 'UCS_ERR_GW_CONFERENCE_SPLIT' && /media nodes node-1 and node-2/.test(err.message));
    await refused(call('c2', 'connected'), call('c1', 'held', { mediaNodeId: undefined }), /no media yet/);
    assert.deepEqual(log, [], 'nothing was retrieved or mixed');
    const noMedia = new CtiConference({ pbx: { hold: async () => undefined }, media: undefined, calls: new Calls() as never, notify: () => undefined, announce: () => undefined, logger: testLogger('x') });
    await assert.rejects(noMedia.start(call('c2', 'connected'), call('c1', 'held')), /not available/);
  });

  test('a refusal of the media node puts the retrieved call on hold again', async () => {
    const { conference, log, notified } = bed(true);
    const active = call('c2', 'connected');
    const held = call('c1', 'held');
    await assert.rejects(conference.start(active, held), /could not mix the calls: .*G722/);
    assert.deepEqual(log, ['retrieve c1', 'join node-1 c2:softphone+pbx c1:pbx', 'hold c1']);
    assert.deepEqual(notified, []);
    assert.equal(active.conferenceId, undefined);
  });

  test('a member hanging up ends the conference for the other call', async () => {
    const { calls, conference, notified } = bed();
    const active = call('c2', 'connected');
    const held = call('c1', 'held');
    calls.list = [held, active];
    await conference.start(active, held);
    active.state = 'disconnected';
    calls.emit('callchanged', active, { state: 'disconnected' } as CallEvent, 'connected');
    assert.equal(held.conferenceId, undefined);
    assert.equal(active.conferenceId, undefined);
    assert.deepEqual(notified.slice(2), ['c1:ended']);
    assert.equal(callInformation(held).iCallType, EAsnCallType.eCALLTYPENORMAL);
  });

  test('the line\'s monitors hear the conference: created (controller = the active call, members = both calls), then party removed and destroyed', async () => {
    const { calls, conference, notices } = bed();
    const active = call('c2', 'connected');
    const held = call('c1', 'held');
    calls.list = [held, active];
    const id = await conference.start(active, held);
    assert.deepEqual(notices.map((n) => n.kind), ['created']);
    const created = notices[0]!;
    assert.ok(created.kind === 'created');
    assert.equal(created.controller, active);
    assert.deepEqual(created.members.map((m) => m.callId), ['c1', 'c2']);
    assert.ok(created.members.every((m) => m.conferenceId === id), 'the members carry the conference when it is announced');
    held.state = 'disconnected';
    calls.emit('callchanged', held, { state: 'disconnected' } as CallEvent, 'connected');
    assert.deepEqual(notices.map((n) => n.kind), ['created', 'partyRemoved', 'destroyed']);
    const removed = notices[1]!;
    assert.ok(removed.kind === 'partyRemoved');
    assert.equal(removed.member, held);
    const destroyed = notices[2]!;
    assert.ok(destroyed.kind === 'destroyed');
    assert.deepEqual(destroyed.members.map((m) => m.callId), ['c2']);
    assert.equal(active.conferenceId, undefined, 'announced after the marks are cleared');
    active.state = 'disconnected';
    calls.emit('callchanged', active, { state: 'disconnected' } as CallEvent, 'connected');
    assert.equal(notices.length, 3, 'nothing more once the conference is over');
  });

  test('a refused conference is not announced', async () => {
    const { conference, notices } = bed(true);
    await assert.rejects(conference.start(call('c2', 'connected'), call('c1', 'held')));
    assert.deepEqual(notices, []);
  });
});

describe('conference events on the wire (ENetUC_CTI 1286, 1287, 1289)', () => {
  function capture(notice: ConferenceNotice): { name: string; argument: unknown } {
    let sent: { name: string; argument: unknown } | undefined;
    sendConferenceNotice({ sendEvent: (name: string, argument: unknown) => void (sent = { name, argument }) } as never, 'MCR-7', notice);
    return sent!;
  }
  const active = call('c2', 'connected', { conferenceId: 'conf-1' });
  const held = call('c1', 'connected', { conferenceId: 'conf-1' });

  test('created: the monitor\'s cross ref (u8sLineMonitorCrossRefID), the line, the controller call and every member call', () => {
    const { name, argument } = capture({ kind: 'created', controller: active, members: [held, active] });
    assert.equal(name, 'asnCtiNotifyConferenceCreated');
    assert.equal(findOperation(name)?.id, 1286);
    const arg = AsnCtiNotifyConferenceCreatedArgument.parse(argument);
    assert.equal(arg.u8sLineMonitorCrossRefID, 'MCR-7');
    assert.equal(arg.u8sLinePhoneNumber, 'tel:100');
    assert.equal(arg.conferenceControllerCallInfo.u8sConnectionID, 'c2');
    assert.equal(arg.conferenceControllerCallInfo.bConferenceCtlr, true);
    assert.deepEqual(arg.conferenceMemberCallInfoList.map((c) => [c.u8sConnectionID, c.u8sRemoteNumberSC, c.u8sConferenceCtlrID]), [['c1', '200', 'conf-1'], ['c2', '300', 'conf-1']]);
  });

  test('party removed names the call that left (disconnected); destroyed lists the calls left', () => {
    const gone = call('c1', 'disconnected');
    const removed = capture({ kind: 'partyRemoved', controller: active, member: gone });
    assert.equal(removed.name, 'asnCtiNotifyConferencePartyRemoved');
    const r = AsnCtiNotifyConferencePartyRemovedArgument.parse(removed.argument);
    assert.equal(r.conferenceMemberCallInfo.u8sConnectionID, 'c1');
    assert.equal(r.conferenceMemberCallInfo.iCallState, EnumCallState.eCALLSTATEDISCONNECTED);
    const left = call('c2', 'connected');
    const destroyed = capture({ kind: 'destroyed', controller: left, members: [left] });
    assert.equal(destroyed.name, 'asnCtiNotifyConferenceDestroyed');
    const d = AsnCtiNotifyConferenceDestroyedArgument.parse(destroyed.argument);
    assert.equal(d.conferenceControllerCallInfo.bConferenceCtlr, false, 'the call left is two-party again');
    assert.deepEqual(d.conferenceMemberCallInfoList.map((c) => c.u8sConnectionID), ['c2']);
  });
});
