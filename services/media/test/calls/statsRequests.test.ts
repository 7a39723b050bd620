// What a call's stats cost its worker: nothing while setting up an outgoing call (the first PBX answer has
// nothing to lose), only the transports' stats while no RTP flowed (a ringing or silent call), every
// stream's once RTP flowed; a re-INVITE after media still samples before it changes the PBX side.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FakePbx } from '../support/FakePbx.ts';
import { flowToPbx, flowToPhone, outgoingCall } from '../support/calls.ts';
import { startHarness } from '../support/harness.ts';
import { takeWorkerRequests } from '../support/workerRequests.ts';

const chromiumOffer = readFileSync(new URL('../fixtures/sdp/chromium-offer.sdp', import.meta.url), 'utf8');
const stats = (r: Record<string, number>): number => (r.TRANSPORT_GET_STATS ?? 0) + (r.PRODUCER_GET_STATS ?? 0) + (r.CONSUMER_GET_STATS ?? 0);

describe('stats requests of a call', { timeout: 60_000 }, () => {
  test('an outgoing call sets up without one; closed without media it reads its two transports only', async (t) => {
    const h = await startHarness(t);
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    takeWorkerRequests();
    await h.request('softphoneOffer', { callId: 'quiet', sdp: chromiumOffer });
    await h.request('pbxCreateOffer', { callId: 'quiet', srtp: 'off' });
    await h.request('pbxApplyAnswer', { callId: 'quiet', sdp: pbx.sdp({ rtcpMux: true }) });
    await h.request('softphoneAnswer', { callId: 'quiet' });
    const setup = takeWorkerRequests();
    assert.equal(stats(setup), 0, `no stats request during the setup: ${JSON.stringify(setup)}`);
    assert.equal(setup.ROUTER_CREATE_WEBRTCTRANSPORT_WITH_SERVER, 1);
    assert.equal(setup.TRANSPORT_PRODUCE, 1, 'the softphone microphone');
    assert.equal(setup.TRANSPORT_CONSUME, 1, 'the PBX uplink');

    const { quality } = await h.request('close', { callId: 'quiet' });
    const close = takeWorkerRequests();
    assert.deepEqual([close.TRANSPORT_GET_STATS, close.PRODUCER_GET_STATS, close.CONSUMER_GET_STATS], [2, undefined, undefined], `the two transports' stats only: ${JSON.stringify(close)}`);
    assert.equal(quality?.packetsIn, 0);
    assert.equal(quality?.packetsOut, 0);
    await h.assertNoTransports();
  });

  test('once RTP flowed, a re-INVITE samples before the change and the close reads every stream', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 'talking' });
    await flowToPbx(call, 0x31, 10);
    await flowToPhone(call, 0x32, 0x5151, 0, 10);
    takeWorkerRequests();
    await h.request('pbxOffer', { callId: 'talking', sdp: call.pbx.sdp({ version: 2 }) });
    const reinvite = takeWorkerRequests();
    assert.equal(reinvite.TRANSPORT_GET_STATS, 2, `a sample before the re-INVITE: ${JSON.stringify(reinvite)}`);
    assert.ok((reinvite.PRODUCER_GET_STATS ?? 0) >= 2 && (reinvite.CONSUMER_GET_STATS ?? 0) >= 2, `with every stream that carried RTP: ${JSON.stringify(reinvite)}`);

    const { quality } = await h.request('close', { callId: 'talking' });
    const close = takeWorkerRequests();
    assert.ok((close.PRODUCER_GET_STATS ?? 0) >= 1 && (close.CONSUMER_GET_STATS ?? 0) >= 1, `the close reads the streams: ${JSON.stringify(close)}`);
    assert.ok(quality && quality.packetsIn >= 20 && quality.packetsOut >= 20, `quality counted both ways: ${JSON.stringify(quality)}`);
    await h.assertNoTransports();
  });
});
