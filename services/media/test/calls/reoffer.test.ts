// A connected softphone re-offers: an ICE restart (its network changed) gets fresh ICE credentials from
// a restarted transport, on outgoing and incoming calls alike, and our DTLS role stays; a re-offer with
// a=sendonly / inactive (hold the WebRTC way) is answered recvonly / inactive and stops what the node
// sends the softphone (and, for inactive, what it forwards to the PBX) until a sendrecv re-offer; re-offers
// that would change the session (another codec, a new DTLS fingerprint) are refused and the call is unharmed. werift does not run ICE again once DTLS is up, so audio across a real restart is proven
// with Chromium in the end-to-end suite (scenario 1); here werift only delivers the offers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSdp } from '@ucserver/testkit';
import { burstFromPbx, burstFromPhone, countAtPbx, countAtPhone, flowToPbx, flowToPhone, incomingCall, outgoingCall } from '../support/calls.ts';
import { remoteCode, startHarness } from '../support/harness.ts';

const iceOf = (sdp: string): { ufrag: string; setup: string } => {
  const value = (name: string): string => new RegExp(`^a=${name}:(\\S+)\\r?$`, 'm').exec(sdp)?.[1] ?? '';
  return { ufrag: value('ice-ufrag'), setup: value('setup') };
};

