// Direct Media: a PBX that re-INVITEs two calls of this node at each other's PBX tuple. The node
// connects the two softphones inside mediasoup, and its PlainTransports stop carrying RTP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PlainTransport } from 'mediasoup/types';
import { check, testPayload } from '@ucserver/testkit';
import { countAtPhone, flowToPbx, flowToPhone, incomingCall, outgoingCall, type CallSetup } from '../support/calls.ts';
import { startHarness, type Harness } from '../support/harness.ts';

const pcmu = [{ pt: 0, name: 'PCMU', rate: 8000 }];

function tupleOf(setup: CallSetup): { address: string; port: number } {
  const m = /^m=audio (\d+) /m.exec(setup.nodePbxSdp)!;
  const c = /^c=IN IP4 (\S+)/m.exec(setup.nodePbxSdp)!;
  return { address: c[1]!, port: Number(m[1]) };
}

async function udpCounters(h: Harness, callIds: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of callIds) {
    const transport: PlainTransport = h.app.node.call(id)!.pbxLeg!.transport;
    const [s] = await transport.getStats();
    out.push(s!.bytesSent, s!.bytesReceived, s!.rtpBytesSent, s!.rtpBytesReceived);
  }
  return out;
}

/** Sends from one softphone until `count` packets with `marker` reached the other. */
async function flowBetweenPhones(from: CallSetup, to: CallSetup, marker: number, count: number): Promise<void> {
  let seq = 0;
  await check(() => {
    from.phone.send(testPayload(marker, seq++));
    return countAtPhone(to, marker) >= count;
  }, 5000, { name: `${count} packets 0x${marker.toString(16)} softphone → softphone`, intervalMs: 20 });
}

