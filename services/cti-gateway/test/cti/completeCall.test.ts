// asnCtiCompleteCall (callback when a busy line is free) through the gateway at the NATS boundary (the media
// node and the pbx-adapter are Peers): alice's call to bob's busy line ends busy, offers eCFEATURECOMPLETECALL;
// her request waits while bob talks, and bob's hang-up makes her softphone dial him (remote make-call), the new
// call reported as iCallType CALLBACK. Refused clearly: a call that did not fail, an unknown id, another user's
// call, a number that is no line of ours; asnCtiDropCall cancels a pending callback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CallEvent } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { EnetucRequestError } from '../../src/client/EnetucClient.ts';
import type { Peers } from '../av/Peers.ts';
import { startCallFlows, type CallFlows } from '../av/support.ts';

type CallInfoEvent = { callinformation: { iCallState: number; iCallType: number; iFeatures: number; u8sConnectionID: string; optionalParams?: Record<string, unknown> } };

const COMPLETECALL = 4;
const CALLBACK = 3;

describe('call completion (asnCtiCompleteCall) through the gateway', { timeout: 60_000 }, () => {
  let flows: CallFlows;
  let peers: Peers;
  let alice: EnetucClient;
  let bob: EnetucClient;
  let lineA: string;
  let lineB: string;

  before(async () => {
    flows = await startCallFlows();
    ({ peers, alice, bob, lineA, lineB } = flows);
    await alice.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
  });
  after(async () => {
    await flows.close();
  });

  /** A call from alice's line 100 to `to` that ends with `cause` (never connected unless `connect`). */
  async function failedCall(to: string, cause: NonNullable<CallEvent['cause']>, connect = false): Promise<string> {
    const callId = randomUUID();
    const base = { callId, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: to };
    await peers.event({ ...base, state: 'dialing' });
    await peers.event({ ...base, state: 'ringback' });
    if (connect) await peers.event({ ...base, state: 'connected' });
    await peers.event({ ...base, state: 'disconnected', cause });
    await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callId && e.callinformation.iCallState === 1);
    return callId;
  }

  /** A call on bob's line 101 (from `from`), connected; returns its end. */
  async function bobTalks(from: string): Promise<() => Promise<void>> {
    const base = { callId: randomUUID(), lineId: lineB, lineNumber: '101', direction: 'inbound' as const, remoteNumber: from };
    await peers.event({ ...base, state: 'offering' });
    await peers.event({ ...base, state: 'connected' });
    await check(() => flows.app.context.calls.get(base.callId)?.state === 'connected' || undefined, 5000, { name: 'bob talking' });
    return () => peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  }

  const completeCall = (client: EnetucClient, id: string) => client.invoke('asnCtiCompleteCall', { u8sConnectionID: id });
  const dialRequests = (): Array<{ u8sCTIConnectionID?: string; u8sUriTo: string; bIsRemoteControlCallOut?: boolean }> =>
    alice.received.filter((e) => e.name === 'asnAVNewCallV2').map((e) => e.argument as { u8sCTIConnectionID?: string; u8sUriTo: string; bIsRemoteControlCallOut?: boolean });

  it('busy: offered as a feature; waits while bob talks; bob hangs up → alice\'s softphone dials 101, a CALLBACK call', async () => {
    const endBobsCall = await bobTalks('555');
    const callId = await failedCall('101', 'busy');
    const ended = alice.received.map((e) => e.argument as CallInfoEvent).find((e) => e.callinformation?.u8sConnectionID === callId && e.callinformation.iCallState === 256);
    assert.equal((ended!.callinformation.iFeatures & COMPLETECALL), COMPLETECALL, 'the busy call may be completed (eCFEATURECOMPLETECALL)');

    const before = dialRequests().length;
    assert.deepEqual(await completeCall(alice, callId), { bSuccess: true });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(dialRequests().length, before, 'no callback while bob\'s line is busy');

    await endBobsCall();
    const dial = await alice.waitForEvent('asnAVNewCallV2', (a) => a.bIsRemoteControlCallOut === true && a.u8sUriTo === 'tel:101');
    assert.equal(dial.u8sUriFrom, 'tel:100');

    // The softphone dials: the call (the id CTI handed out) is a callback of the busy call.
    const callback = dial.u8sCTIConnectionID!;
    const base = { callId: callback, lineId: lineA, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
    await peers.event({ ...base, state: 'dialing' });
    const info = await alice.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === callback);
    assert.equal(info.callinformation.iCallType, CALLBACK, 'eCALLTYPECALLBACK');
    assert.equal(info.callinformation.optionalParams?.CallbackFor, callId);
    await peers.event({ ...base, state: 'disconnected', cause: 'normal' });
  });

  it('a callback for a line that is free already is placed at once; asnCtiDropCall cancels one still waiting', async () => {
    const first = await failedCall('101', 'busy');
    const dialled = dialRequests().length;
    await completeCall(alice, first);
    await check(() => dialRequests().length > dialled || undefined, 5000, { name: 'callback dialled at once' });

    const endBobsCall = await bobTalks('556');
    const second = await failedCall('101', 'busy');
    await completeCall(alice, second);
    assert.deepEqual(await alice.invoke('asnCtiDropCall', { u8sConnectionID: second }), { bSuccess: true });
    await assert.rejects(alice.invoke('asnCtiDropCall', { u8sConnectionID: second }), EnetucRequestError, 'cancelled once only');
    const count = dialRequests().length;
    await endBobsCall();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(dialRequests().length, count, 'a cancelled callback never dials');
  });

  it('refused clearly: a call that was answered, an unknown id, another user\'s call, a number that is no line of ours', async () => {
    const general = (text: RegExp) => (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 1 && text.test(e.message);
    const answered = await failedCall('101', 'normal', true);
    const ended = alice.received.map((e) => e.argument as CallInfoEvent).find((e) => e.callinformation?.u8sConnectionID === answered && e.callinformation.iCallState === 256);
    assert.equal(ended!.callinformation.iFeatures & COMPLETECALL, 0, 'an answered call offers no completion');
    await assert.rejects(completeCall(alice, answered), general(/only an outbound call that ended busy or unanswered/));
    await assert.rejects(completeCall(alice, 'no-such-call'), general(/cannot be completed/));

    const busy = await failedCall('101', 'busy');
    await assert.rejects(completeCall(bob, busy), (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2 && /line 100 is not assigned to 'bob'/.test(e.message));
    const external = await failedCall('004930555', 'busy');
    await assert.rejects(completeCall(alice, external), general(/004930555 is not a line of this server/));
    // The refused request left the busy call completable for its owner.
    const endBobsCall = await bobTalks('557');
    assert.deepEqual(await completeCall(alice, busy), { bSuccess: true });
    assert.deepEqual(await alice.invoke('asnCtiDropCall', { u8sConnectionID: busy }), { bSuccess: true });
    await endBobsCall();
  });
});
