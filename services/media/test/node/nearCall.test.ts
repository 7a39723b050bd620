// The pbx-adapter's `near` hint on a call-creating PBX command (pbx.offer, pbx.late-offer): the new call
// goes on the worker (and router, when the payload types agree) of the call it names — the other leg of a
// conversation through the PBX — while an unknown call id is no error, just no hint, and a Direct Media
// tuple owner still comes first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakePbx } from '../support/FakePbx.ts';
import { outgoingCall } from '../support/calls.ts';
import { startHarness } from '../support/harness.ts';

describe('placing a call near another on the node', { timeout: 60_000 }, () => {
  test('pbx.offer and pbx.late-offer with `near` land on that call\'s worker and router; without it, or with an unknown call, on the least-loaded worker', async (t) => {
    const h = await startHarness(t, { MEDIA_WORKERS: '2' });
    // A: an outgoing softphone call through the PBX (PCMU, as a softphone leg with rtpengine would be).
    const a = await outgoingCall(t, h, { callId: 'near-a', phoneCodecs: ['PCMU'], pbxSdp: { codecs: [{ pt: 0, name: 'PCMU', rate: 8000 }] } });
    const callA = h.app.node.call(a.callId)!;
    const rtpengine = await FakePbx.create();
    t.after(() => rtpengine.close());
    // What rtpengine hands the callee: A's PBX offer (its payload types) with rtpengine's tuple in c=/m=,
    // a tuple no call of the node owns (replace-origin, replace-session-connection).
    const rtpenginePort = /^m=audio (\d+) /m.exec(rtpengine.sdp())![1]!;
    const offer = a.nodePbxSdp.replace(/^m=audio \d+ /m, `m=audio ${rtpenginePort} `).replace(/^a=rtcp:.*\r?\n/gm, '');

    await h.request('pbxOffer', { callId: 'near-c', sdp: offer, near: 'near-a' });
    const callC = h.app.node.call('near-c')!;
    assert.equal(callC.worker, callA.worker, 'near A: on A\'s worker, though the other one has no call');
    assert.ok(callA.router && callC.router === callA.router, 'and on A\'s router (the payload types agree)');

    await h.request('pbxOffer', { callId: 'far-b', sdp: offer });
    const callB = h.app.node.call('far-b')!;
    assert.notEqual(callB.worker, callA.worker, 'no hint: the least-loaded worker (the one A is not on)');

    await h.request('pbxLateOffer', { callId: 'near-d', srtp: 'off', near: 'near-a' });
    assert.equal(h.app.node.call('near-d')!.worker, callA.worker, 'a late offer near A: on A\'s worker');

    // Three calls on A's worker, one on the other: an unknown or ended call names nothing.
    await h.request('pbxOffer', { callId: 'near-e', sdp: offer, near: 'no-such-call' });
    assert.equal(h.app.node.call('near-e')!.worker, callB.worker, 'unknown call: the least-loaded worker');
    await h.request('pbxOffer', { callId: 'near-g', sdp: offer, near: 'near-a' });
    await h.request('close', { callId: 'near-d' });
    assert.deepEqual([callA.worker.callCount, callB.worker.callCount], [3, 2], 'A, C, G on A\'s worker; B, E on the other');
    await h.request('pbxOffer', { callId: 'near-f', sdp: offer, near: 'near-d' });
    assert.equal(h.app.node.call('near-f')!.worker, callB.worker, 'an ended call: the least-loaded worker');

    // A re-offer of an existing call ignores the hint (it is placed already).
    await h.request('pbxOffer', { callId: 'far-b', sdp: offer.replace(/^(o=\S+ \S+ )(\d+)/m, (_, head: string, v: string) => `${head}${Number(v) + 1}`), near: 'near-a' });
    assert.equal(h.app.node.call('far-b')!.worker, callB.worker, 'a re-INVITE does not move the call');
  });
});
