// Softphone (AV) and CTI call flows through the gateway, tested at the NATS boundary: the media node and
// the pbx-adapter are played by bus responders that follow the shared contract. The end-to-end suite
// runs the same flows against the real media service and pbx-adapter.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallTopics, CtiCommands, LineTopics, MediaCommands, MediaTopics } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { EnetucRequestError } from '../../src/client/EnetucClient.ts';
import { peerBus, startGateway, tcpClient } from '../support.ts';
import { ANSWER, NODE, OFFER, type Peers } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

describe('softphone and CTI call flows (NATS contract)', () => {
  let flows: CallFlows;
  let app: GatewayApp;
  let peers: Peers;
  let lineA: string;
  let lineB: string;
  let alice: EnetucClient;
  let bob: EnetucClient;

  before(async () => {
    flows = await startCallFlows();
    ({ app, peers, lineA, lineB, alice, bob } = flows);
  });
  after(() => flows.close());

  it('outgoing softphone call: result, then AV alert/connect with the media answer, CTI events in order, journal row', async () => {
    const monitor = await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'sip:alice@ucserver.local', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    assert.equal(r.callAndConnectionID.u8sCallID, `av-${callId}`);
    const offer = await peers.waitFor('softphone.offer', (p) => p.callId === callId);
    assert.equal(offer.sdp, OFFER);
    const make = await peers.waitFor('pbx.makeCall', (p) => p.callId === callId);
    assert.deepEqual(make, { callId, lineId: lineA, to: '101', mediaNodeId: NODE, origin: 'softphone', gateway: app.instance });

    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing', mediaNodeId: NODE });
    await peers.event({ ...base, state: 'ringback' });
    const alert = await alice.waitForEvent('asnAVAlertV2', (a) => a.u8sCallID === `av-${callId}`);
    assert.equal(alert.endpointIDTo, r.callAndConnectionID.u8sEndpointID);
    await peers.event({ ...base, state: 'connected' });
    const connect = await alice.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === `av-${callId}`);
    assert.equal(connect.u8sBody, ANSWER);
    assert.equal(connect.u8sContentType, 'application/sdp');

    // CTI: dialing (4, reason 1), ringback (8, reason 2), connected (32, reason 3)
    await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.iCallState === 32);
    const cti = alice.received.filter((e) => e.name === 'asnCtiNotifyLineCallInformationChanged').map((e) => e.argument as { u8sMonitorCrossRefID: string; reason: number; callinformation: { iCallState: number; u8sConnectionID: string } });
    assert.deepEqual(cti.map((e) => [e.reason, e.callinformation.iCallState]), [[1, 4], [2, 8], [3, 32]]);
    assert.ok(cti.every((e) => e.u8sMonitorCrossRefID === monitor.u8sMonitorCrossRefID && e.callinformation.u8sConnectionID === callId));

    // The client hangs up: the gateway asks the pbx-adapter to drop; its disconnect comes back as CTI disconnected, destroyed.
    alice.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: `av-${callId}` }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    assert.deepEqual(await peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'normal' });
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
    await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.iCallState === 1 && e.callinformation.u8sConnectionID === callId);
    const tail = alice.received.filter((e) => e.name === 'asnCtiNotifyLineCallInformationChanged').slice(-2).map((e) => (e.argument as { reason: number; callinformation: { iCallState: number } }));
    assert.deepEqual(tail.map((e) => [e.reason, e.callinformation.iCallState]), [[11, 256], [12, 1]]);
    // the client hung up itself: no asnAVDropCall back
    assert.equal(alice.received.some((e) => e.name === 'asnAVDropCall'), false);
    // journal row (written from the stream)
    const row = await check(async () => (await app.context.journal.get(callId))?.endedAt ? app.context.journal.get(callId) : undefined, 5000, { name: 'journal row' });
    assert.equal(row?.direction, 'outbound');
    assert.equal(row?.disconnectCause, 'normal');
    await alice.invoke('asnCtiLineMonitorStop', { u8sMonitorCrossRefID: monitor.u8sMonitorCrossRefID });
  });

  it('the node\'s pushed answer for the PBX\'s 2xx connects the softphone before the adapter\'s connected, once, without softphone.answer', async () => {
    const pushed = `${ANSWER}a=x-pushed\r\n`;
    const monitor = await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'sip:alice@ucserver.local', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    const offer = await peers.waitFor('softphone.offer', (p) => p.callId === callId);
    assert.equal(offer.answerTo, app.instance.instanceId, 'the offer names this gateway run for the pushed answer');
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing', mediaNodeId: NODE });
    await peers.event({ ...base, state: 'ringback' });
    await alice.waitForEvent('asnAVAlertV2', (a) => a.u8sCallID === `av-${callId}`);
    // Another gateway's answer does not reach this one.
    peers.bus.publish(MediaTopics.softphoneAnswer, { gatewayId: 'another-gateway', callId, sdp: `${ANSWER}a=x-elsewhere\r\n`, answered: true });
    peers.bus.publish(MediaTopics.softphoneAnswer, { gatewayId: app.instance.instanceId, callId, sdp: pushed, answered: true });
    const connect = await alice.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === `av-${callId}`);
    assert.equal(connect.u8sBody, pushed);
    assert.equal(app.context.calls.get(callId)?.state, 'ringback', 'connected before the adapter said so');
    await peers.event({ ...base, state: 'connected' });
    await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId && e.callinformation.iCallState === 32);
    assert.equal(alice.received.filter((e) => e.name === 'asnAVConnectV2' && (e.argument as { u8sCallID: string }).u8sCallID === `av-${callId}`).length, 1, 'connected once');
    assert.equal(peers.requests.some((q) => q.verb === 'softphone.answer' && q.payload.callId === callId), false, 'no softphone.answer request');
    alice.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: `av-${callId}` }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    await peers.waitFor('pbx.drop', (p) => p.callId === callId);
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
    await alice.invoke('asnCtiLineMonitorStop', { u8sMonitorCrossRefID: monitor.u8sMonitorCrossRefID });
  });

  it('an early-media answer (183) is pushed but connects nothing until the adapter\'s connected, which then uses it', async () => {
    const pushed = `${ANSWER}a=x-early\r\n`;
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'sip:alice@ucserver.local', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    await peers.waitFor('softphone.offer', (p) => p.callId === callId);
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing', mediaNodeId: NODE });
    peers.bus.publish(MediaTopics.softphoneAnswer, { gatewayId: app.instance.instanceId, callId, sdp: pushed, answered: false });
    await peers.event({ ...base, state: 'ringback' });
    await alice.waitForEvent('asnAVAlertV2', (a) => a.u8sCallID === `av-${callId}`);
    await peers.bus.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(alice.received.some((e) => e.name === 'asnAVConnectV2' && (e.argument as { u8sCallID: string }).u8sCallID === `av-${callId}`), false, 'not connected by early media');
    await peers.event({ ...base, state: 'connected' });
    const connect = await alice.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === `av-${callId}`);
    assert.equal(connect.u8sBody, pushed, 'the pushed answer');
    assert.equal(peers.requests.some((q) => q.verb === 'softphone.answer' && q.payload.callId === callId), false, 'no softphone.answer request');
    alice.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: `av-${callId}` }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    await peers.waitFor('pbx.drop', (p) => p.callId === callId);
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });

  it('incoming call to a connected softphone: asnAVNewCallV2 with the media offer; alert → 180, connect → answer', async () => {
    const callId = `in-${Date.now()}`;
    const reply = await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    assert.deepEqual(reply, { accept: true, gateway: app.instance }, 'accepted by this gateway run, which owns the call');
    const newCall = await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    assert.equal(newCall.u8sBody, OFFER);
    assert.equal(newCall.u8sUriFrom, 'tel:100');
    bob.sendEvent('asnAVAlertV2', { u8sCallID: newCall.callAndConnectionID.u8sCallID, endpointIDTo: newCall.endpointIDFrom, endpointIDFrom: newCall.callAndConnectionID.u8sEndpointID, u8sUriTo: newCall.u8sUriFrom, u8sContentType: '', u8sBody: '' });
    await peers.waitFor('pbx.alert', (p) => p.callId === callId);
    bob.sendEvent('asnAVCallMessageV2', { u8sCallID: newCall.callAndConnectionID.u8sCallID, endpointIDTo: newCall.endpointIDFrom, endpointIDFrom: newCall.callAndConnectionID.u8sEndpointID, messageType: 2, u8sUriTo: '', iceCandidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    await peers.waitFor('softphone.candidate', (p) => p.callId === callId);
    bob.sendEvent('asnAVConnectV2', { u8sCallID: newCall.callAndConnectionID.u8sCallID, endpointIDTo: newCall.endpointIDFrom, connectedEndPointID: newCall.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: newCall.u8sUriFrom, u8sContentType: 'application/sdp', u8sBody: ANSWER });
    const applied = await peers.waitFor('softphone.apply-answer', (p) => p.callId === callId);
    assert.equal(applied.sdp, ANSWER);
    await peers.waitFor('pbx.answer', (p) => p.callId === callId);
    // remote hang-up → asnAVDropCall to the client
    const base = { callId, lineId: lineB, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
    await peers.event({ ...base, state: 'offering' });
    await peers.event({ ...base, state: 'connected' });
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
    const drop = await bob.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.iAvDropReason, 0);
  });

  it('a softphone re-offer (ICE restart) gets the media answer as REINVITE_ANSWER; a refused one gets RENEGOTIATE_DECLINE with the reason', async () => {
    const callId = `re-${Date.now()}`;
    await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    const newCall = await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    const ids = { u8sCallID: newCall.callAndConnectionID.u8sCallID, endpointIDTo: newCall.endpointIDFrom, endpointIDFrom: newCall.callAndConnectionID.u8sEndpointID, u8sUriTo: newCall.u8sUriFrom };
    bob.sendEvent('asnAVConnectV2', { u8sCallID: ids.u8sCallID, endpointIDTo: ids.endpointIDTo, connectedEndPointID: ids.endpointIDFrom, callType: 65535, u8sUriTo: ids.u8sUriTo, u8sContentType: 'application/sdp', u8sBody: ANSWER });
    await peers.waitFor('pbx.answer', (p) => p.callId === callId);
    // (waitForEvent also sees earlier events: each reply is told apart by its body)
    const reply = (type: number, body: RegExp) => bob.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === ids.u8sCallID && m.messageType === type && body.test(m.u8sBody ?? ''));

    const answered = reply(10, /a=x-restarted/);
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: 'application/sdp', u8sBody: OFFER });
    const answer = await answered;
    assert.equal(answer.u8sContentType, 'application/sdp');
    assert.match(answer.u8sBody ?? '', /a=x-restarted/);
    assert.equal((await peers.waitFor('softphone.reoffer', (p) => p.callId === callId)).sdp, OFFER);

    const declined = reply(8, /fingerprint/);
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sContentType: 'application/sdp', u8sBody: `${OFFER}a=x-new-session\r\n` });
    const reason = (await declined).u8sBody ?? '';
    assert.match(reason, /^UCS_ERR_MEDIA_SDP_INVALID: softphone re-offer has a new DTLS fingerprint/);
    assert.doesNotMatch(reason, /subject/, 'no bus internals toward the client');
    const noSdp = reply(8, /no SDP/);
    bob.sendEvent('asnAVCallMessageV2', { ...ids, messageType: 9, u8sUriTo: ids.u8sUriTo });
    assert.match((await noSdp).u8sBody ?? '', /no SDP/);
    // the call is still up; the far end hangs up
    const base = { callId, lineId: lineB, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
    for (const state of ['offering', 'connected'] as const) await peers.event({ ...base, state });
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
    await bob.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === ids.u8sCallID);
  });

  it('the callee rejects: asnAVDropCall reason 16 becomes a decline drop', async () => {
    const callId = `rej-${Date.now()}`;
    await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    const nc = await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    bob.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: nc.callAndConnectionID.u8sCallID }, u8sCause: 'rejected', iAvDropReason: 16 });
    assert.deepEqual(await peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'decline' });
  });

  it('an incoming call for a user without a connected softphone is refused with no-client; unknown lines too', async () => {
    const carol = await app.context.users.create({ login: 'carol', password: 'carol-pw' });
    const line = await app.context.lines.create({ number: '102', registrar: 'pbx', ownerLogin: carol.login });
    assert.deepEqual(await peers.bus.cti.request(CtiCommands.incomingCall, { callId: 'x1', lineId: line.id, from: '100', to: '102', mediaNodeId: NODE }), { accept: false, reason: 'no-client' });
    assert.deepEqual(await peers.bus.cti.request(CtiCommands.incomingCall, { callId: 'x2', lineId: '00000000-0000-0000-0000-000000000000', from: '100', to: '1', mediaNodeId: NODE }), { accept: false, reason: 'unknown-line' });
  });

  it('asnAVMakeCallV2 places the call while the media node takes the offer (side by side), and answers once both did', async () => {
    peers.stall('softphone.offer', (p) => String(p.sdp).includes('a=x-slow-node'), 400);
    const started = Date.now();
    const made = alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:105', u8sContentType: 'application/sdp', u8sBody: `${OFFER}a=x-slow-node\r\n` });
    const make = await peers.waitFor('pbx.makeCall', (p) => p.to === '105');
    assert.ok(Date.now() - started < 300, `the call was placed before the node answered the offer (${Date.now() - started} ms)`);
    const r = await made;
    assert.equal(r.u8sCTIConnectionID, make.callId);
    assert.ok(Date.now() - started >= 390, 'the reply waited for the offer');
    await peers.event({ callId: r.u8sCTIConnectionID, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '105', state: 'disconnected', cause: 'normal' });
  });

  it('the callee\'s answer goes to the pbx-adapter while the media node takes its SDP (side by side)', async () => {
    const callId = `sbs-${Date.now()}`;
    peers.stall('softphone.apply-answer', (p) => p.callId === callId, 400);
    await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    const newCall = await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    const started = Date.now();
    bob.sendEvent('asnAVConnectV2', { u8sCallID: newCall.callAndConnectionID.u8sCallID, endpointIDTo: newCall.endpointIDFrom, connectedEndPointID: newCall.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: newCall.u8sUriFrom, u8sContentType: 'application/sdp', u8sBody: ANSWER });
    await peers.waitFor('pbx.answer', (p) => p.callId === callId);
    assert.ok(Date.now() - started < 300, `answered before the node took the softphone's answer (${Date.now() - started} ms)`);
    assert.equal((await peers.waitFor('softphone.apply-answer', (p) => p.callId === callId)).sdp, ANSWER);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(peers.requests.some((r) => r.verb === 'pbx.drop' && r.payload.callId === callId), false, 'an accepted answer drops nothing');
    await peers.event({ callId, lineId: lineB, lineNumber: '101', direction: 'inbound', remoteNumber: '100', state: 'disconnected', cause: 'normal' });
  });

  it('asnAVMakeCallV2 whose offer the media node refuses fails with AsnRequestError 100; the call placed beside the offer is dropped', async () => {
    const before = peers.requests.filter((r) => r.verb === 'pbx.makeCall').length;
    await assert.rejects(alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: 'v=0\r\n' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 100 && /media refused the offer/.test(e.message));
    // The offer and the call go side by side; the real adapter's PBX offer fails behind the refused one
    // (no INVITE), this one accepted the call, so the gateway drops it.
    const made = peers.requests.filter((r) => r.verb === 'pbx.makeCall').slice(before);
    assert.equal(made.length, 1);
    await peers.waitFor('pbx.drop', (p) => p.callId === made[0]!.payload.callId);
  });

  it('a media failure drops the call: asnAVDropCall to the client and a drop to the pbx-adapter', async () => {
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    await peers.event({ callId, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', state: 'dialing' });
    await check(() => app.context.calls.get(callId), 5000, { name: 'call tracked' });
    await peers.bus.publishDurable(CallTopics.media, { type: 'failed', callId, nodeId: NODE, cause: 'worker died', at: Date.now() });
    const drop = await alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.match(drop.u8sCause, /worker died/);
    await peers.waitFor('pbx.drop', (p) => p.callId === callId);
  });

  it('registration state changes reach monitors as asnCtiNotifyLineInfoChanged', async () => {
    const m = await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
    peers.bus.publish(LineTopics.registration, { lineId: lineA, status: 'registered', at: Date.now(), sipStatus: 200 });
    const info = await alice.waitForEvent('asnCtiNotifyLineInfoChanged', (e) => e.u8sMonitorCrossRefID === m.u8sMonitorCrossRefID && e.lineInfo.iLineOpenStatus === 2);
    assert.equal(info.u8sLinePhoneNumber, 'tel:100');
    await alice.invoke('asnCtiLineMonitorStop', { u8sMonitorCrossRefID: m.u8sMonitorCrossRefID });
  });

  it('third-party call control: asnCtiMakeCall asks the softphone to dial, the call keeps the CTI connection id', async () => {
    const controller = await tcpClient(app);
    await controller.login('alice', 'alice-pw', { softphone: false });
    try {
      // The controller is not a softphone; alice's softphone connection (alice) must get the request.
      const { u8sConnectionID } = await controller.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:100', u8sPhoneNumberTo: '101', iNumberFormat: 0 });
      const request = await alice.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === u8sConnectionID && a.bIsRemoteControlCallOut === true);
      assert.equal(request.u8sUriTo, 'tel:101');
      const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: request.u8sUriFrom, u8sUriTo: request.u8sUriTo, u8sContentType: 'application/sdp', u8sBody: OFFER, bIsRemoteControlCallOut: true });
      assert.equal(r.u8sCTIConnectionID, u8sConnectionID);
      assert.equal((await peers.waitFor('pbx.makeCall', (p) => p.callId === u8sConnectionID)).origin, 'cti');
      await peers.event({ callId: u8sConnectionID, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', state: 'dialing' });
      const result = await controller.waitForEvent('asnCtiNotifyMakeCallResult', (e) => e.u8sConnectionID === u8sConnectionID);
      assert.equal(result.success, 1);
    } finally {
      controller.close();
    }
  });

  it('asnCtiHold, asnCtiDialDigits and asnCtiDropCall on a connected call reach the pbx-adapter', async () => {
    const callId = `cc-${Date.now()}`;
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'connected' });
    await check(() => app.context.calls.get(callId)?.state === 'connected', 5000, { name: 'connected call' });
    assert.deepEqual(await alice.invoke('asnCtiHold', { bHold: true, u8sConnectionID: callId }), { bSuccess: true });
    assert.deepEqual(await peers.waitFor('pbx.hold', (p) => p.callId === callId), { callId, hold: true });
    assert.deepEqual(await alice.invoke('asnCtiDialDigits', { u8sConnectionID: callId, iDigitMode: 2, iDigitDuration: 0, u8sDigitsToDial: '12#' }), { bSuccess: true });
    assert.equal((await peers.waitFor('pbx.digits', (p) => p.callId === callId)).digits, '12#');
    await assert.rejects(alice.invoke('asnCtiDialDigits', { u8sConnectionID: callId, iDigitMode: 2, iDigitDuration: 0, u8sDigitsToDial: 'xyz' }), EnetucRequestError);
    assert.deepEqual(await alice.invoke('asnCtiDropCall', { u8sConnectionID: callId }), { bSuccess: true });
    assert.deepEqual(await peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'normal' });
    // bob may not touch alice's call
    await assert.rejects(bob.invoke('asnCtiDropCall', { u8sConnectionID: callId }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
  });

  it('asnCtiHold follows the hold side: a call held by the far end can be held here, only our own hold is retrieved', async () => {
    const callId = `hs-${Date.now()}`;
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'held', hold: 'remote' });
    await check(() => app.context.calls.get(callId)?.hold === 'remote', 5000, { name: 'call held by the far end' });
    await assert.rejects(alice.invoke('asnCtiHold', { bHold: false, u8sConnectionID: callId }), (e: unknown) => e instanceof EnetucRequestError && /held: remote/.test(e.message));
    assert.deepEqual(await alice.invoke('asnCtiHold', { bHold: true, u8sConnectionID: callId }), { bSuccess: true });
    assert.deepEqual(await peers.waitFor('pbx.hold', (p) => p.callId === callId && p.hold === true), { callId, hold: true });
    await peers.event({ ...base, state: 'held', hold: 'both' });
    await check(() => app.context.calls.get(callId)?.hold === 'both', 5000, { name: 'held on both sides' });
    await assert.rejects(alice.invoke('asnCtiHold', { bHold: true, u8sConnectionID: callId }), EnetucRequestError);
    assert.deepEqual(await alice.invoke('asnCtiHold', { bHold: false, u8sConnectionID: callId }), { bSuccess: true });
    assert.deepEqual(await peers.waitFor('pbx.hold', (p) => p.callId === callId && !p.hold), { callId, hold: false });
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });

  it('journal operations: entries of the user only, read flags, entry changed events after subscribe', async () => {
    await alice.invoke('asnJournalSubscribeEvents', { bReceiveJournalEvents: true });
    const callId = `j-${Date.now()}`;
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'inbound' as const, remoteNumber: '555' };
    await peers.event({ ...base, state: 'offering' });
    await peers.event({ ...base, state: 'disconnected', cause: 'cancelled' });
    const changed = await alice.waitForEvent('asnJournalEntryChanged', (e) => e.journalEntry.u8sConnectionID === callId && e.journalEntry.stStopTime !== '');
    assert.equal(changed.journalEntry.iOrigin, 0);
    const find = { stStartTimeFrom: '', stStartTimeTo: '', u8slistLineUserNames: [], u8slistPhoneNumber: ['555'], u8sContactName: '', u8sCompanyName: '', u8sFilterText: '', iMaxNumEntries: 10, iFilter: 0 };
    const list = await alice.invoke('asnGetJournalEntriesV2', { findOptions: find });
    assert.deepEqual(list.journalList.map((e) => e.u8sConnectionID), [callId]);
    assert.equal((await bob.invoke('asnGetJournalEntriesV2', { findOptions: find })).journalList.length, 0);
    assert.deepEqual(await alice.invoke('asnUpdateJournalReadFlag', { u8sConnectionIDList: [callId], bReadFlag: true }), { bSuccess: true });
    assert.equal((await alice.invoke('asnJournalEntryGet', { u8sConnectionID: callId })).journalEntry.iReadFlag, 1);
    assert.equal((await alice.invoke('asnGetJournalEntriesCountV2', { findOptions: { ...find, iFilter: 256 } })).iCount, 0);
    await assert.rejects(bob.invoke('asnJournalEntryGet', { u8sConnectionID: callId }), EnetucRequestError);
    assert.deepEqual(await alice.invoke('asnDeleteJournalEntries', { u8sConnectionIDList: [callId] }), { iResult: 0 });
    assert.equal((await alice.invoke('asnGetJournalEntriesV2', { findOptions: find })).journalList.length, 0);
  });

  it('a media path change reaches monitors as a call data refresh (reason 15) with the new path', async () => {
    const callId = `mp-${Date.now()}`;
    const m = await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101', mediaNodeId: NODE };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'connected', mediaPath: 'pbx' });
    await check(() => app.context.calls.get(callId)?.state === 'connected', 5000, { name: 'connected' });
    await peers.bus.publishDurable(CallTopics.media, { type: 'path', callId, nodeId: NODE, path: 'direct', at: Date.now() });
    const e = await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (x) => x.callinformation.u8sConnectionID === callId && x.reason === 15);
    assert.equal(e.callinformation.optionalParams?.MediaPath, 'direct');
    assert.equal(e.callinformation.iCallState, 32);
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
    await alice.invoke('asnCtiLineMonitorStop', { u8sMonitorCrossRefID: m.u8sMonitorCrossRefID });
  });

  it('a softphone that disconnects mid-call has its call dropped', async () => {
    const c = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    const r = await c.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    c.close();
    await peers.waitFor('pbx.drop', (p) => p.callId === r.u8sCTIConnectionID);
  });

  // Last: it silences the fake node for good.
  it('a media node that stops heartbeating takes its calls down: asnAVDropCall and a drop to the pbx-adapter', async () => {
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    await peers.event({ callId, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', state: 'dialing', mediaNodeId: NODE });
    await peers.event({ callId, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', state: 'connected', mediaNodeId: NODE });
    peers.silence();
    const drop = await alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`, 5000);
    assert.match(drop.u8sCause, new RegExp(`media node ${NODE} expired`));
    await peers.waitFor('pbx.drop', (p) => p.callId === callId);
  });
});

describe('idle timeout and slow answers', () => {
  it('a connection waiting for a slow answer is not closed as idle', async () => {
    const app = await startGateway({ CTI_IDLE_TIMEOUT_MS: '1000' });
    const bus = await peerBus(app);
    try {
      await app.context.users.create({ login: 'dora', password: 'dora-pw' });
      await app.context.lines.create({ number: '300', registrar: 'pbx', ownerLogin: 'dora' });
      bus.publish(MediaTopics.heartbeat, { nodeId: 'slow', addresses: ['127.0.0.1'], workers: 1, workersAlive: 1, calls: 0, legs: 0, load: 0, draining: false, startedAt: 1, at: Date.now(), intervalMs: 60_000 });
      // the media node takes 1.6 s, longer than the idle timeout, to answer
      bus.media('slow').serve(MediaCommands.softphoneOffer, async (r) => {
        await new Promise((res) => setTimeout(res, 1600));
        return { legId: `leg-${r.callId}`, codecs: ['opus' as const] };
      });
      bus.media('slow').serve(MediaCommands.close, () => ({ quality: null }));
      await bus.flush();
      const c = await tcpClient(app, { user: 'dora', password: 'dora-pw' });
      await check(() => app.bus?.connected, 2000, { name: 'bus' });
      // no pbx-adapter answers call.make: the invoke ends with an error — but it ends, on an open connection
      await assert.rejects(c.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:300', u8sUriTo: 'tel:301', u8sContentType: 'application/sdp', u8sBody: OFFER }, { timeoutMs: 15_000 }), EnetucRequestError);
      assert.equal(c.closed, false);
      c.close();
    } finally {
      await bus.close();
      await app.stop();
    }
  });
});

