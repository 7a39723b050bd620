// The softphone's transfer messages (asnAVTransferGetID / asnAVTransferStart, estos-shaped) through the
// gateway at the NATS boundary: blind transfer (REFER to the target), its failure as the SIP status,
// attended transfer with the consultation call's id from GetID (REFER with Replaces), and refusals for
// calls the client does not have and targets that are no number.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MediaTopics, UcsError } from '@ucserver/shared';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { transferStatusOf } from '../../src/av/AvTransfer.ts';
import { NODE, OFFER, type Peers } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

describe('softphone transfer messages (asnAVTransferGetID / asnAVTransferStart)', () => {
  let flows: CallFlows;
  let peers: Peers;
  let alice: EnetucClient;
  let lineA: string;

  before(async () => {
    flows = await startCallFlows();
    ({ peers, alice, lineA } = flows);
  });
  after(() => flows.close());

  /** A connected softphone call of alice (line 100) to `to`; its CTI id. */
  async function connectedCall(to: string): Promise<string> {
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: `tel:${to}`, u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: to };
    await peers.event({ ...base, state: 'dialing', mediaNodeId: NODE });
    await peers.event({ ...base, state: 'connected' });
    await alice.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === `av-${callId}`);
    return callId;
  }

  const transfer = (callId: string, to: string, targetId?: string) => ({
    u8sCallID: `av-${callId}`, endpointIDTo: 'ep-pbx', endpointIDFrom: 'ep-alice', iTransferResult: 0, u8sUriTransferTo: to, u8sUriTransferFrom: 'tel:100',
    ...(targetId ? { u8sTransferTargetID: targetId } : {}),
  });
  const result = (callId: string, name: 'asnAVTransferStartResult' | 'asnAVTransferGetIDResult') => alice.waitForEvent(name, (e) => e.u8sCallID === `av-${callId}`);

  it('blind: asnAVTransferStart REFERs the call to the target and answers 202', async () => {
    const callId = await connectedCall('101');
    alice.sendEvent('asnAVTransferStart', transfer(callId, 'tel:102'));
    assert.deepEqual(await peers.waitFor('pbx.redirect', (p) => p.callId === callId), { callId, target: '102' });
    const r = await result(callId, 'asnAVTransferStartResult');
    assert.equal(r.iTransferResult, 202);
    assert.equal(r.u8sUriTransferTo, 'tel:102');
    assert.equal(r.endpointIDTo.startsWith('ep-'), true);
  });

  it('a call connected on the node\'s pushed answer transfers before the adapter\'s connected arrives', async () => {
    const r = await alice.invoke('asnAVMakeCallV2', { callType: 65535, u8sUriFrom: 'tel:100', u8sUriTo: 'tel:101', u8sContentType: 'application/sdp', u8sBody: OFFER });
    const callId = r.u8sCTIConnectionID;
    await peers.event({ callId, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', state: 'dialing', mediaNodeId: NODE });
    await peers.waitFor('softphone.offer', (p) => p.callId === callId);
    peers.bus.publish(MediaTopics.softphoneAnswer, { gatewayId: flows.app.instance.instanceId, callId, sdp: `${OFFER}a=x-pushed\r\n`, answered: true });
    await alice.waitForEvent('asnAVConnectV2', (a) => a.u8sCallID === `av-${callId}`);
    assert.equal(flows.app.context.calls.get(callId)?.state, 'dialing');
    alice.sendEvent('asnAVTransferStart', transfer(callId, 'tel:102'));
    assert.deepEqual(await peers.waitFor('pbx.redirect', (p) => p.callId === callId), { callId, target: '102' });
    assert.equal((await result(callId, 'asnAVTransferStartResult')).iTransferResult, 202);
  });

  it('a target that answers 404 gives 404; a call the client does not have 481; a target that is no number 400', async () => {
    const callId = await connectedCall('101');
    peers.refuse('pbx.redirect', (p) => p.callId === callId && p.target === '109', new UcsError('UCS_ERR_PBX_SIP_FAILED', 'REFER failed: 404 (transfer target) Not Found [callId:x]'));
    alice.sendEvent('asnAVTransferStart', transfer(callId, '109'));
    assert.equal((await result(callId, 'asnAVTransferStartResult')).iTransferResult, 404);
    alice.sendEvent('asnAVTransferStart', transfer('no-such-call', 'tel:102'));
    assert.equal((await result('no-such-call', 'asnAVTransferStartResult')).iTransferResult, 481);
    alice.sendEvent('asnAVTransferGetID', transfer('no-such-call', ''));
    const none = await result('no-such-call', 'asnAVTransferGetIDResult');
    assert.equal(none.iTransferResult, 481);
    assert.equal(none.u8sTransferTargetID, undefined);
    const before = peers.requests.filter((r) => r.verb === 'pbx.redirect').length;
    alice.sendEvent('asnAVTransferStart', transfer(callId, 'sip:<bad>'));
    await alice.waitForEvent('asnAVTransferStartResult', (e) => e.u8sCallID === `av-${callId}` && e.iTransferResult === 400);
    assert.equal(peers.requests.filter((r) => r.verb === 'pbx.redirect').length, before, 'nothing sent for a bad target');
  });

  it('attended: GetID of the consultation call gives its id; Start with it REFERs with Replaces to its far end', async () => {
    const first = await connectedCall('101');
    const consultation = await connectedCall('102');
    alice.sendEvent('asnAVTransferGetID', transfer(consultation, 'tel:102'));
    const id = await result(consultation, 'asnAVTransferGetIDResult');
    assert.equal(id.iTransferResult, 200);
    assert.equal(id.u8sTransferTargetID, consultation);
    alice.sendEvent('asnAVTransferStart', transfer(first, 'tel:102', id.u8sTransferTargetID));
    assert.deepEqual(await peers.waitFor('pbx.redirect', (p) => p.callId === first), { callId: first, target: '102', replacesCallId: consultation });
    assert.equal((await result(first, 'asnAVTransferStartResult')).iTransferResult, 202);
    // the call itself named as its own target: no such consultation call
    alice.sendEvent('asnAVTransferStart', transfer(consultation, 'tel:102', consultation));
    await alice.waitForEvent('asnAVTransferStartResult', (e) => e.u8sCallID === `av-${consultation}` && e.iTransferResult === 481);
  });

  it('transferStatusOf reads the SIP status of a REFER failure, else 500', () => {
    assert.equal(transferStatusOf(new Error('REFER failed: 486 (transfer target) Busy Here')), 486);
    assert.equal(transferStatusOf(new Error('REFER failed: 403 Forbidden')), 403);
    assert.equal(transferStatusOf(new Error('no pbx-adapter answered')), 500);
    assert.equal(transferStatusOf(undefined), 500);
  });
});
