import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { MediaTopics, type SoftphoneAnswerReady } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import { flowToPbx, flowToPhone, outgoingCall } from '../support/calls.ts';
import { startHarness } from '../support/harness.ts';

describe('outgoing softphone call (softphoneOffer → pbxCreateOffer → pbxApplyAnswer → softphoneAnswer)', { timeout: 60_000 }, () => {
  test('PCMU call relays RTP both ways with the right payload types and payload bytes', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 'out-pcmu', phoneCodecs: ['PCMU', 'opus'] });
    assert.match(call.nodePbxSdp, /^m=audio \d+ RTP\/AVP 0 111 126\r$/m, 'softphone codecs in its order + telephone-event, numbered as it numbers them');

    await flowToPbx(call, 0xa1, 20);
    const up = call.pbx.received.filter((p) => p.payload[0] === 0xa1);
    assert.ok(up.every((p) => p.payloadType === 0), 'PCMU toward the PBX');
    assert.equal(up[0]!.payload.length, 160);
    assert.equal(up[0]!.payload.readUInt16BE(1), 0, 'first packet payload intact');
    const seqs = up.map((p) => p.payload.readUInt16BE(1));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');

    // The PBX's SDP had no a=ssrc: the node learns it from the first packet.
    await flowToPhone(call, 0xb2, 0x1234abcd, 0, 20);
    const down = call.phone.received.filter((p) => p.payload[0] === 0xb2);
    assert.ok(down.every((p) => p.payloadType === 0));
    assert.ok(down.every((p) => p.mid === '0'), 'MID header extension on every packet (browsers demultiplex by it)');
    assert.equal(down[0]!.payload.length, 160);

    await h.app.sample();
    const metrics = (await h.app.http.inject('/metrics')).body;
    const counter = (leg: string, direction: string) => Number(new RegExp(`^ucserver_media_rtp_packets_total\\{leg="${leg}",direction="${direction}",service="media"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(counter('softphone', 'in') >= 20 && counter('pbx', 'out') >= 20, 'softphone → PBX counted');
    assert.ok(counter('pbx', 'in') >= 15 && counter('softphone', 'out') >= 15, 'PBX → softphone counted');
    assert.match(metrics, /^ucserver_media_transport_bytes_total\{leg="pbx",direction="out",service="media"\} [1-9]\d*$/m);
    assert.match(metrics, /^ucserver_media_calls\{path="pbx",service="media"\} 1$/m);
    assert.match(metrics, /^ucserver_media_legs\{path="pbx",service="media"\} 2$/m);
    const { quality } = await h.request('close', { callId: 'out-pcmu' });
    assert.ok(quality && quality.packetsIn >= 35 && quality.packetsOut >= 35, `quality counted both ways: ${JSON.stringify(quality)}`);
    assert.equal((await h.request('close', { callId: 'out-pcmu' })).quality, null, 'closing twice is fine');
    await h.event((e) => e.type === 'closed' && e.callId === 'out-pcmu', 'closed event');
    await h.assertNoTransports();
  });

  test('opus call is numbered as the softphone numbers it, on both legs', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, {
      callId: 'out-opus',
      phoneCodecs: ['opus', 'PCMU'],
      pbxSdp: { codecs: [{ pt: 111, name: 'opus', rate: 48000, channels: 2, fmtp: 'useinbandfec=1' }], telephoneEvent: false, rtcpMux: true },
    });
    // The call's router takes the softphone's payload types, so our PBX offer uses them too.
    assert.match(call.nodePbxSdp, /^m=audio \d+ RTP\/AVP 111 0 126\r$/m);
    assert.match(call.nodePbxSdp, /^a=rtpmap:111 opus\/48000\/2\r$/m);
    await flowToPbx(call, 0xc3, 10);
    assert.ok(call.pbx.received.filter((p) => p.payload[0] === 0xc3).every((p) => p.payloadType === 111));
    await flowToPhone(call, 0xd4, 0x77, 111, 10);
    assert.ok(call.phone.received.filter((p) => p.payload[0] === 0xd4).every((p) => p.payloadType === 111), 'the softphone gets its own payload type');
    // We offered a=rtcp-mux with an RTCP port; the PBX answered a=rtcp-mux: the leg multiplexes on its RTP port.
    const leg = h.app.node.call('out-opus')!.pbxLeg!;
    assert.equal(leg.rtcpMux, true);
    assert.equal(leg.localRtcpPort, undefined);
    assert.equal(leg.local.port, call.pbx.target?.port, 'the RTP port of our offer');
    await h.request('close', { callId: 'out-opus' });
    await h.assertNoTransports();
  });
});

describe('the softphone\'s answer pushed to the gateway (softphoneOffer answerTo)', { timeout: 60_000 }, () => {
  test('is published once, to the gateway that asked, when the PBX answers (saying whether in its 2xx); the same SDP softphoneAnswer returns; no answerTo, no push', async (t) => {
    const h = await startHarness(t);
    const pushed: SoftphoneAnswerReady[] = [];
    const sub = h.bus.subscribe(MediaTopics.softphoneAnswer, (e) => void pushed.push(e));
    t.after(() => sub.unsubscribe());
    await h.bus.flush();
    const call = await outgoingCall(t, h, { callId: 'push-1', answerTo: 'gw-a', answered: true });
    const { sdp } = await h.request('softphoneAnswer', { callId: 'push-1' });
    await check(() => pushed.length > 0 || undefined, 5000, { name: 'pushed answer' });
    assert.deepEqual(pushed, [{ gatewayId: 'gw-a', callId: 'push-1', sdp, answered: true }]);
    // Early media (183: not `answered`) is pushed as such: the gateway connects the softphone on the adapter's connected.
    await outgoingCall(t, h, { callId: 'push-early', answerTo: 'gw-a' });
    await check(() => pushed.length > 1 || undefined, 5000, { name: 'pushed early answer' });
    assert.deepEqual(pushed.map((p) => [p.callId, p.answered]), [['push-1', true], ['push-early', false]]);
    assert.equal(h.bus.subjects.topicFilter(MediaTopics.softphoneAnswer, 'gw-a').endsWith('.media.softphone-answer.gw-a'), true, 'on the gateway\'s own subject');

    // A later answer of the PBX (to our hold re-offer) pushes nothing more; nor does a call without answerTo.
    await h.request('pbxHoldOffer', { callId: 'push-1', hold: true });
    await h.request('pbxApplyAnswer', { callId: 'push-1', sdp: call.pbx.sdp({ version: 2, direction: 'recvonly' }) });
    await outgoingCall(t, h, { callId: 'push-2' });
    await h.bus.flush();
    await sleep(200);
    assert.deepEqual(pushed.map((p) => p.callId), ['push-1', 'push-early']);
    await h.request('close', { callId: 'push-1' });
    await h.request('close', { callId: 'push-early' });
    await h.request('close', { callId: 'push-2' });
    await h.assertNoTransports();
  });
});

describe('PBX SSRC changes', { timeout: 60_000 }, () => {
  test('after a re-INVITE the node relearns the PBX SSRC and the softphone keeps hearing it', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 'ssrc-change' });
    await flowToPhone(call, 0xe1, 0x1111, 0, 10);
    await h.request('pbxOffer', { callId: 'ssrc-change', sdp: call.pbx.sdp({ version: 2 }) });
    await flowToPhone(call, 0xe2, 0x2222, 0, 10);
    const ssrcs = new Set(call.phone.received.map((p) => p.ssrc));
    assert.equal(ssrcs.size, 2, 'the softphone sees a new SSRC (a new Consumer) and follows it');
    await h.request('close', { callId: 'ssrc-change' });
    await h.assertNoTransports();
  });
});
