import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeriftPhone } from '@ucserver/testkit/werift';
import { flowToPbx, flowToPhone, incomingCall } from '../support/calls.ts';
import { FakePbx } from '../support/FakePbx.ts';
import { remoteCode, startHarness } from '../support/harness.ts';
import { takeWorkerRequests } from '../support/workerRequests.ts';

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

  // Issue 16: the softphone's transport is made beside the PBX leg, during pbxOffer, so the gateway's
  // softphoneCreateOffer costs no worker request (~2 ms less on the way to the callee).
  test('the softphone transport is made during pbxOffer, unseen until softphoneCreateOffer takes it (no worker request then); a call never offered to a softphone closes it', async (t) => {
    const h = await startHarness(t);
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    takeWorkerRequests();
    await h.request('pbxOffer', { callId: 'ahead', sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] }) });
    const offered = takeWorkerRequests();
    assert.equal(offered.ROUTER_CREATE_WEBRTCTRANSPORT_WITH_SERVER ?? offered.ROUTER_CREATE_WEBRTCTRANSPORT, 1, `the softphone's transport made with the PBX's: ${JSON.stringify(offered)}`);
    assert.equal(offered.ROUTER_CREATE_PLAINTRANSPORT, 1);
    const dump = await h.request('dump', { callId: 'ahead' });
    assert.deepEqual(dump.legs.map((l) => l.kind), ['pbx'], 'no softphone leg before the softphone is offered the call');
    const offer = await h.request('softphoneCreateOffer', { callId: 'ahead' });
    assert.deepEqual(takeWorkerRequests(), {}, 'softphoneCreateOffer sent the worker nothing');
    assert.match(offer.sdp, /^a=ice-ufrag:\S+\r$/m);
    const taken = h.app.node.calls.get('ahead')!.softphoneLeg!;
    assert.equal(offer.legId, taken.id, 'the offer is for the transport made ahead');

    // Refused by the gateway (no softphone): the transport made ahead is closed with the call. ('ahead'
    // stays open, so the router they share stays and each transport is closed by a request of its own.)
    takeWorkerRequests();
    await h.request('pbxOffer', { callId: 'never', sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] }) });
    assert.equal(takeWorkerRequests().WORKER_CREATE_ROUTER, undefined, 'the second call shares the first one\'s router');
    await h.request('close', { callId: 'never' });
    const closed = takeWorkerRequests();
    assert.equal(closed.ROUTER_CLOSE_TRANSPORT, 2, `the PBX's and the spare softphone transport closed: ${JSON.stringify(closed)}`);
    await h.request('close', { callId: 'ahead' });
    await h.assertNoTransports();
  });

  test('a PBX offer with video and T.38 besides audio: video taken (its first codec), T.38 at port 0, in order; audio flows both ways', async (t) => {
    const h = await startHarness(t);
    const video = ['m=video 40100 RTP/AVP 96 97', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1', 'a=rtpmap:97 VP8/90000', 'a=sendrecv'];
    const call = await incomingCall(t, h, { callId: 'in-av', pbxSdp: { codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], moreMedia: [video, ['m=image 40102 udptl t38']] } });
    const mlines = call.nodePbxSdp.split('\r\n').filter((l) => l.startsWith('m='));
    assert.equal(mlines.length, 3, `three m-lines answered: ${JSON.stringify(mlines)}`);
    assert.match(mlines[0]!, /^m=audio [1-9]\d* RTP\/AVP 0 101$/);
    assert.match(mlines[1]!, /^m=video [1-9]\d* RTP\/AVP 96$/, 'video through the PBX: H.264 in the PBX\'s numbering');
    assert.equal(mlines[2], 'm=image 0 udptl t38');
    await flowToPhone(call, 0x35, 0xcafe, 0, 15);
    await flowToPbx(call, 0x36, 15);
    // Hold from our side keeps the declined m-lines (RFC 3264 §8).
    const hold = await h.request('pbxHoldOffer', { callId: 'in-av', hold: true });
    assert.deepEqual(hold.sdp.split('\r\n').filter((l: string) => l.startsWith('m=')).slice(1), [mlines[1], 'm=image 0 udptl t38']);
    await h.request('close', { callId: 'in-av' });
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

  // An INVITE without SDP: our offer goes in the 200, the PBX answers in its ACK, and the softphone is
  // offered the call in between.
  test('late offer: pbxLateOffer offers PCMU alone, the softphone gets PCMU, the answer connects both ways', async (t) => {
    const h = await startHarness(t);
    const phone = new WeriftPhone({ codecs: ['opus', 'PCMA', 'PCMU', 'G722'] });
    const pbx = await FakePbx.create();
    t.after(async () => {
      await phone.close();
      pbx.close();
    });
    const offer = await h.request('pbxLateOffer', { callId: 'late-1', srtp: 'off' });
    assert.match(offer.sdp, /^m=audio \d+ RTP\/AVP 0 101\r$/m, 'PCMU and telephone-event only');
    assert.match(offer.sdp, /^a=sendrecv\r$/m);
    pbx.useRemoteSdp(offer.sdp);
    const softOffer = await h.request('softphoneCreateOffer', { callId: 'late-1' });
    const rtpmaps = softOffer.sdp.split('\r\n').filter((l) => l.startsWith('a=rtpmap:')).map((l) => l.split(' ')[1]?.split('/')[0]);
    assert.deepEqual(rtpmaps.filter((c) => c !== 'telephone-event'), ['PCMU'], 'the softphone is offered the late offer codec');
    await h.request('softphoneApplyAnswer', { callId: 'late-1', sdp: await phone.answer(softOffer.sdp) });
    await phone.connected();
    const applied = await h.request('pbxApplyAnswer', { callId: 'late-1', sdp: pbx.sdp({ codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }], ptime: 20 }) });
    assert.deepEqual(applied, { codec: 'PCMU', mediaPath: 'pbx' });
    const call = { callId: 'late-1', phone, pbx, nodePbxSdp: offer.sdp };
    await flowToPhone(call, 0x61, 0xbeef, 0, 10);
    assert.ok(phone.received.filter((p) => p.payload[0] === 0x61).every((p) => p.payloadType === 0));
    await flowToPbx(call, 0x62, 10);
    assert.ok(pbx.received.filter((p) => p.payload[0] === 0x62).every((p) => p.payloadType === 0));
    await h.request('close', { callId: 'late-1' });
    await h.assertNoTransports();
  });

  test('late offer answered without PCMU: NO_COMMON_CODEC, and closing leaves no transport', async (t) => {
    const h = await startHarness(t);
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    await h.request('pbxLateOffer', { callId: 'late-2', srtp: 'off' });
    await assert.rejects(h.request('pbxApplyAnswer', { callId: 'late-2', sdp: pbx.sdp({ codecs: [{ pt: 8, name: 'PCMA', rate: 8000 }] }) }), remoteCode('UCS_ERR_MEDIA_NO_COMMON_CODEC'));
    // a second late offer on the same call is a state error, not a second leg
    await assert.rejects(h.request('pbxLateOffer', { callId: 'late-2', srtp: 'off' }), remoteCode('UCS_ERR_MEDIA_CALL_STATE'));
    await h.request('close', { callId: 'late-2' });
    await h.assertNoTransports();
  });
});
