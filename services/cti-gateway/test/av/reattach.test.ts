// Issue 18, the gateway's side of asnUcsReattachAVCall (tested at the NATS boundary, as softphone.test.ts):
// a softphone whose gateway died presents a running call to this gateway, which knows the call from the
// CALLS stream only. Taken over: the pbx-adapter is asked to make this run the owner, and the call is the
// client's here (hang-up and the far end's hang-up go through this gateway). Refused with a clear error
// and nothing changed: an unknown call, another user's call, a call that has ended (its grace ran out),
// a call not answered yet, and a call the pbx-adapter no longer carries.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { UcsError, type CallEvent } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import { EnetucRequestError, type EnetucClient } from '../../src/client/EnetucClient.ts';
import { NODE } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

describe('asnUcsReattachAVCall: a softphone call taken over from a lost gateway', { timeout: 60_000 }, () => {
  let flows: CallFlows;
  before(async () => {
    flows = await startCallFlows();
  });
  after(() => flows.close());

  /** A call on alice's line placed through another gateway: this one knows it from its call events only. */
  async function foreignCall(state: 'connected' | 'offering' = 'connected'): Promise<{ callId: string; base: Omit<CallEvent, 'seq' | 'at' | 'state'> }> {
    const callId = randomUUID();
    const base = { callId, lineId: flows.lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101', mediaNodeId: NODE };
    await flows.peers.event({ ...base, state: 'dialing' });
    if (state === 'connected') await flows.peers.event({ ...base, state: 'connected' });
    await check(() => flows.app.context.calls.get(callId)?.state === (state === 'connected' ? 'connected' : 'dialing'), 5000, { name: 'the call known from its events' });
    return { callId, base };
  }

  async function refused(client: EnetucClient, callId: string, pattern: RegExp): Promise<void> {
    const err = await client.invoke('asnUcsReattachAVCall', { u8sCTIConnectionID: callId, u8sCallID: `av-${callId}` }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EnetucRequestError, `refused: ${String(err)}`);
    assert.equal(err.iErrorDetail, 100);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /subject:/);
  }

  /** No re-attach reached the adapter, and the client's hang-up of the call goes nowhere (it is not its call here). */
  async function unchanged(client: EnetucClient, callId: string): Promise<void> {
    assert.equal(flows.peers.requests.some((r) => r.verb === 'pbx.reattach' && r.payload.callId === callId), false, 'no re-attach at the adapter');
    client.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: `av-${callId}` }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    await client.invoke('asnAVGetIceServers', {}); // the drop event was handled before this answer
    assert.equal(flows.peers.requests.some((r) => r.verb === 'pbx.drop' && r.payload.callId === callId), false, 'no drop: the call is not the client\'s here');
  }

  it('re-attached: the adapter makes this run the owner, the client gets the AV ids, hangs up through this gateway', async () => {
    const { callId } = await foreignCall();
    const r = await flows.alice.invoke('asnUcsReattachAVCall', { u8sCTIConnectionID: callId, u8sCallID: `av-${callId}`, bHeld: false, bVideo: false });
    assert.equal(r.u8sCTIConnectionID, callId);
    assert.equal(r.callAndConnectionID.u8sCallID, `av-${callId}`);
    assert.match(r.callAndConnectionID.u8sEndpointID, /^ep-/);
    assert.equal(r.endpointIDRemote, `ep-pbx-${callId.slice(0, 8)}`);
    assert.deepEqual(await flows.peers.waitFor('pbx.reattach', (p) => p.callId === callId), { callId, gateway: flows.app.instance });
    // Asked again (the page's retry): the same answer, no second take-over.
    assert.deepEqual(await flows.alice.invoke('asnUcsReattachAVCall', { u8sCTIConnectionID: callId, u8sCallID: `av-${callId}` }), r);
    assert.equal(flows.peers.requests.filter((x) => x.verb === 'pbx.reattach' && x.payload.callId === callId).length, 1);
    flows.alice.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: `av-${callId}` }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    assert.deepEqual(await flows.peers.waitFor('pbx.drop', (p) => p.callId === callId), { callId, reason: 'normal' });
  });

  it('re-attached, then the far end hangs up: the client hears asnAVDropCall from this gateway', async () => {
    const { callId, base } = await foreignCall();
    await flows.alice.invoke('asnUcsReattachAVCall', { u8sCTIConnectionID: callId, u8sCallID: `av-${callId}` });
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'normal' });
    const drop = await flows.alice.waitForEvent('asnAVDropCall', (d) => 'u8sCallID' in d.dropTarget && d.dropTarget.u8sCallID === `av-${callId}`);
    assert.equal(drop.u8sCause, 'normal');
  });

  it('an unknown call: refused, nothing changes', async () => {
    const callId = randomUUID();
    await refused(flows.alice, callId, /no call '[0-9a-f-]+' on a line of yours/);
    await unchanged(flows.alice, callId);
  });

  it('another user\'s call: refused with the same words as an unknown one, nothing changes', async () => {
    const { callId, base } = await foreignCall();
    await refused(flows.bob, callId, /no call '[0-9a-f-]+' on a line of yours/);
    await unchanged(flows.bob, callId);
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });

  it('after the grace (the call ended with gateway-lost): refused, nothing changes', async () => {
    const { callId, base } = await foreignCall();
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'gateway-lost' });
    await check(() => flows.app.context.calls.get(callId)?.state === 'disconnected', 5000, { name: 'the call ended' });
    await refused(flows.alice, callId, /the call has ended \(gateway-lost\)/);
    await unchanged(flows.alice, callId);
  });

  it('a call not answered yet: refused, nothing changes', async () => {
    const { callId, base } = await foreignCall('offering');
    await refused(flows.alice, callId, /only an answered call can be re-attached \(the call is dialing\)/);
    await unchanged(flows.alice, callId);
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'cancelled' });
  });

  it('a call the pbx-adapter no longer carries: refused with its code, the call is not the client\'s', async () => {
    const { callId, base } = await foreignCall();
    flows.peers.refuse('pbx.reattach', (p) => p.callId === callId, new UcsError('UCS_ERR_PBX_CALL_NOT_FOUND', `no such call [callId:${callId}]`));
    await refused(flows.alice, callId, /could not be re-attached: UCS_ERR_PBX_CALL_NOT_FOUND: no such call/);
    flows.alice.sendEvent('asnAVDropCall', { dropTarget: { u8sCallID: `av-${callId}` }, u8sCause: 'normal call clearing', iAvDropReason: 0 });
    await flows.alice.invoke('asnAVGetIceServers', {});
    assert.equal(flows.peers.requests.some((r) => r.verb === 'pbx.drop' && r.payload.callId === callId), false);
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });

  it('an AV call id that does not name the connection: refused', async () => {
    const { callId, base } = await foreignCall();
    const err = await flows.alice.invoke('asnUcsReattachAVCall', { u8sCTIConnectionID: callId, u8sCallID: 'av-something-else' }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EnetucRequestError);
    assert.match(err.message, /the AV call id does not name the connection/);
    await unchanged(flows.alice, callId);
    await flows.peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });
});
