// asnCtiPickupCall through the gateway at the NATS boundary (the media node and the pbx-adapter are Peers):
// a call rings at bob (line 101); carol (line 102) is refused until she shares a pickup group with bob;
// then her pickup moves the call (pbx call.pickup), bob's softphone gets asnAVDropCall 'picked-up', carol's
// the node's offer with REMOTE_ACCEPT; once the adapter reports the call on 102, bob's monitor sees it end
// (disconnected 'picked-up', PickedUpBy 102, then destroyed) and carol's sees it; carol's answer answers
// the INVITE. Calls that do not ring, and users without a softphone, are refused with clear errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CtiCommands, UcsError } from '@ucserver/shared';
import type { GatewayApp } from '../../src/app.ts';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { EnetucRequestError } from '../../src/client/EnetucClient.ts';
import { AsnAVMessageType } from '../../src/protocol/mod.ts';
import { tcpClient } from '../support.ts';
import { ANSWER, NODE, type Peers } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

type CallInfoEvent = { u8sMonitorCrossRefID: string; reason: number; callinformation: { iCallState: number; u8sConnectionID: string; iDisconnectedReason: number; optionalParams?: Record<string, unknown> } };

describe('pickup (asnCtiPickupCall) through the gateway', () => {
  let flows: CallFlows;
  let app: GatewayApp;
  let peers: Peers;
  let lineB: string;
  let lineC: string;
  let bob: EnetucClient;
  let carol: EnetucClient;

  before(async () => {
    flows = await startCallFlows();
    ({ app, peers, lineB, bob } = flows);
    await app.context.users.create({ login: 'carol', password: 'carol-pw' });
    lineC = (await app.context.lines.create({ number: '102', registrar: 'pbx', ownerLogin: 'carol' })).id;
    carol = await tcpClient(app, { user: 'carol', password: 'carol-pw' });
  });
  after(async () => {
    carol.close();
    await flows.close();
  });

  /** A call from 100 rings at bob's softphone (offering published, accepted, offered by asnAVNewCallV2). */
  async function ringAtBob(): Promise<{ callId: string; base: { callId: string; lineId: string; lineNumber: string; direction: 'inbound'; remoteNumber: string } }> {
    const callId = randomUUID();
    const base = { callId, lineId: lineB, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
    await peers.event({ ...base, state: 'offering', mediaNodeId: NODE });
    await peers.bus.cti.request(CtiCommands.incomingCall, { callId, lineId: lineB, from: '100', to: '101', mediaNodeId: NODE });
    await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    await peers.waitFor('softphone.create-offer', (p) => p.callId === callId);
    return { callId, base };
  }

  const pickup = (client: EnetucClient, arg: { contact?: string; connection?: string; line?: string }) =>
    client.invoke('asnCtiPickupCall', { u8sContactID: arg.contact ?? '', u8sConnectionID: arg.connection ?? '', u8sPhoneNumber: arg.line ?? '', iNumberFormat: 0 });

  it('outside a shared pickup group: accessdenied with the reason, nothing moves, bob keeps ringing', async () => {
    const { callId, base } = await ringAtBob();
    await app.context.pickupGroups.create({ name: 'bob-only', lines: ['101'], users: [] });
    await assert.rejects(pickup(carol, { contact: '101' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2 && /carol may not pick up calls of line 101: they share no pickup group/.test(e.message));
    await assert.rejects(pickup(carol, { connection: callId }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2);
    assert.equal(peers.requests.some((r) => r.verb === 'pbx.pickup'), false, 'no pickup reached the adapter');
    assert.equal(bob.received.some((e) => e.name === 'asnAVDropCall'), false, 'bob\'s softphone still rings');
    await app.context.pickupGroups.delete('bob-only');
    await peers.event({ ...base, state: 'disconnected', cause: 'cancelled' });
    await bob.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
  });

  it('in a shared group: the call moves to carol\'s line, bob\'s softphone and monitor see it end picked-up, carol\'s softphone answers it', async () => {
    await app.context.pickupGroups.create({ name: 'sales', lines: [], users: ['bob', 'carol'] });
    const bobMonitor = await bob.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:101' });
    const carolMonitor = await carol.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:102' });
    const { callId, base } = await ringAtBob();

    assert.deepEqual(await pickup(carol, { contact: 'bob', line: 'tel:102' }), { bSuccess: true });
    assert.deepEqual(await peers.waitFor('pbx.pickup', (p) => p.callId === callId), { callId, lineId: lineC, lineNumber: '102' });
    const drop = await bob.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.u8sCause, 'picked-up');
    const offer = await carol.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    assert.equal(offer.u8sUriTo, 'tel:102');
    assert.equal(offer.u8sUriFrom, 'tel:100');
    const accept = await carol.waitForEvent('asnAVCallMessageV2', (m) => m.u8sCallID === `av-${callId}`);
    assert.equal(accept.messageType, AsnAVMessageType.REMOTE_ACCEPT, 'the picker\'s softphone is asked to answer at once');
    assert.equal(peers.requests.filter((r) => r.verb === 'softphone.create-offer' && r.payload.callId === callId).length, 2, 'the node offered the same leg again');

    // The adapter reports the call on carol's line.
    await peers.event({ ...base, lineId: lineC, lineNumber: '102', pickup: { fromLineId: lineB, fromLineNumber: '101' }, state: 'offering', mediaNodeId: NODE });
    const ofBob = (): CallInfoEvent[] => bob.received.filter((e) => e.name === 'asnCtiNotifyLineCallInformationChanged').map((e) => e.argument as CallInfoEvent).filter((e) => e.callinformation.u8sConnectionID === callId);
    await bob.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId && e.callinformation.iCallState === 1);
    assert.deepEqual(ofBob().map((e) => [e.reason, e.callinformation.iCallState]), [[0, 2], [11, 256], [12, 1]], 'bob: offering, disconnected, destroyed');
    const features = (ofBob()[0]!.callinformation as unknown as { iFeatures: number }).iFeatures;
    assert.equal(features & 1024, 1024, 'the ringing call may be picked up (eCFEATUREMAYBEPICKUPED)');
    const gone = ofBob()[1]!;
    assert.equal(gone.u8sMonitorCrossRefID, bobMonitor.u8sMonitorCrossRefID);
    assert.equal(gone.callinformation.iDisconnectedReason, 3, 'eDISCONNECTEDREASONREDIRECTEDUNKNOWN');
    assert.equal(gone.callinformation.optionalParams?.DisconnectCause, 'picked-up');
    assert.equal(gone.callinformation.optionalParams?.PickedUpBy, '102');
    const atCarol = await carol.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId);
    assert.equal(atCarol.u8sMonitorCrossRefID, carolMonitor.u8sMonitorCrossRefID);
    assert.equal(atCarol.callinformation.iCallState, 2);
    assert.equal(atCarol.callinformation.optionalParams?.PickedUpFrom, '101');
    assert.equal(app.context.calls.get(callId)?.lineId, lineC);

    // Carol's softphone answers: the node gets her SDP, the adapter answers the INVITE.
    carol.sendEvent('asnAVConnectV2', { u8sCallID: `av-${callId}`, endpointIDTo: offer.endpointIDFrom, connectedEndPointID: offer.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: 'tel:100', u8sContentType: 'application/sdp', u8sBody: ANSWER });
    assert.equal((await peers.waitFor('softphone.apply-answer', (p) => p.callId === callId)).sdp, ANSWER);
    await peers.waitFor('pbx.answer', (p) => p.callId === callId);
    // Bob's late answer finds no call of his any more.
    assert.equal(peers.requests.filter((r) => r.verb === 'pbx.answer' && r.payload.callId === callId).length, 1);
    await peers.event({ ...base, lineId: lineC, lineNumber: '102', pickup: { fromLineId: lineB, fromLineNumber: '101' }, state: 'connected' });
    const connected = await carol.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId && e.callinformation.iCallState === 32);
    assert.equal(connected.reason, 3, 'reasonCallConnected');
    assert.equal(connected.callinformation.iFeatures & 1024, 0, 'a connected call is picked up no more');
    // The far end changes (the caller's side transferred the call): reasonRemotePartyChanged.
    await peers.event({ ...base, lineId: lineC, lineNumber: '102', remoteNumber: '103', pickup: { fromLineId: lineB, fromLineNumber: '101' }, state: 'connected' });
    const changed = await carol.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId && e.callinformation.u8sRemoteNumberSC === '103');
    assert.equal(changed.reason, 6, 'reasonRemotePartyChanged');
    await peers.event({ ...base, lineId: lineC, lineNumber: '102', pickup: { fromLineId: lineB, fromLineNumber: '101' }, state: 'disconnected', cause: 'normal' });
    await carol.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    await app.context.pickupGroups.delete('sales');
  });

  it('the adapter refuses the move: the error reaches the picker and bob can still answer; a call bob answered is not picked up', async () => {
    await app.context.pickupGroups.create({ name: 'pair', lines: ['101', '102'], users: [] });
    const { callId } = await ringAtBob();
    peers.refuse('pbx.pickup', (p) => p.callId === callId, new UcsError('UCS_ERR_PBX_CALL_STATE', `only a ringing call can be picked up [callId:${callId}]`));
    await assert.rejects(pickup(carol, { connection: callId }), (e: unknown) => e instanceof EnetucRequestError && /only a ringing call can be picked up/.test(e.message));
    assert.equal(bob.received.some((e) => e.name === 'asnAVDropCall' && JSON.stringify(e.argument).includes(callId)), false, 'bob\'s softphone rings on');
    const offer = await bob.waitForEvent('asnAVNewCallV2', (a) => a.u8sCTIConnectionID === callId);
    bob.sendEvent('asnAVConnectV2', { u8sCallID: `av-${callId}`, endpointIDTo: offer.endpointIDFrom, connectedEndPointID: offer.callAndConnectionID.u8sEndpointID, callType: 65535, u8sUriTo: 'tel:100', u8sContentType: 'application/sdp', u8sBody: ANSWER });
    await peers.waitFor('pbx.answer', (p) => p.callId === callId);
    // Answered by bob (the adapter has not reported it connected yet): carol is told, nothing moves.
    await assert.rejects(pickup(carol, { connection: callId }), (e: unknown) => e instanceof EnetucRequestError && /answered at line 101 already/.test(e.message));
    assert.equal(peers.requests.filter((r) => r.verb === 'pbx.pickup' && r.payload.callId === callId).length, 1, 'only the refused attempt reached the adapter');
    await peers.event({ callId, lineId: lineB, lineNumber: '101', direction: 'inbound', remoteNumber: '100', state: 'disconnected', cause: 'normal' });
    await app.context.pickupGroups.delete('pair');
  });

  it('refused clearly: a call that does not ring, nothing ringing for the contact, the own line, no softphone', async () => {
    await app.context.pickupGroups.create({ name: 'all', lines: [], users: ['alice', 'bob', 'carol'] });
    const general = (text: RegExp) => (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 1 && text.test(e.message);
    await assert.rejects(pickup(carol, { connection: 'no-such-call' }), general(/no ringing call 'no-such-call'/));
    await assert.rejects(pickup(carol, { contact: '101' }), general(/nothing rings for '101'/));
    await assert.rejects(pickup(carol, {}), general(/name the call/));
    const { callId } = await ringAtBob();
    await assert.rejects(pickup(bob, { connection: callId }), general(/rings on line 101 already/));
    await assert.rejects(pickup(carol, { connection: callId, line: 'tel:100' }), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2, 'not to a line of someone else');
    // A CTI-only session of carol (no softphone connected): the call cannot be handed over.
    carol.close();
    const cti = await tcpClient(app);
    await cti.login('carol', 'carol-pw', { softphone: false });
    try {
      await assert.rejects(pickup(cti, { connection: callId }), general(/no softphone of carol is connected/));
    } finally {
      cti.close();
    }
    await app.context.pickupGroups.delete('all');
  });
});
