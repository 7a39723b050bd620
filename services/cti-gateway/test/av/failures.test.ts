// What a client hears when the media node or the pbx-adapter refuses a command of a softphone or CTI
// flow (tested at the NATS boundary, as softphone.test.ts): the refusal's code and words, never our bus
// subjects, and the call cleaned up on the other side.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CtiCommands, UcsError } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucRequestError, type EnetucClient } from '../../src/client/EnetucClient.ts';
import { peerBus, startGateway, tcpClient } from '../support.ts';
import { ANSWER, NODE, OFFER, Peers } from './Peers.ts';

describe('softphone and CTI flows when a peer refuses', { timeout: 60_000 }, () => {
  let app: GatewayApp;
  let peers: Peers;
  let lineA: string;
  let alice: EnetucClient;

  before(async () => {
    app = await startGateway();
    peers = new Peers(await peerBus(app));
    await peers.bus.flush();
    await app.context.users.create({ login: 'alice', password: 'alice-pw' });
    lineA = (await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' })).id;
    alice = await tcpClient(app, { user: 'alice', password: 'alice-pw' });
    await check(() => app.bus?.connected, 2000, { name: 'bus connected' });
  });
  after(async () => {
    alice.close();
    peers.close();
    await peers.bus.close();
    await app.stop();
  });

  it('asnAVMakeCallV2 the pbx-adapter refuses fails with AsnRequestError 100 naming its code, and closes the media', async () => {
    peers.refuse('pbx.makeCall', (p) => p.to === '666', new UcsError('UCS_ERR_PBX_LINE_DISABLED', 'line is disabled'));
    const err = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:666', u8sContentType: 'application/sdp', u8sBody: OFFER }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EnetucRequestError);
    assert.equal(err.iErrorDetail, 100);
    assert.match(err.message, /call could not be placed: UCS_ERR_PBX_LINE_DISABLED: line is disabled/);
    assert.doesNotMatch(err.message, /subject:/);
    const make = peers.requests.find((r) => r.verb === 'pbx.makeCall' && r.payload.to === '666')!.payload;
    assert.deepEqual(await peers.waitFor('media.close', (p) => p.callId === make.callId), { callId: make.callId, cause: 'make-call failed' });
  });

  it('an outgoing call whose node has no SDP answer is dropped: asnAVDropCall "media failure" and a drop to the pbx-adapter', async () => {
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    peers.refuse('softphone.answer', (p) => p.callId === callId, new UcsError('UCS_ERR_MEDIA_CALL_STATE', 'no PBX answer yet'));
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101', mediaNodeId: NODE };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'connected' });
    const drop = await alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.u8sCause, 'media failure');
    assert.deepEqual(await peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'normal' });
    assert.equal(alice.received.some((e) => e.name === 'asnAVConnectV2' && (e.argument as { u8sCallID: string }).u8sCallID === `av-${callId}`), false);
  });

  it('an answer the node refuses drops the incoming call: asnAVDropCall "answer failed: <code>: …" and no answer to the pbx-adapter', async () => {
    const callId = `in-${Date.now()}`;
    peers.refuse('softphone.apply-answer', (p) => p.callId === callId, new UcsError('UCS_ERR_MEDIA_SDP_INVALID', 'no ICE credentials'));
    assert.deepEqual(await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineA, from: '555', to: '100', mediaNodeId: NODE }), { accept: true });
    const offer = await alice.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    alice.sendEvent('asnAVConnectV2', { u8sCallID: offer.callAndConnectionID.u8sCallID, endpointIDTo: offer.endpointIDFrom, connectedEndPointID: offer.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: offer.u8sUriFrom, u8sContentType: 'application/sdp', u8sBody: ANSWER });
    const drop = await alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.u8sCause, 'answer failed: UCS_ERR_MEDIA_SDP_INVALID: no ICE credentials');
    assert.deepEqual(await peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'normal' });
    assert.equal(peers.requests.some((r) => r.verb === 'pbx.answer' && r.payload.callId === callId), false);
  });

  it('asnCtiHold the pbx-adapter refuses fails with AsnRequestError 1 (generalerror) naming its code', async () => {
    const callId = `cc-${Date.now()}`;
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'connected' });
    await check(() => app.context.calls.get(callId)?.state === 'connected', 5000, { name: 'connected call' });
    peers.refuse('pbx.hold', (p) => p.callId === callId, new UcsError('UCS_ERR_PBX_SIP_FAILED', 're-INVITE failed: 491 Request Pending'));
    const err = await alice.invoke('asnCtiHold', { bHold: true, u8sConnectionID: callId }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EnetucRequestError);
    assert.equal(err.iErrorDetail, 1);
    assert.match(err.message, /UCS_ERR_PBX_SIP_FAILED: re-INVITE failed: 491 Request Pending/);
    assert.doesNotMatch(err.message, /subject:/);
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });
});
