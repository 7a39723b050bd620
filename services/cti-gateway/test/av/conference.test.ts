// asnCtiConference through the gateway at the NATS boundary (the media node and the pbx-adapter are
// Peers): alice talks on one call of line 100 and holds another; her monitor of line 100 gets the
// conference as ENetUC_CTI defines it — both calls changed with reason 4 (conferenced), then
// asnCtiNotifyConferenceCreated (the controller call and both member calls); when the far end of one
// call hangs up, asnCtiNotifyConferencePartyRemoved (that call) and asnCtiNotifyConferenceDestroyed
// (the call left, two-party again). Both calls are on Direct Media: the gateway conferences them alike.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CallTopics } from '@ucserver/shared';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { NODE, type Peers } from './Peers.ts';
import { startCallFlows, type CallFlows } from './support.ts';

type CallInfo = { u8sConnectionID: string; iCallState: number; bConferenceCtlr: boolean; u8sRemoteNumberSC: string };

describe('conference events (asnCtiConference) through the gateway', () => {
  let flows: CallFlows;
  let peers: Peers;
  let lineA: string;
  let alice: EnetucClient;

  before(async () => {
    flows = await startCallFlows();
    ({ peers, lineA, alice } = flows);
  });
  after(async () => {
    await flows.close();
  });

  /** A connected call of alice's line 100 to `remote`, on Direct Media. */
  async function talkTo(remote: string): Promise<string> {
    const callId = randomUUID();
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: remote, mediaNodeId: NODE };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'connected' });
    await peers.bus.publishDurable(CallTopics.media, { type: 'path', callId, nodeId: NODE, path: 'direct', at: Date.now() });
    await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId && e.callinformation.optionalParams?.['MediaPath'] === 'direct');
    return callId;
  }

  it('created with the controller and both calls; a member leaving: party removed, then destroyed with the call left', async () => {
    const monitor = await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
    const b = await talkTo('101');
    await peers.event({ callId: b, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', mediaNodeId: NODE, state: 'held', hold: 'local' });
    await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === b && e.callinformation.iCallState === 128);
    const c = await talkTo('102');

    assert.deepEqual(await alice.invoke('asnCtiConference', { u8sConnectionID1: c, u8sConnectionID2: b }), { bSuccess: true });
    const join = await peers.waitFor('conference.join');
    assert.deepEqual((join as { members: unknown }).members, [{ callId: c, legs: ['softphone', 'pbx'] }, { callId: b, legs: ['pbx'] }]);
    const created = await alice.waitForEvent('asnCtiNotifyConferenceCreated');
    assert.equal(created.u8sLineMonitorCrossRefID, monitor.u8sMonitorCrossRefID);
    assert.equal(created.u8sLinePhoneNumber, 'tel:100');
    const controller = created.conferenceControllerCallInfo as CallInfo;
    assert.equal(controller.u8sConnectionID, c, 'the controller is the active call');
    assert.equal(controller.bConferenceCtlr, true);
    assert.deepEqual((created.conferenceMemberCallInfoList as CallInfo[]).map((m) => [m.u8sConnectionID, m.u8sRemoteNumberSC]), [[b, '101'], [c, '102']]);

    // B (the held call's far end) hangs up.
    await peers.event({ callId: b, lineId: lineA, lineNumber: '100', direction: 'outbound', remoteNumber: '101', mediaNodeId: NODE, state: 'disconnected', cause: 'normal' });
    const removed = await alice.waitForEvent('asnCtiNotifyConferencePartyRemoved');
    assert.equal((removed.conferenceMemberCallInfo as CallInfo).u8sConnectionID, b);
    const destroyed = await alice.waitForEvent('asnCtiNotifyConferenceDestroyed');
    assert.deepEqual((destroyed.conferenceMemberCallInfoList as CallInfo[]).map((m) => [m.u8sConnectionID, m.bConferenceCtlr]), [[c, false]]);
    const order = alice.received.map((e) => e.name).filter((n) => n.startsWith('asnCtiNotifyConference'));
    assert.deepEqual(order, ['asnCtiNotifyConferenceCreated', 'asnCtiNotifyConferencePartyRemoved', 'asnCtiNotifyConferenceDestroyed']);
  });
});
