// Hold from the softphone the way a WebRTC client does it, tested at the NATS boundary (the media node
// and the pbx-adapter played by bus responders): asnAVCallHoldV2 / asnAVCallRetrieveV2 with an SDP
// re-offer hold at the PBX and carry the media node's answer in the Ack; a REINVITE_OFFER with
// a=sendonly holds at the PBX and is answered with REINVITE_ANSWER, a=sendrecv after it retrieves, and
// a sendrecv re-offer of a call the SDP did not hold (an ICE restart) leaves the PBX alone, and a call
// already held on our side (by CTI) is not held twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CtiCommands, UcsError } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { ANSWER, NODE, OFFER, type Peers } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

const SDP = 'application/sdp';
const SENDONLY = `${OFFER}a=sendonly\r\n`;
const SENDRECV = `${OFFER}a=sendrecv\r\n`;

describe('softphone hold by SDP re-offer (NATS contract)', () => {
  let flows: CallFlows;
  let app: GatewayApp;
  let peers: Peers;
  let lineB: string;
  let bob: EnetucClient;

  before(async () => {
    flows = await startCallFlows();
    ({ app, peers, lineB, bob } = flows);
  });
  after(() => flows.close());

  /** An incoming call bob answered; its AV ids and what reached the peers for it, in order. */
  async function connectedCall(tag: string): Promise<{ callId: string; ids: { u8sCallID: string; endpointIDTo: string; endpointIDFrom: string; u8sUriTo: string }; log: () => string[] }> {
    const callId = `${tag}-${Date.now()}`;
    await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    const newCall = await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    const ids = { u8sCallID: newCall.callAndConnectionID.u8sCallID, endpointIDTo: newCall.endpointIDFrom, endpointIDFrom: newCall.callAndConnectionID.u8sEndpointID, u8sUriTo: newCall.u8sUriFrom };
    bob.sendEvent('asnAVConnectV2', { u8sCallID: ids.u8sCallID, endpointIDTo: ids.endpointIDTo, connectedEndPointID: ids.endpointIDFrom, callType: 65535, u8sUriTo: ids.u8sUriTo, u8sContentType: SDP, u8sBody: ANSWER });
    await peers.waitFor('pbx.answer', (p) => p.callId === callId);
    const log = (): string[] => peers.requests
      .filter((r) => r.payload.callId === callId && (r.verb === 'pbx.hold' || r.verb === 'softphone.reoffer'))
      .map((r) => (r.verb === 'pbx.hold' ? `hold:${String(r.payload.hold)}` : `reoffer:${/a=(sendonly|inactive|sendrecv)/.exec(String(r.payload.sdp))?.[1] ?? 'none'}`));
    return { callId, ids, log };
  }

  it('asnAVCallHoldV2 with a=sendonly holds at the PBX and the Ack carries the recvonly answer; asnAVCallRetrieveV2 with a=sendrecv retrieves, answer in its Ack', async () => {
    const { ids, log } = await connectedCall('hold-ack');
    bob.sendEvent('asnAVCallHoldV2', { ...ids, messageType: 14, u8sContentType: SDP, u8sBody: SENDONLY });
    const ack = await bob.waitForEvent('asnAVCallHoldAckV2', (a) => a.u8sCallID === ids.u8sCallID);
    assert.equal(ack.messageType, 16);
    assert.equal(ack.u8sContentType, SDP);
    assert.match(ack.u8sBody ?? '', /^a=recvonly\r$/m, 'the answer mirrors sendonly');
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly'], 'hold at the PBX first, then the media answer');

    bob.sendEvent('asnAVCallRetrieveV2', { ...ids, messageType: 15, u8sContentType: SDP, u8sBody: SENDRECV });
    const back = await bob.waitForEvent('asnAVCallRetrieveAckV2', (a) => a.u8sCallID === ids.u8sCallID);
    assert.match(back.u8sBody ?? '', /a=x-restarted/, 'sendrecv answered');
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'hold:false', 'reoffer:sendrecv']);
  });

  it('asnAVCallHoldV2 without SDP: hold at the PBX, an Ack without a body (as before)', async () => {
    const { ids, log } = await connectedCall('hold-plain');
    bob.sendEvent('asnAVCallHoldV2', { ...ids, messageType: 14 });
    const ack = await bob.waitForEvent('asnAVCallHoldAckV2', (a) => a.u8sCallID === ids.u8sCallID);
    assert.equal(ack.u8sBody, undefined);
    assert.deepEqual(log(), ['hold:true']);
    // An ICE restart (sendrecv) while held by asnAVCallHoldV2 does not retrieve.
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDRECV });
    await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 10);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendrecv']);
  });

  it('REINVITE_OFFER with a=sendonly holds at the PBX and gets REINVITE_ANSWER recvonly; a=sendrecv retrieves; a further sendrecv is only a restart', async () => {
    const { ids, log } = await connectedCall('reinvite');
    const answer = (n: number) => bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 10 && bob.received.filter((e) => e.name === 'asnAVCallMessageV2' && (e.argument as { messageType: number; u8sCallID: string }).messageType === 10 && (e.argument as { u8sCallID: string }).u8sCallID === ids.u8sCallID).length >= n);
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDONLY });
    const held = await answer(1);
    assert.equal(held.u8sContentType, SDP);
    assert.match(held.u8sBody ?? '', /^a=recvonly\r$/m);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly']);
    // The same hold re-offered again (e.g. an ICE restart while held) does not hold twice.
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDONLY });
    await answer(2);
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDRECV });
    assert.match((await answer(3)).u8sBody ?? '', /a=x-restarted/);
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDRECV });
    await answer(4);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'reoffer:sendonly', 'hold:false', 'reoffer:sendrecv', 'reoffer:sendrecv']);
  });

  it('REINVITE_OFFER a=sendonly on a call already held on our side (by CTI, as the pbx-adapter reports) is answered without a second hold', async () => {
    const { callId, ids, log } = await connectedCall('cti-held');
    const base = { callId, lineId: lineB, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
    for (const state of ['offering', 'connected'] as const) await peers.event({ ...base, state });
    await peers.event({ ...base, state: 'held', hold: 'local' });
    await check(() => app.context.calls.get(callId)?.hold === 'local', 5000, { name: 'held here (CTI)' });
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDONLY });
    const answer = await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 10);
    assert.match(answer.u8sBody ?? '', /^a=recvonly\r$/m);
    assert.deepEqual(log(), ['reoffer:sendonly'], 'no second hold at the PBX');
    // Not held by the SDP: a sendrecv re-offer is only a restart; retrieving stays CTI's.
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDRECV });
    await check(() => log().length === 2 ? log() : undefined, 5000, { name: 'the sendrecv re-offer reached the media node' });
    assert.deepEqual(log(), ['reoffer:sendonly', 'reoffer:sendrecv']);
  });

  it('a hold the PBX refuses: REINVITE_OFFER gets RENEGOTIATE_DECLINE with the reason and the media node is not asked', async () => {
    const { callId, ids, log } = await connectedCall('hold-refused');
    peers.refuse('pbx.hold', (p) => p.callId === callId, new UcsError('UCS_ERR_PBX_CALL_STATE', 'the call cannot be held now'));
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDONLY });
    const declined = await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 8);
    assert.match(declined.u8sBody ?? '', /cannot be held/);
    assert.deepEqual(log(), ['hold:true']);
  });

  /** A hold re-offer the media node refuses (the test peer refuses a new DTLS session). */
  const REFUSED_SENDONLY = `${OFFER}a=x-new-session\r\na=sendonly\r\n`;
  const declines = (ids: { u8sCallID: string }) => bob.received.filter((e) => e.name === 'asnAVCallMessageV2'
    && (e.argument as { u8sCallID: string; messageType: number }).u8sCallID === ids.u8sCallID && (e.argument as { messageType: number }).messageType === 8);

  it('atomic: REINVITE_OFFER a=sendonly the media node refuses undoes the PBX hold; the decline says so; the next hold holds again', async () => {
    const { ids, log } = await connectedCall('hold-media-refused');
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: REFUSED_SENDONLY });
    const declined = await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 8);
    assert.match(declined.u8sBody ?? '', /^hold not done: the media node refused the re-offer \(.*new DTLS fingerprint.*\); the PBX hold was undone$/);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'hold:false'], 'held, refused by media, retrieved again');
    // Nothing is left held: a good hold re-offer holds at the PBX again and is answered.
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDONLY });
    const answer = await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 10);
    assert.match(answer.u8sBody ?? '', /^a=recvonly\r$/m);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'hold:false', 'hold:true', 'reoffer:sendonly']);
  });

  it('atomic: a retrieve re-offer (a=sendrecv) the media node refuses holds at the PBX again, and the call stays held by the SDP', async () => {
    const { callId, ids, log } = await connectedCall('retrieve-media-refused');
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDONLY });
    await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 10);
    peers.refuse('softphone.reoffer', (p) => p.callId === callId && /a=sendrecv/.test(String(p.sdp)), new UcsError('UCS_ERR_MEDIA_SDP_INVALID', 'the media node cannot resume now'));
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: SDP, u8sBody: SENDRECV });
    const declined = await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 8);
    assert.match(declined.u8sBody ?? '', /^retrieve not done: .*cannot resume now.*; the PBX retrieve was undone$/);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'hold:false', 'reoffer:sendrecv', 'hold:true']);
  });

  it('atomic: asnAVCallHoldV2 whose SDP the media node refuses: PBX hold undone, no Ack, RENEGOTIATE_DECLINE with the reason', async () => {
    const { ids, log } = await connectedCall('holdv2-media-refused');
    bob.sendEvent('asnAVCallHoldV2', { ...ids, messageType: 14, u8sContentType: SDP, u8sBody: REFUSED_SENDONLY });
    const declined = await bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === 8);
    assert.match(declined.u8sBody ?? '', /^hold not done: .*; the PBX hold was undone$/);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'hold:false']);
    assert.equal(bob.received.filter((e) => e.name === 'asnAVCallHoldAckV2' && (e.argument as { u8sCallID: string }).u8sCallID === ids.u8sCallID).length, 0, 'no hold Ack for a hold that did not happen');
    assert.equal(declines(ids).length, 1);
    // The hold without SDP still works (the call is not held anywhere).
    bob.sendEvent('asnAVCallHoldV2', { ...ids, messageType: 14 });
    await bob.waitForEvent('asnAVCallHoldAckV2', (a) => a.u8sCallID === ids.u8sCallID);
    assert.deepEqual(log(), ['hold:true', 'reoffer:sendonly', 'hold:false', 'hold:true']);
  });
});
