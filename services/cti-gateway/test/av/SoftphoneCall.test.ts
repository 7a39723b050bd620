// SoftphoneCall and SoftphoneCalls as pure units: the AV ids derive from the call and the session, every
// AV event the server sends carries them, and the table finds a call only for its own session.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserRow } from '@ucserver/shared/db';
import { SoftphoneCall } from '../../src/av/SoftphoneCall.ts';
import { SoftphoneCalls } from '../../src/av/SoftphoneCalls.ts';
import { AsnAVDropReason, AsnAVMessageType } from '../../src/protocol/mod.ts';
import { SessionRegistry } from '../../src/session/SessionRegistry.ts';
import { recordedSession } from './support.ts';

const user = (id: string): UserRow => ({ id, login: id, displayName: id, passwordHash: '', role: 'user', disabled: false, tokenVersion: 0, createdAt: new Date(0), updatedAt: new Date(0) });

describe('SoftphoneCall', () => {
  const sessions = new SessionRegistry();
  const { session, transport } = recordedSession(sessions, user('alice'));
  const call = new SoftphoneCall({ callId: '0123456789abcdef', session, direction: 'inbound', mediaNodeId: 'n1', lineNumber: '100', remoteNumber: '555' });
  const ids = { u8sCallID: 'av-0123456789abcdef', endpointIDTo: `ep-${session.id.slice(0, 16)}`, endpointIDFrom: 'ep-pbx-01234567', u8sUriTo: 'tel:100' };

  it('new SoftphoneCall() derives the AV ids, the URIs and a fresh state', () => {
    assert.equal(call.avCallId, ids.u8sCallID);
    assert.equal(call.clientEndpoint, ids.endpointIDTo);
    assert.equal(call.remoteEndpoint, ids.endpointIDFrom);
    assert.equal(call.clientUri, 'tel:100');
    assert.equal(call.remoteUri, 'tel:555');
    assert.deepEqual([call.alerted, call.answered, call.droppedByClient, call.ended, call.held, call.heldBySdp], [false, false, false, false, false, false]);
    assert.deepEqual(call.madeCall, { callAndConnectionID: { u8sCallID: ids.u8sCallID, u8sEndpointID: ids.endpointIDTo }, u8sCTIConnectionID: call.callId });
  });

  it('send*() emits each AV event to its session with the call ids', () => {
    call.sendOffer('offer-sdp');
    call.sendAlert();
    call.sendConnect('answer-sdp');
    call.sendMessage(AsnAVMessageType.RENEGOTIATE_DECLINE, { u8sBody: 'no' });
    call.sendHoldAck(true);
    call.sendHoldAck(false);
    call.sendHoldAck(true, 'answer-recvonly');
    call.sendDrop('busy', AsnAVDropReason.BUSY);
    const offer = transport.events('asnAVNewCallV2')[0]!;
    assert.deepEqual([offer.u8sUriFrom, offer.endpointIDFrom, offer.u8sUriTo, offer.u8sBody, offer.u8sContentType, offer.u8sCTIConnectionID], ['tel:555', ids.endpointIDFrom, 'tel:100', 'offer-sdp', 'application/sdp', call.callId]);
    assert.deepEqual(transport.events('asnAVAlertV2')[0], { ...ids, u8sContentType: '', u8sBody: '' });
    const connect = transport.events('asnAVConnectV2')[0]!;
    assert.deepEqual([connect.u8sCallID, connect.connectedEndPointID, connect.u8sBody], [ids.u8sCallID, ids.endpointIDFrom, 'answer-sdp']);
    assert.deepEqual(transport.events('asnAVCallMessageV2')[0], { ...ids, messageType: AsnAVMessageType.RENEGOTIATE_DECLINE, u8sBody: 'no' });
    assert.deepEqual(transport.events('asnAVCallHoldAckV2')[0], { ...ids, messageType: AsnAVMessageType.REMOTE_HOLD_ACK }, 'no body without an SDP answer');
    assert.deepEqual(transport.events('asnAVCallHoldAckV2')[1], { ...ids, messageType: AsnAVMessageType.REMOTE_HOLD_ACK, u8sContentType: 'application/sdp', u8sBody: 'answer-recvonly' });
    assert.equal(transport.events('asnAVCallRetrieveAckV2')[0]!.messageType, AsnAVMessageType.REMOTE_RETRIEVE);
    assert.deepEqual(transport.events('asnAVDropCall')[0], { dropTarget: { u8sCallID: ids.u8sCallID }, u8sCause: 'busy', iAvDropReason: AsnAVDropReason.BUSY });
  });
});

describe('SoftphoneCalls', () => {
  const sessions = new SessionRegistry();
  const alice = recordedSession(sessions, user('alice')).session;
  const bob = recordedSession(sessions, user('bob')).session;
  const calls = new SoftphoneCalls();
  const a1 = new SoftphoneCall({ callId: 'a1', session: alice, direction: 'outbound', mediaNodeId: 'n1', lineNumber: '100', remoteNumber: '101' });
  const b1 = new SoftphoneCall({ callId: 'b1', session: bob, direction: 'inbound', mediaNodeId: 'n2', lineNumber: '101', remoteNumber: '100' });
  calls.add(a1);
  calls.add(b1);

  it('find() by AV call id or call id returns the call of that session only', () => {
    assert.equal(calls.find(alice, 'av-a1'), a1);
    assert.equal(calls.find(alice, 'a1'), a1);
    assert.equal(calls.find(bob, 'av-a1'), undefined);
    assert.equal(calls.find(alice, 'av-nope'), undefined);
  });

  it('onNode() and ofSession() select by media node and by session', () => {
    assert.deepEqual(calls.onNode('n2'), [b1]);
    assert.deepEqual(calls.ofSession(alice), [a1]);
  });

  it('forget() ends the call and removes it', () => {
    calls.forget(a1);
    assert.equal(a1.ended, true);
    assert.equal(calls.get('a1'), undefined);
    assert.equal(calls.find(alice, 'av-a1'), undefined);
  });
});
