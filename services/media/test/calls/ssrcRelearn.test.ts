// The PBX's SSRC is learnt from its packets (SIP SDPs rarely carry a=ssrc) and must be learnt again
// whenever the far end may have changed it: after every SDP applied to the PBX leg, and — for a PBX that
// restarts its stream without any SDP — by the watchdog on the transport's receive counters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { burstFromPbx, countAtPhone, flowToPbx, flowToPhone, outgoingCall } from '../support/calls.ts';
import { startHarness } from '../support/harness.ts';

const pcma = [{ pt: 8, name: 'PCMA', rate: 8000 }];

describe('PBX SSRC relearning', { timeout: 60_000 }, () => {
  test('after our own hold and retrieve (pbxHoldOffer + pbxApplyAnswer) a new PBX SSRC is learnt from the answer, without the watchdog', async (t) => {
    // The watchdog is off: only relearning on the applied answers can heal this.
    const h = await startHarness(t, {}, { ssrcWatchdog: false });
    const call = await outgoingCall(t, h, { callId: 'relearn-answer', phoneCodecs: ['PCMA'], pbxSdp: { codecs: pcma } });
    await flowToPbx(call, 0x51, 5);
    await flowToPhone(call, 0x52, 0x1111, 8, 5);

    await h.request('pbxHoldOffer', { callId: 'relearn-answer', hold: true });
    await h.request('pbxApplyAnswer', { callId: 'relearn-answer', sdp: call.pbx.sdp({ codecs: pcma, direction: 'recvonly', version: 2 }) });
    // The PBX still sends a little in the old stream while held (the held user hears nothing).
    burstFromPbx(call, 0x53, 0x1111, 8, 5);
    await h.request('pbxHoldOffer', { callId: 'relearn-answer', hold: false });
    // The far end re-created its stream meanwhile (rtpengine's callee leg re-created its transport): the
    // answer to our retrieve re-INVITE changes nothing in SDP, but the packets come with a new SSRC.
    await h.request('pbxApplyAnswer', { callId: 'relearn-answer', sdp: call.pbx.sdp({ codecs: pcma, direction: 'sendrecv', version: 3 }) });
    await flowToPhone(call, 0x54, 0x2222, 8, 10);
    await flowToPbx(call, 0x55, 5);
    assert.equal(countAtPhone(call, 0x53), 0, 'nothing reached the softphone while we held');
    assert.ok(call.phone.received.filter((p) => p.payload[0] === 0x54).every((p) => p.payloadType === 8));
    await h.request('close', { callId: 'relearn-answer' });
    await h.assertNoTransports();
  });

  test('a PBX SSRC change without any SDP is healed by the watchdog within about a second', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 'relearn-watchdog', phoneCodecs: ['PCMA'], pbxSdp: { codecs: pcma } });
    await flowToPhone(call, 0x61, 0x3333, 8, 10);
    const producer = h.app.node.call('relearn-watchdog')!.pbxLeg!.producer;

    // The PBX restarts its stream (new SSRC) and says nothing; it keeps sending every 20 ms.
    const started = performance.now();
    await flowToPhone(call, 0x62, 0x4444, 8, 1, 2000);
    const healedMs = performance.now() - started;
    t.diagnostic(`healed after ${Math.round(healedMs)} ms`);
    assert.ok(healedMs < 1500, `the softphone hears the new stream after ${Math.round(healedMs)} ms (watchdog: 500 ms of starvation)`);
    await flowToPhone(call, 0x63, 0x4444, 8, 10);
    assert.notEqual(h.app.node.call('relearn-watchdog')!.pbxLeg!.producer, producer, 'a new Producer for the new SSRC');
    await h.request('close', { callId: 'relearn-watchdog' });
    await h.assertNoTransports();
  });

  test('MEDIA_SSRC_WATCHDOG_MS sets the watchdog: 0 turns it off, and an unannounced SSRC change then stays unheard', async (t) => {
    const off = await startHarness(t, { MEDIA_SSRC_WATCHDOG_MS: '0' });
    const call = await outgoingCall(t, off, { callId: 'relearn-off', phoneCodecs: ['PCMA'], pbxSdp: { codecs: pcma } });
    await flowToPhone(call, 0x81, 0x6666, 8, 10);
    await assert.rejects(flowToPhone(call, 0x82, 0x7777, 8, 1, 1500), /RTP packets \(0x82\)/);
    assert.equal(countAtPhone(call, 0x82), 0, 'the new stream never reached the softphone');
    await off.request('close', { callId: 'relearn-off' });
    await off.assertNoTransports();

    // A slower watchdog than the default still heals, later: 400 ms readings, starving after 1 s.
    const slow = await startHarness(t, { MEDIA_SSRC_WATCHDOG_MS: '400' });
    const healed = await outgoingCall(t, slow, { callId: 'relearn-slow', phoneCodecs: ['PCMA'], pbxSdp: { codecs: pcma } });
    await flowToPhone(healed, 0x83, 0x6666, 8, 10);
    const started = performance.now();
    await flowToPhone(healed, 0x84, 0x7777, 8, 1, 4000);
    const healedMs = performance.now() - started;
    t.diagnostic(`healed after ${Math.round(healedMs)} ms`);
    assert.ok(healedMs >= 900, `not before the 1 s of starvation (${Math.round(healedMs)} ms)`);
    await slow.request('close', { callId: 'relearn-slow' });
    await slow.assertNoTransports();
  });

  test('a steady stream does not make a (fast) watchdog relearn: no packet is lost to a learner', async (t) => {
    const h = await startHarness(t, {}, { ssrcWatchdog: { intervalMs: 50, starveMs: 150 } });
    const call = await outgoingCall(t, h, { callId: 'relearn-steady', phoneCodecs: ['PCMA'], pbxSdp: { codecs: pcma } });
    await flowToPhone(call, 0x71, 0x5555, 8, 5);
    const leg = h.app.node.call('relearn-steady')!.pbxLeg!;
    const producer = leg.producer;
    let learnt = 0;
    leg.on('producer', () => learnt++);
    // A second of steady audio with the watchdog looking every 50 ms: every packet arrives, in order, so
    // no learner took one away.
    const before = countAtPhone(call, 0x72);
    await flowToPhone(call, 0x72, 0x5555, 8, 50, 5000);
    const got = call.phone.received.filter((p) => p.payload[0] === 0x72).map((p) => p.payload.readUInt16BE(1));
    assert.equal(before, 0);
    assert.deepEqual(got, got.map((_, i) => got[0]! + i), 'no packet went missing');
    assert.equal(leg.producer, producer);
    assert.equal(learnt, 0);
    await h.request('close', { callId: 'relearn-steady' });
    await h.assertNoTransports();
  });
});
