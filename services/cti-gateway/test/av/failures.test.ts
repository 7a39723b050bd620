// What a client hears when the media node or the pbx-adapter refuses a command of a softphone or CTI
// flow (tested at the NATS boundary, as softphone.test.ts): the refusal's code and words, never our bus
// subjects, and the call cleaned up on the other side.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CtiCommands, MediaTopics, UcsError } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import { EnetucRequestError } from '../../src/client/EnetucClient.ts';
import { ANSWER, NODE, OFFER } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

describe('softphone and CTI flows when a peer refuses', { timeout: 60_000 }, () => {
  let flows: CallFlows;
  before(async () => {
    flows = await startCallFlows();
  });
  after(() => flows.close());

  it('asnAVMakeCallV2 the pbx-adapter refuses fails with AsnRequestError 100 naming its code, and closes the media', async () => {
    flows.peers.refuse('pbx.makeCall', (p) => p.to === '666', new UcsError('UCS_ERR_PBX_LINE_DISABLED', 'line is disabled'));
    const err = await flows.alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:666', u8sContentType: 'application/sdp', u8sBody: OFFER }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EnetucRequestError);
    assert.equal(err.iErrorDetail, 100);
    assert.match(err.message, /call could not be placed: UCS_ERR_PBX_LINE_DISABLED: line is disabled/);
    assert.doesNotMatch(err.message, /subject:/);
    const make = flows.peers.requests.find((r) => r.verb === 'pbx.makeCall' && r.payload.to === '666')!.payload;
    assert.deepEqual(await flows.peers.waitFor('media.close', (p) => p.callId === make.callId), { callId: make.callId, cause: 'make-call failed' });
  });

  it('asnAVMakeCallV2 picked a node nobody answers for (it just died, not yet expired): the offer goes to the next node, and later calls skip it', async () => {
    // Preferred over node-test (same load, earlier id); nothing listens on its subjects: no responders.
    flows.peers.bus.publish(MediaTopics.heartbeat, { nodeId: 'node-ghost', addresses: ['127.0.0.1'], workers: 1, workersAlive: 1, calls: 0, legs: 0, load: 0, draining: false, startedAt: 1, at: Date.now(), intervalMs: 60_000 });
    await check(() => flows.app.placement?.nodes().some((n) => n.nodeId === 'node-ghost'), 5000, { name: 'the ghost node known' });
    for (const to of ['101', '102']) {
      const started = Date.now();
      const r = await flows.alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: `tel:${to}`, u8sContentType: 'application/sdp', u8sBody: OFFER });
      const callId = r.u8sCTIConnectionID;
      assert.ok(flows.peers.requests.some((q) => q.verb === 'softphone.offer' && q.payload.callId === callId), `the offer of the call to ${to} reached ${NODE}`);
      // The call went with the offer; the one on the ghost (the first call only) was dropped again.
      const made = flows.peers.requests.filter((q) => q.verb === 'pbx.makeCall' && q.payload.callId === callId).map((q) => q.payload.mediaNodeId);
      assert.deepEqual(made, to === '101' ? ['node-ghost', NODE] : [NODE]);
      if (to === '101') await flows.peers.waitFor('pbx.drop', (p) => p.callId === callId);
      assert.ok(Date.now() - started < 2000, `placed without waiting for a timeout (${Date.now() - started} ms)`);
    }
    // The ghost drains: the later tests' calls never go near it.
    flows.peers.bus.publish(MediaTopics.heartbeat, { nodeId: 'node-ghost', addresses: ['127.0.0.1'], workers: 1, workersAlive: 1, calls: 0, legs: 0, load: 0, draining: true, startedAt: 1, at: Date.now(), intervalMs: 60_000 });
    await check(() => flows.app.placement?.nodes().find((n) => n.nodeId === 'node-ghost')?.draining, 5000, { name: 'the ghost draining' });
  });

  it('an outgoing call whose node has no SDP answer is dropped: asnAVDropCall "media failure" and a drop to the pbx-adapter', async () => {
    const r = await flows.alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    flows.peers.refuse('softphone.answer', (p) => p.callId === callId, new UcsError('UCS_ERR_MEDIA_CALL_STATE', 'no PBX answer yet'));
    const base = { callId, lineId: flows.lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101', mediaNodeId: NODE };
    await flows.peers.event({ ...base, state: 'dialing' });
    await flows.peers.event({ ...base, state: 'connected' });
    const drop = await flows.alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.u8sCause, 'media failure');
    assert.deepEqual(await flows.peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'media-failure' });
    assert.equal(flows.alice.received.some((e) => e.name === 'asnAVConnectV2' && (e.argument as { u8sCallID: string }).u8sCallID === `av-${callId}`), false);
  });

  it('an answer the node refuses drops the incoming call: asnAVDropCall "answer failed: <code>: …"; the answer that went beside it is hung up as a media failure', async () => {
    const callId = `in-${Date.now()}`;
    flows.peers.refuse('softphone.apply-answer', (p) => p.callId === callId, new UcsError('UCS_ERR_MEDIA_SDP_INVALID', 'no ICE credentials'));
    assert.deepEqual(await flows.peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: flows.lineA, from: '555', to: '100', mediaNodeId: NODE }), { accept: true, gateway: flows.app.instance });
    const offer = await flows.alice.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    flows.alice.sendEvent('asnAVConnectV2', { u8sCallID: offer.callAndConnectionID.u8sCallID, endpointIDTo: offer.endpointIDFrom, connectedEndPointID: offer.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: offer.u8sUriFrom, u8sContentType: 'application/sdp', u8sBody: ANSWER });
    const drop = await flows.alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.u8sCause, 'answer failed: UCS_ERR_MEDIA_SDP_INVALID: no ICE credentials');
    assert.deepEqual(await flows.peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'media-failure' });
    // The 200 went out beside the refused answer (issue 16); the drop comes after it (a BYE once ACKed).
    const verbs = flows.peers.requests.filter((r) => r.payload.callId === callId).map((r) => r.verb);
    assert.ok(verbs.indexOf('pbx.answer') >= 0 && verbs.indexOf('pbx.answer') < verbs.indexOf('pbx.drop'), verbs.join(', '));
  });

  it('an answer the pbx-adapter refuses drops the incoming call with a normal drop, though the node took the softphone\'s answer', async () => {
    const callId = `in2-${Date.now()}`;
    flows.peers.refuse('pbx.answer', (p) => p.callId === callId, new UcsError('UCS_ERR_INVALID_STATE', 'the INVITE is gone'));
    await flows.peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: flows.lineA, from: '555', to: '100', mediaNodeId: NODE });
    const offer = await flows.alice.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    flows.alice.sendEvent('asnAVConnectV2', { u8sCallID: offer.callAndConnectionID.u8sCallID, endpointIDTo: offer.endpointIDFrom, connectedEndPointID: offer.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: offer.u8sUriFrom, u8sContentType: 'application/sdp', u8sBody: ANSWER });
    const drop = await flows.alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.match(drop.u8sCause, /^answer failed: UCS_ERR_INVALID_STATE/);
    assert.deepEqual(await flows.peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'normal' });
  });

  it('asnCtiHold the pbx-adapter refuses fails with AsnRequestError 1 (generalerror) naming its code', async () => {
    const callId = `cc-${Date.now()}`;
    const base = { callId, lineId: flows.lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await flows.peers.event({ ...base, state: 'dialing' });
    await flows.peers.event({ ...base, state: 'connected' });
    await check(() => flows.app.context.calls.get(callId)?.state === 'connected', 5000, { name: 'connected call' });
    flows.peers.refuse('pbx.hold', (p) => p.callId === callId, new UcsError('UCS_ERR_PBX_SIP_FAILED', 're-INVITE failed: 491 Request Pending'));
    const err = await flows.alice.invoke('asnCtiHold', { bHold: true, u8sConnectionID: callId }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EnetucRequestError);
    assert.equal(err.iErrorDetail, 1);
    assert.match(err.message, /UCS_ERR_PBX_SIP_FAILED: re-INVITE failed: 491 Request Pending/);
    assert.doesNotMatch(err.message, /subject:/);
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });
});
