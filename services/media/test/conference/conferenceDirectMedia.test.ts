// A conference of Direct Media calls on a real node: A's two calls are linked to B's and C's own calls
// inside mediasoup (a pass-through PBX: each INVITE carries the caller's PBX-leg tuple), so the PBX legs
// carry nothing. conference.join over the bus with the usual legs seats A's microphone and the partner
// calls' softphone legs (found by the node); each phone hears the two other tones and not its own; when
// C's call and A's call with C close, A's held call and B are linked directly again. A call on Direct
// Media whose partner is gone is refused with the catalogued code.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { check, testPayload, tonePower } from '@ucserver/testkit';
import type { WeriftPhone } from '@ucserver/testkit/werift';
import { remoteCode, startHarness, type Harness } from '../support/harness.ts';

const A = 440;
const B = 1000;
const C = 700;

/** Caller `from` (a softphone of this node) calls `to` through a pass-through PBX: the two calls are linked. */
async function directPair(t: TestContext, h: Harness, from: string, to: string): Promise<{ caller: WeriftPhone; callee: WeriftPhone }> {
  const { WeriftPhone } = await import('@ucserver/testkit/werift');
  const caller = new WeriftPhone({ codecs: ['PCMU'] });
  const callee = new WeriftPhone({ codecs: ['PCMU'] });
  t.after(async () => {
    await caller.close();
    await callee.close();
  });
  await h.request('softphoneOffer', { callId: from, sdp: await caller.offer() });
  const offer = await h.request('pbxCreateOffer', { callId: from, srtp: 'off' });
  const invite = await h.request('pbxOffer', { callId: to, sdp: offer.sdp });
  assert.equal((await h.request('pbxApplyAnswer', { callId: from, sdp: invite.sdp })).mediaPath, 'direct');
  await caller.applyAnswer((await h.request('softphoneAnswer', { callId: from })).sdp);
  const calleeOffer = await h.request('softphoneCreateOffer', { callId: to });
  await h.request('softphoneApplyAnswer', { callId: to, sdp: await callee.answer(calleeOffer.sdp) });
  await caller.connected();
  await callee.connected();
  return { caller, callee };
}

/** Tone powers in what `phone` received from packet `from` on, for each frequency. */
function powers(phone: WeriftPhone, from: number, frequencies: number[]): number[] {
  const samples = phone.samples(from);
  return frequencies.map((f) => tonePower(samples, f, 8000));
}

/** `phone` hears both `others` (each at least a tenth of the louder) and `own` far below them. */
async function hearsBoth(phone: WeriftPhone, name: string, others: [number, number], own: number): Promise<void> {
  let last: number[] = [];
  try {
    await check(() => {
      const from = Math.max(0, phone.received.length - 50); // the last second
      last = powers(phone, from, [...others, own]);
      const [x, y, self] = last as [number, number, number];
      return Math.min(x, y) > 0.1 * Math.max(x, y) && self < 0.02 * Math.min(x, y);
    }, 8000, { name: `${name} hears ${others.join(' + ')} Hz and not ${own} Hz`, intervalMs: 200 });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last powers ${last.map((p) => p.toExponential(1)).join(', ')}`, { cause: err });
  }
}

async function flowBetween(from: WeriftPhone, to: WeriftPhone, marker: number, count: number): Promise<void> {
  let seq = 0;
  await check(() => {
    from.send(testPayload(marker, seq++));
    return to.received.filter((p) => p.payload[0] === marker).length >= count;
  }, 5000, { name: `${count} packets 0x${marker.toString(16)} softphone → softphone`, intervalMs: 20 });
}

describe('conference of Direct Media calls', { timeout: 90_000 }, () => {
  test('mixes A\'s microphone with B\'s and C\'s softphone legs; C leaves, A\'s held call and B are linked again', async (t) => {
    const h = await startHarness(t);
    const ab = await directPair(t, h, 'dm-a1', 'dm-b');
    const ac = await directPair(t, h, 'dm-a2', 'dm-c');
    ac.caller.startTone(A);
    ab.callee.startTone(B);
    ac.callee.startTone(C);
    const state = await h.request('conferenceJoin', { conferenceId: 'conf-dm', members: [{ callId: 'dm-a2', legs: ['softphone', 'pbx'] }, { callId: 'dm-a1', legs: ['pbx'] }] });
    assert.deepEqual(state, { conferenceId: 'conf-dm', participants: ['dm-a2/softphone', 'dm-c/softphone', 'dm-b/softphone'], dissolved: false });
    for (const id of ['dm-a1', 'dm-a2', 'dm-b', 'dm-c']) assert.equal(h.app.node.call(id)!.path, 'direct', `${id} stays on Direct Media`);
    await hearsBoth(ac.caller, 'A (on a2)', [B, C], A);
    await hearsBoth(ab.callee, 'B', [A, C], B);
    await hearsBoth(ac.callee, 'C', [A, B], C);
    const heldHeard = ab.caller.received.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ab.caller.received.length, heldHeard, 'A\'s held call a1 hears nothing meanwhile');

    ac.caller.stopTone();
    ab.callee.stopTone();
    ac.callee.stopTone();
    await h.request('close', { callId: 'dm-c' });
    await h.request('close', { callId: 'dm-a2' });
    await check(() => h.app.node.conferences.size === 0, 3000, { name: 'the room dissolved' });
    // Markers arrive byte for byte: the link relays, a mix would decode and re-encode them.
    await flowBetween(ab.caller, ab.callee, 0x91, 10);
    await flowBetween(ab.callee, ab.caller, 0x92, 10);

    // B hangs up: a1 keeps its path (direct) without a partner; its far end cannot be mixed here.
    await h.request('close', { callId: 'dm-b' });
    await assert.rejects(h.request('conferenceJoin', { conferenceId: 'conf-2', members: [{ callId: 'dm-a1', legs: ['softphone', 'pbx'] }] }), remoteCode('UCS_ERR_MEDIA_CONFERENCE_PARTNER'));
    assert.equal(h.app.node.conferences.size, 0, 'the refused join left no room');
    await h.request('close', { callId: 'dm-a1' });
    await h.assertNoTransports();
  });
});
