import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flowToPbx, flowToPhone, incomingCall } from '../support/calls.ts';
import { startHarness } from '../support/harness.ts';

describe('incoming call (pbxOffer → softphoneCreateOffer → softphoneApplyAnswer)', { timeout: 60_000 }, () => {
  test('the first PBX codec is used and audio flows both ways', async (t) => {
    const h = await startHarness(t);
    const call = await incomingCall(t, h, {
      callId: 'in-1',
      pbxSdp: { codecs: [{ pt: 8, name: 'PCMA', rate: 8000 }, { pt: 0, name: 'PCMU', rate: 8000 }], ptime: 20 },
    });
    assert.equal(call.codec, 'PCMA');
    assert.match(call.nodePbxSdp, /^m=audio \d+ RTP\/AVP 8 101\r$/m, 'answer: the chosen codec and telephone-event');
    assert.match(call.nodePbxSdp, /^a=sendrecv\r$/m);
    await flowToPhone(call, 0x31, 0xcafe, 8, 15);
    assert.ok(call.phone.received.filter((p) => p.payload[0] === 0x31).every((p) => p.payloadType === 8));
    await flowToPbx(call, 0x42, 15);
    assert.ok(call.pbx.received.filter((p) => p.payload[0] === 0x42).every((p) => p.payloadType === 8));
    const dump = await h.request('dump', { callId: 'in-1' });
    assert.equal(dump.codec, 'PCMA');
    assert.equal(dump.mediaPath, 'pbx');
    assert.deepEqual(dump.legs.map((l) => l.kind).sort(), ['pbx', 'softphone']);
    await h.request('close', { callId: 'in-1' });
    await h.assertNoTransports();
  });

  test('a PBX SDP with a=ssrc needs no learning and G722 is relayed', async (t) => {
    const h = await startHarness(t);
    const call = await incomingCall(t, h, { callId: 'in-g722', pbxSdp: { codecs: [{ pt: 9, name: 'G722', rate: 8000 }], ssrc: 0x42424242, rtcpMux: true } });
    assert.equal(call.codec, 'G722');
    assert.match(call.nodePbxSdp, /^a=rtcp-mux\r$/m, 'rtcp-mux answered when offered');
    await flowToPhone(call, 0x51, 0x42424242, 9, 10);
    await h.request('close', { callId: 'in-g722' });
    await h.assertNoTransports();
  });
});
