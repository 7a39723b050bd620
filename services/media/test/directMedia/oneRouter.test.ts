// Direct Media in one router: a pass-through PBX's callee is placed on the caller's router, so the link
// is a Consumer of the partner's Producer with no PipeTransport; calls on different workers (or with
// payload types that disagree) still link through a pipe; one call's close leaves the other's objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Router, Transport } from 'mediasoup/types';
import { check, testPayload } from '@ucserver/testkit';
import { WeriftPhone } from '@ucserver/testkit/werift';
import { countAtPhone, incomingCall, outgoingCall, type CallSetup } from '../support/calls.ts';
import { startHarness, type Harness } from '../support/harness.ts';

const pcmu = [{ pt: 0, name: 'PCMU', rate: 8000 }];

/** The type of every transport created on the node's workers from now on. */
function watchTransports(h: Harness): string[] {
  const types: string[] = [];
  const watch = (router: Router): void => {
    router.observer.on('newtransport', (transport: Transport) => types.push(transport.type));
  };
  for (const w of h.app.pool.workers) w.worker.observer.on('newrouter', watch);
  return types;
}

function tupleOf(setup: CallSetup): { address: string; port: number } {
  const m = /^m=audio (\d+) /m.exec(setup.nodePbxSdp)!;
  const c = /^c=IN IP4 (\S+)/m.exec(setup.nodePbxSdp)!;
  return { address: c[1]!, port: Number(m[1]) };
}

async function flowBetweenPhones(from: WeriftPhone, to: WeriftPhone, marker: number, count: number): Promise<void> {
  let seq = 0;
  await check(() => {
    from.send(testPayload(marker, seq++));
    return to.received.filter((p) => p.payload[0] === marker).length >= count;
  }, 5000, { name: `${count} packets 0x${marker.toString(16)} softphone → softphone`, intervalMs: 20 });
}