describe('softphone re-offer', { timeout: 60_000 }, () => {
  test('an ICE restart on an outgoing call restarts ICE on the transport and answers with the new credentials and the same DTLS role', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 're-1' });
    const first = iceOf(call.phone.pc.remoteDescription!.sdp);
    await flowToPbx(call, 0x11, 5);

    const offer = await call.phone.reoffer({ iceRestart: true });
    const { sdp } = await h.request('softphoneReoffer', { callId: 're-1', sdp: offer });
    const second = iceOf(sdp);
    assert.notEqual(second.ufrag, first.ufrag, 'the node restarted ICE too');
    assert.equal(h.app.node.calls.get('re-1')!.softphoneLeg!.transport.iceParameters.usernameFragment, second.ufrag, 'the transport has the answered credentials');
    assert.equal(second.setup, first.setup, 'same DTLS role as before');
    const m = parseSdp(sdp).media[0]!;
    assert.deepEqual([m.payloadTypes[0], m.direction], [0, 'sendrecv'], 'PCMU, sendrecv');
    await h.request('close', { callId: 're-1' });
    await h.assertNoTransports();
  });

  test('an ICE restart on an incoming call (the node offered first) keeps the node passive and the PCMA payload type', async (t) => {
    const h = await startHarness(t);
    const call = await incomingCall(t, h, { callId: 're-2', pbxSdp: { codecs: [{ pt: 8, name: 'PCMA', rate: 8000 }] } });
    await flowToPhone(call, 0x21, 0xabcd, 8, 5);
    const before = iceOf(call.phone.pc.remoteDescription!.sdp);
    const { sdp } = await h.request('softphoneReoffer', { callId: 're-2', sdp: await call.phone.reoffer({ iceRestart: true }) });
    assert.equal(iceOf(sdp).setup, 'passive', 'werift answered active, so the node stays passive');
    assert.notEqual(iceOf(sdp).ufrag, before.ufrag);
    assert.equal(parseSdp(sdp).media[0]!.payloadTypes[0], 8);
    await h.request('close', { callId: 're-2' });
    await h.assertNoTransports();
  });

  test('hold by SDP: sendonly is answered recvonly and pauses the downlink, inactive pauses the uplink too, sendrecv resumes both', async (t) => {
    const h = await startHarness(t);
    const call = await outgoingCall(t, h, { callId: 're-hold' });
    await flowToPhone(call, 0x41, 0x4141, 0, 5);
    await flowToPbx(call, 0x42, 5);
    const node = h.app.node.calls.get('re-hold')!;
    const offer = await call.phone.reoffer();
    assert.match(offer, /^a=sendrecv\r$/m, 'werift re-offers sendrecv');
    const directionOf = (sdp: string): string | undefined => parseSdp(sdp).media[0]!.direction;
    const quiet = async (send: () => void, count: () => number): Promise<number> => {
      const before = count();
      send();
      await new Promise((r) => setTimeout(r, 400));
      return count() - before;
    };

    const held = await h.request('softphoneReoffer', { callId: 're-hold', sdp: offer.replace(/^a=sendrecv\r$/m, 'a=sendonly\r') });
    assert.equal(directionOf(held.sdp), 'recvonly', 'a sendonly offer is answered recvonly');
    assert.equal(node.softphoneLeg!.downlink!.paused, true, 'the node stops sending the softphone');
    assert.equal(node.pbxLeg!.uplink!.paused, false, 'the softphone (sendonly) still sends');
    assert.equal(await quiet(() => burstFromPbx(call, 0x43, 0x4141, 0, 10), () => countAtPhone(call, 0x43)), 0, 'no PBX audio reaches the softphone on hold');
    await flowToPbx(call, 0x44, 5);

    const inactive = await h.request('softphoneReoffer', { callId: 're-hold', sdp: offer.replace(/^a=sendrecv\r$/m, 'a=inactive\r') });
    assert.equal(directionOf(inactive.sdp), 'inactive');
    assert.deepEqual([node.softphoneLeg!.downlink!.paused, node.pbxLeg!.uplink!.paused], [true, true], 'inactive: nothing either way');
    assert.equal(await quiet(() => burstFromPhone(call, 0x45, 10), () => countAtPbx(call, 0x45)), 0, 'no softphone audio reaches the PBX while inactive');

    const retrieved = await h.request('softphoneReoffer', { callId: 're-hold', sdp: offer });
    assert.equal(directionOf(retrieved.sdp), 'sendrecv', 'sendrecv again after retrieve');
    assert.deepEqual([node.softphoneLeg!.downlink!.paused, node.pbxLeg!.uplink!.paused], [false, false], 'both resumed');
    await call.phone.applyAnswer(retrieved.sdp);
    await flowToPhone(call, 0x46, 0x4141, 0, 5);
    await flowToPbx(call, 0x47, 5);
    await h.request('close', { callId: 're-hold' });
    await h.assertNoTransports();
  });

  test('re-offers that change the session are refused and the call carries on', async (t) => {
    const h = await startHarness(t);
    await assert.rejects(h.request('softphoneReoffer', { callId: 'nobody', sdp: 'v=0' }), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'));
    const call = await outgoingCall(t, h, { callId: 're-3' });
    const offer = await call.phone.reoffer();
    const rows: Array<{ name: string; sdp: string; code: string }> = [
      { name: 'another mid', sdp: offer.replace(/^a=mid:(\S+)\r$/m, 'a=mid:other\r').replace(/^(a=group:BUNDLE) \S+\r$/m, '$1 other\r'), code: 'UCS_ERR_MEDIA_SDP_INVALID' },
      { name: 'a new DTLS fingerprint', sdp: offer.replace(/^a=fingerprint:sha-256 \S+\r$/m, `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}\r`), code: 'UCS_ERR_MEDIA_SDP_INVALID' },
      { name: 'the codec renumbered', sdp: offer.replace(/^(m=audio \d+ \S+ )0\b/m, '$196').replace(/^a=rtpmap:0 PCMU\/8000\r$/m, 'a=rtpmap:96 PCMU/8000\r'), code: 'UCS_ERR_MEDIA_NO_COMMON_CODEC' },
      { name: 'garbage', sdp: 'v=0\r\nnonsense', code: 'UCS_ERR_MEDIA_SDP_INVALID' },
    ];
    for (const row of rows) {
      assert.notEqual(row.sdp, offer, `${row.name}: the fixture changed the offer`);
      await assert.rejects(h.request('softphoneReoffer', { callId: 're-3', sdp: row.sdp }), remoteCode(row.code), row.name);
    }
    // The same offer again is fine (no ICE restart: the credentials stay), and the call still carries audio.
    const { sdp } = await h.request('softphoneReoffer', { callId: 're-3', sdp: offer });
    assert.equal(iceOf(sdp).ufrag, iceOf(call.phone.pc.remoteDescription!.sdp).ufrag, 'no restart without new credentials');
    await call.phone.applyAnswer(sdp);
    await flowToPbx(call, 0x31, 10);
    await h.request('close', { callId: 're-3' });
    await h.assertNoTransports();
  });
});
