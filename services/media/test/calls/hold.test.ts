// Hold and retrieve. "Stops" is proven without waiting: packets sent during hold are followed, after
// the retrieve, by packets that must arrive; the path is FIFO, so held packets would have arrived first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { burstFromPbx, burstFromPhone, countAtPbx, countAtPhone, flowToPbx, flowToPhone, incomingCall } from '../support/calls.ts';
import { remoteCode, startHarness } from '../support/harness.ts';

const ssrc = 0xabc0;

describe('hold and retrieve', { timeout: 60_000 }, () => {
  test('a PBX re-INVITE sendonly stops what we send, inactive stops both, sendrecv restores both', async (t) => {
    const h = await startHarness(t);
    const call = await incomingCall(t, h, { callId: 'hold-reinvite', pbxSdp: { codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] } });
    await flowToPbx(call, 0x01, 5);
    await flowToPhone(call, 0x02, ssrc, 0, 5);

    const held = await h.request('pbxOffer', { callId: 'hold-reinvite', sdp: call.pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], direction: 'sendonly', version: 2 }) });
    assert.match(held.sdp, /^a=recvonly\r$/m, 'answer to sendonly is recvonly');
    const uplink = h.app.node.call('hold-reinvite')!.pbxLeg!.uplink!;
    assert.equal(uplink.paused, true, 'the consumer toward the PBX is paused');
    burstFromPhone(call, 0x03, 20);
    await flowToPhone(call, 0x04, ssrc, 0, 5); // music on hold still reaches the softphone

    const inactive = await h.request('pbxOffer', { callId: 'hold-reinvite', sdp: call.pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], direction: 'inactive', version: 3 }) });
    assert.match(inactive.sdp, /^a=inactive\r$/m);
    burstFromPbx(call, 0x05, ssrc, 0, 20);
    burstFromPhone(call, 0x06, 20);

    const resumed = await h.request('pbxOffer', { callId: 'hold-reinvite', sdp: call.pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], direction: 'sendrecv', version: 4 }) });
    assert.match(resumed.sdp, /^a=sendrecv\r$/m);
    await flowToPbx(call, 0x07, 5);
    await flowToPhone(call, 0x08, ssrc, 0, 5);
    assert.equal(countAtPbx(call, 0x03), 0, 'nothing sent to the PBX while it held us');
    assert.equal(countAtPhone(call, 0x05), 0, 'nothing reached the softphone while inactive');
    assert.equal(countAtPbx(call, 0x06), 0, 'nothing reached the PBX while inactive');
    await h.request('close', { callId: 'hold-reinvite' });
    await h.assertNoTransports();
  });

  test('pbxHoldOffer(hold) offers sendonly and stops both directions; retrieve offers sendrecv and restores them', async (t) => {
    const h = await startHarness(t);
    const call = await incomingCall(t, h, { callId: 'hold-ours', pbxSdp: { codecs: [{ pt: 8, name: 'PCMA', rate: 8000 }] } });
    await flowToPbx(call, 0x11, 5);
    await flowToPhone(call, 0x12, ssrc, 8, 5);

    const hold = await h.request('pbxHoldOffer', { callId: 'hold-ours', hold: true });
    assert.match(hold.sdp, /^a=sendonly\r$/m);
    assert.match(hold.sdp, /^m=audio \d+ RTP\/AVP 8 101\r$/m, 'same codec and payload types');
    const answer = await h.request('pbxApplyAnswer', { callId: 'hold-ours', sdp: call.pbx.sdp({ codecs: [{ pt: 8, name: 'PCMA', rate: 8000 }], direction: 'recvonly', version: 2 }) });
    assert.deepEqual(answer, { codec: 'PCMA', mediaPath: 'pbx' });
    const before = (await h.app.node.call('hold-ours')!.pbxLeg!.uplink!.getStats()).find((s) => s.type === 'outbound-rtp')!.packetCount;
    burstFromPhone(call, 0x13, 20);
    burstFromPbx(call, 0x14, ssrc, 8, 20);

    const retrieve = await h.request('pbxHoldOffer', { callId: 'hold-ours', hold: false });
    assert.match(retrieve.sdp, /^a=sendrecv\r$/m);
    await h.request('pbxApplyAnswer', { callId: 'hold-ours', sdp: call.pbx.sdp({ codecs: [{ pt: 8, name: 'PCMA', rate: 8000 }], direction: 'sendrecv', version: 3 }) });
    await flowToPbx(call, 0x15, 5);
    await flowToPhone(call, 0x16, ssrc, 8, 5);
    assert.equal(countAtPbx(call, 0x13), 0, 'the held user was not heard');
    assert.equal(countAtPhone(call, 0x14), 0, 'the held user heard nothing');
    const after = (await h.app.node.call('hold-ours')!.pbxLeg!.uplink!.getStats()).find((s) => s.type === 'outbound-rtp')!.packetCount;
    assert.ok(after > before, 'the uplink counter moves again after retrieve');
    await h.request('close', { callId: 'hold-ours' });
    await h.assertNoTransports();
  });

  test('pbxHoldOffer while an offer is pending rejects with UCS_ERR_MEDIA_CALL_STATE', async (t) => {
    const h = await startHarness(t);
    await incomingCall(t, h, { callId: 'hold-glare' });
    await h.request('pbxHoldOffer', { callId: 'hold-glare', hold: true });
    await assert.rejects(h.request('pbxHoldOffer', { callId: 'hold-glare', hold: false }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'));
    await h.request('close', { callId: 'hold-glare' });
    await h.assertNoTransports();
  });
});