describe('Direct Media', { timeout: 60_000 }, () => {
  test('re-targeting two PBX legs at each other links the softphones inside mediasoup; re-targeting back restores UDP', async (t) => {
    const h = await startHarness(t);
    const a = await outgoingCall(t, h, { callId: 'dm-a', pbxSdp: { codecs: pcmu } });
    const b = await incomingCall(t, h, { callId: 'dm-b', pbxSdp: { codecs: pcmu } });
    await flowToPbx(a, 0x21, 3);
    await flowToPhone(b, 0x22, 0xb0b, 0, 3);
    await h.event((e) => e.type === 'path' && e.callId === 'dm-a' && e.path === 'pbx', 'dm-a path pbx');

    // The PBX re-INVITEs A toward B's tuple, then B toward A's (each answer keeps our own tuple).
    const toB = await h.request('pbxOffer', { callId: 'dm-a', sdp: a.pbx.sdp({ codecs: pcmu, ...tupleOf(b), version: 2 }) });
    assert.equal(toB.mediaPath, 'pbx', 'half-way: only A points at B');
    const toA = await h.request('pbxOffer', { callId: 'dm-b', sdp: b.pbx.sdp({ codecs: pcmu, ...tupleOf(a), version: 2 }) });
    assert.equal(toA.mediaPath, 'direct');
    await h.event((e) => e.type === 'path' && e.callId === 'dm-a' && e.path === 'direct', 'dm-a path direct');
    await h.event((e) => e.type === 'path' && e.callId === 'dm-b' && e.path === 'direct', 'dm-b path direct');

    const before = await udpCounters(h, ['dm-a', 'dm-b']);
    const atPbxBefore = a.pbx.received.length + b.pbx.received.length;
    await flowBetweenPhones(a, b, 0x23, 20);
    await flowBetweenPhones(b, a, 0x24, 20);
    const after = await udpCounters(h, ['dm-a', 'dm-b']);
    assert.deepEqual(after, before, 'PlainTransport byte counters (all bytes and RTP bytes, both ways) stay flat');
    assert.equal(a.pbx.received.length + b.pbx.received.length, atPbxBefore, 'the PBX sockets got nothing');
    const viaDirect = b.phone.received.filter((p) => p.payload[0] === 0x23);
    assert.ok(viaDirect.every((p) => p.payloadType === 0 && p.mid === '0'), 'softphone B gets PCMU with its own MID');
    const metrics = await h.app.http.inject('/metrics');
    assert.match(metrics.body, /ucserver_media_calls\{path="direct",service="media"\} 2/);

    // Back to the PBX: both legs re-targeted at the real PBX sockets.
    const backA = await h.request('pbxOffer', { callId: 'dm-a', sdp: a.pbx.sdp({ codecs: pcmu, version: 3 }) });
    assert.equal(backA.mediaPath, 'pbx');
    await h.request('pbxOffer', { callId: 'dm-b', sdp: b.pbx.sdp({ codecs: pcmu, version: 3 }) });
    await h.event((e) => e.type === 'path' && e.callId === 'dm-a' && e.path === 'pbx' && h.events.indexOf(e) > h.events.findIndex((x) => x.type === 'path' && x.callId === 'dm-a' && x.path === 'direct'), 'dm-a back on pbx');
    await flowToPbx(a, 0x25, 5);
    await flowToPbx(b, 0x26, 5);
    await flowToPhone(a, 0x27, 0xa0a, 0, 5);
    await flowToPhone(b, 0x28, 0xb0b, 0, 5);
    await h.request('close', { callId: 'dm-a' });
    await h.request('close', { callId: 'dm-b' });
    await h.assertNoTransports();
  });

  test('a pass-through PBX (INVITE for B carries A\'s SDP, B\'s answer goes to A) yields Direct Media from the start', async (t) => {
    const h = await startHarness(t, { MEDIA_WORKERS: '2' });
    const { WeriftPhone } = await import('@ucserver/testkit/werift');
    const phoneA = new WeriftPhone({ codecs: ['PCMA', 'PCMU'] });
    const phoneB = new WeriftPhone({ codecs: ['PCMU', 'PCMA'] });
    t.after(async () => {
      await phoneA.close();
      await phoneB.close();
    });
    await h.request('softphoneOffer', { callId: 'pt-a', sdp: await phoneA.offer() });
    const offerA = await h.request('pbxCreateOffer', { callId: 'pt-a', srtp: 'off' });
    const inviteB = await h.request('pbxOffer', { callId: 'pt-b', sdp: offerA.sdp });
    assert.equal(inviteB.codec, 'PCMA', 'B takes the first codec of A\'s offer');
    const answerA = await h.request('pbxApplyAnswer', { callId: 'pt-a', sdp: inviteB.sdp });
    assert.deepEqual(answerA, { codec: 'PCMA', mediaPath: 'direct' });
    await phoneA.applyAnswer((await h.request('softphoneAnswer', { callId: 'pt-a' })).sdp);
    const offerB = await h.request('softphoneCreateOffer', { callId: 'pt-b' });
    await h.request('softphoneApplyAnswer', { callId: 'pt-b', sdp: await phoneB.answer(offerB.sdp) });
    await phoneA.connected();
    await phoneB.connected();
    // Two workers, yet B's offer names A's tuple: B is placed on A's router (oneRouter.test.ts covers the pipe across workers).
    assert.equal(h.app.node.call('pt-b')!.router, h.app.node.call('pt-a')!.router, 'B shares A\'s router');
    const setupA = { callId: 'pt-a', phone: phoneA, pbx: undefined as never, nodePbxSdp: '' };
    const setupB = { callId: 'pt-b', phone: phoneB, pbx: undefined as never, nodePbxSdp: '' };
    await flowBetweenPhones(setupA, setupB, 0x71, 10);
    await flowBetweenPhones(setupB, setupA, 0x72, 10);
    assert.ok(phoneB.received.filter((p) => p.payload[0] === 0x71).every((p) => p.payloadType === 8));
    await h.event((e) => e.type === 'path' && e.callId === 'pt-b' && e.path === 'direct', 'pt-b path direct');

    // One side hangs up, the other follows (the PBX's BYE): B's link ended because A closed, not because
    // the PBX re-targeted B, so B keeps its path — the journal must record 'direct' for B's call.
    const pathsOfB: string[] = [];
    h.app.node.on('callpath', (callId, path) => {
      if (callId === 'pt-b') pathsOfB.push(path);
    });
    await h.request('close', { callId: 'pt-a' });
    await h.app.node.call('pt-b')!.requestReconcile();
    assert.equal(h.app.node.call('pt-b')!.path, 'direct');
    await h.request('close', { callId: 'pt-b' });
    await h.event((e) => e.type === 'closed' && e.callId === 'pt-b', 'pt-b closed');
    assert.deepEqual(pathsOfB, [], 'B announced no path change');
    const eventsOfB = h.events.filter((e) => e.callId === 'pt-b').map((e) => (e.type === 'path' ? `path ${e.path}` : e.type));
    assert.deepEqual(eventsOfB.slice(eventsOfB.lastIndexOf('path direct')), ['path direct', 'closed'], 'on the bus: nothing between direct and closed');
    await h.assertNoTransports();
  });

  test('when one of two linked calls closes, the other keeps its path and sends nothing until a re-INVITE moves it back to the PBX', async (t) => {
    const h = await startHarness(t);
    const a = await outgoingCall(t, h, { callId: 'dm-close-a', pbxSdp: { codecs: pcmu } });
    const b = await incomingCall(t, h, { callId: 'dm-close-b', pbxSdp: { codecs: pcmu } });
    await h.request('pbxOffer', { callId: 'dm-close-a', sdp: a.pbx.sdp({ codecs: pcmu, ...tupleOf(b), version: 2 }) });
    await h.request('pbxOffer', { callId: 'dm-close-b', sdp: b.pbx.sdp({ codecs: pcmu, ...tupleOf(a), version: 2 }) });
    await flowBetweenPhones(a, b, 0x81, 5);
    await flowBetweenPhones(b, a, 0x82, 5);
    const pathsOfB: string[] = [];
    h.app.node.on('callpath', (callId, path) => {
      if (callId === 'dm-close-b') pathsOfB.push(path);
    });
    const callB = h.app.node.call('dm-close-b')!;

    await h.request('close', { callId: 'dm-close-a' });
    await callB.requestReconcile();
    assert.equal(callB.path, 'direct', 'B keeps its path');
    assert.equal(callB.dump().mediaPath, 'direct');
    assert.deepEqual(pathsOfB, [], 'no path event for B');
    // B's PBX leg points at A's former tuple: it neither sends there nor falls back to its old PBX address.
    assert.equal(callB.pbxLeg!.uplink, undefined, 'no consumer toward the PBX');
    assert.equal(callB.pbxLeg!.producer, undefined, 'no producer on the PBX leg');
    assert.equal(callB.softphoneLeg!.downlink, undefined, 'nothing left for the softphone to hear');

    // The PBX re-INVITEs B back to itself: that is a re-target, announced as such.
    const back = await h.request('pbxOffer', { callId: 'dm-close-b', sdp: b.pbx.sdp({ codecs: pcmu, version: 3 }) });
    assert.equal(back.mediaPath, 'pbx');
    await h.event((e) => e.type === 'path' && e.callId === 'dm-close-b' && e.path === 'pbx', 'dm-close-b path pbx');
    assert.deepEqual(pathsOfB, ['pbx']);
    await flowToPbx(b, 0x83, 5);
    await flowToPhone(b, 0x84, 0xb0b, 0, 5);
    await h.request('close', { callId: 'dm-close-b' });
    await h.assertNoTransports();
  });
});