describe('Direct Media in one router', { timeout: 60_000 }, () => {
  test('a pass-through PBX\'s callee lands on the caller\'s router: the link needs no PipeTransport, and one call\'s close leaves the other\'s objects', async (t) => {
    const h = await startHarness(t, { MEDIA_WORKERS: '2' });
    const types = watchTransports(h);
    const phoneA = new WeriftPhone({ codecs: ['PCMA', 'PCMU'] });
    const phoneB = new WeriftPhone({ codecs: ['PCMU', 'PCMA'] });
    t.after(async () => {
      await phoneA.close();
      await phoneB.close();
    });
    await h.request('softphoneOffer', { callId: 'one-a', sdp: await phoneA.offer() });
    const offerA = await h.request('pbxCreateOffer', { callId: 'one-a', srtp: 'off' });
    const inviteB = await h.request('pbxOffer', { callId: 'one-b', sdp: offerA.sdp });
    const answerA = await h.request('pbxApplyAnswer', { callId: 'one-a', sdp: inviteB.sdp });
    assert.deepEqual(answerA, { codec: 'PCMA', mediaPath: 'direct' });
    await phoneA.applyAnswer((await h.request('softphoneAnswer', { callId: 'one-a' })).sdp);
    const offerB = await h.request('softphoneCreateOffer', { callId: 'one-b' });
    await h.request('softphoneApplyAnswer', { callId: 'one-b', sdp: await phoneB.answer(offerB.sdp) });
    await phoneA.connected();
    await phoneB.connected();
    const callA = h.app.node.call('one-a')!;
    const callB = h.app.node.call('one-b')!;
    assert.equal(callB.worker, callA.worker, 'B is placed on A\'s worker (its PBX offer names A\'s tuple)');
    assert.ok(callA.router && callB.router === callA.router, 'and on A\'s router');
    assert.equal(h.app.pool.workers.map((w) => w.routerCount).reduce((x, y) => x + y), 1, 'one router on the node');

    await flowBetweenPhones(phoneA, phoneB, 0x91, 10);
    await flowBetweenPhones(phoneB, phoneA, 0x92, 10);
    assert.ok(phoneB.received.filter((p) => p.payload[0] === 0x91).every((p) => p.payloadType === 8), 'B gets PCMA in its numbering');
    assert.equal(callA.softphoneLeg!.downlink!.producerId, callB.softphoneProducer!.id, 'A\'s softphone consumes B\'s microphone itself');
    assert.equal(callB.softphoneLeg!.downlink!.producerId, callA.softphoneProducer!.id);
    assert.ok(!types.includes('pipe'), `no PipeTransport (transports created: ${types.join(' ')})`);
    assert.ok(types.includes('webrtc') && types.includes('plain'), 'the watch saw the legs\' transports');

    // Stats stay per call on the shared router.
    const sampleA = await callA.sample();
    assert.ok(sampleA.streams.some((s) => s.leg === 'softphone' && s.packets > 0), 'A\'s own streams are sampled');

    // A hangs up: B keeps its router and its transports; nothing of A's is left on the router.
    const router = callA.router;
    const ownB = [callB.softphoneLeg!.transport.id, callB.pbxLeg!.transport.id].sort();
    await h.request('close', { callId: 'one-a' });
    await callB.requestReconcile();
    assert.equal(router.closed, false, 'B still holds the router');
    assert.equal(callB.softphoneLeg!.transport.closed, false);
    assert.equal(callB.softphoneLeg!.downlink, undefined, 'B hears nothing of the closed call');
    assert.deepEqual((await router.dump()).transportIds.sort(), ownB, 'only B\'s transports are left on the router');
    await callB.sample();
    await h.request('close', { callId: 'one-b' });
    assert.equal(router.closed, true, 'the last call out closes the router');
    await h.assertNoTransports();
  });

  test('calls on different workers, linked by re-INVITEs, still hear each other through a pipe', async (t) => {
    const h = await startHarness(t, { MEDIA_WORKERS: '2' });
    const types = watchTransports(h);
    const a = await outgoingCall(t, h, { callId: 'x-a', pbxSdp: { codecs: pcmu } });
    const b = await incomingCall(t, h, { callId: 'x-b', pbxSdp: { codecs: pcmu } });
    const callA = h.app.node.call('x-a')!;
    const callB = h.app.node.call('x-b')!;
    assert.notEqual(callA.worker, callB.worker, 'the least-loaded worker took B (its offer named no tuple of ours)');
    await h.request('pbxOffer', { callId: 'x-a', sdp: a.pbx.sdp({ codecs: pcmu, ...tupleOf(b), version: 2 }) });
    const linked = await h.request('pbxOffer', { callId: 'x-b', sdp: b.pbx.sdp({ codecs: pcmu, ...tupleOf(a), version: 2 }) });
    assert.equal(linked.mediaPath, 'direct');
    await flowBetweenPhones(a.phone, b.phone, 0x93, 10);
    await flowBetweenPhones(b.phone, a.phone, 0x94, 10);
    assert.ok(types.filter((x) => x === 'pipe').length >= 2, `a PipeTransport pair joins the workers (transports created: ${types.join(' ')})`);
    assert.notEqual(callA.softphoneLeg!.downlink!.producerId, callB.softphoneProducer!.id, 'A consumes the pipe\'s Producer, not B\'s');
    await h.request('close', { callId: 'x-a' });
    await h.request('close', { callId: 'x-b' });
    await h.assertNoTransports();
  });

  test('two calls on one worker whose payload types disagree get two routers and link through a pipe', async (t) => {
    const h = await startHarness(t);
    const types = watchTransports(h);
    const a = await outgoingCall(t, h, { callId: 'pt-a', pbxSdp: { codecs: pcmu } });
    // telephone-event at 96: A's router gave 96 to VP8, so B cannot share it.
    const b = await incomingCall(t, h, { callId: 'pt-b', pbxSdp: { codecs: pcmu, telephoneEvent: { pt: 96, rate: 8000 } } });
    const callA = h.app.node.call('pt-a')!;
    const callB = h.app.node.call('pt-b')!;
    assert.equal(callA.worker, callB.worker);
    assert.notEqual(callA.router, callB.router, 'B\'s numbering collides with A\'s router');
    await h.request('pbxOffer', { callId: 'pt-a', sdp: a.pbx.sdp({ codecs: pcmu, ...tupleOf(b), version: 2 }) });
    const linked = await h.request('pbxOffer', { callId: 'pt-b', sdp: b.pbx.sdp({ codecs: pcmu, telephoneEvent: { pt: 96, rate: 8000 }, ...tupleOf(a), version: 2 }) });
    assert.equal(linked.mediaPath, 'direct');
    await flowBetweenPhones(a.phone, b.phone, 0x95, 10);
    await flowBetweenPhones(b.phone, a.phone, 0x96, 10);
    assert.ok(types.includes('pipe'), 'a pipe between the two routers of the worker');
    assert.ok(countAtPhone(b, 0x95) >= 10);
    await h.request('close', { callId: 'pt-a' });
    await h.request('close', { callId: 'pt-b' });
    await h.assertNoTransports();
  });
});
