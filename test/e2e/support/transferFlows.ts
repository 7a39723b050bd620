// The transfer scenarios (issue 15) every media path runs: blind transfer (REFER) with a failed attempt
// first, and attended transfer (consult, swap twice, complete with REFER + Replaces). The consultation
// itself (consult) is also where the conference (conferenceFlows.ts) starts. 13 runs them via the
// PBX (rtpengine anchors RTP), 14 with Direct Media (Kamailio passes SDP through; the media node links
// the softphone legs inside mediasoup).
import assert from 'node:assert/strict';
import { check } from '@ucserver/testkit';
import { cleanup, establish, hangUp, tonesBothWays, type EstablishedCall } from './callFlow.ts';
import type { BrowserUser, CallSnapshot } from './BrowserUser.ts';
import { CAROL, type JournalRow } from './E2eStack.ts';
import type { StackWithUsers } from './stackWithUsers.ts';

/** The closed journal row of `callId` on `line`. */
async function closedRow(e2e: StackWithUsers, line: string, predicate: (r: JournalRow) => boolean, what: string): Promise<JournalRow> {
  return check(async () => (await e2e.stack.journal(line)).find((r) => predicate(r) && r.endedAt !== null), 15_000, { name: `${what} (journal of ${line})`, intervalMs: 200 });
}

/** A transfers B to 109 (fails, 404), then to C: B and C hear each other, A's call ends redirected. */
export async function blindTransfer(e2e: StackWithUsers, mediaPath: 'pbx' | 'direct'): Promise<void> {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  try {
    const ids = await establish(stack, alice, bob);
    await stack.step('A transfers to 109 (no such line): the target answers 404, A sees the error, the call goes on', async () => {
      await alice.transfer('109');
      await alice.page.getByText(/Transferring to 109 failed/).waitFor({ timeout: 10_000 });
      await alice.screenshot('transfer-failed');
      const a = await alice.waitCall((x) => x.state === 'connected', 'A still connected', 5_000);
      assert.equal(a.id, ids.callerId);
    });
    await tonesBothWays(stack, alice, bob, 'after the failed transfer A and B still hear each other');
    await stack.step('A presses Transfer, enters 102 (B holds and resumes meanwhile): C\'s softphone rings with a call from 101', async () => {
      const row = alice.callRow(ids.callerId);
      if ((await row.getByTestId('call-transfer-number').count()) === 0) await row.getByTestId('call-transfer').click();
      await row.getByTestId('call-transfer-number').fill('102');
      await alice.screenshot('transfer-form');
      // B holds and resumes while A types: A's row is redrawn twice (the form hides while held); the
      // number A typed survives both redraws.
      await bob.click('call-hold');
      await alice.waitCall((x) => x.id === ids.callerId && x.state === 'held', 'A sees the call held by B', 10_000);
      await bob.click('call-retrieve');
      await alice.waitCall((x) => x.id === ids.callerId && x.state === 'connected', 'A sees the call resumed', 10_000);
      assert.equal(await row.getByTestId('call-transfer-number').inputValue(), '102', 'A\'s typed number survives the redraws');
      await row.getByTestId('call-transfer-go').click();
      const c = await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'C is offered the transferred call', 15_000);
      assert.equal(c.remote, '101', 'the transferred call comes from B\'s line');
      await carol.screenshot('transfer-ringing');
    });
    await stack.step('C answers: A\'s call ends (redirected); B stays connected', async () => {
      await carol.click('call-answer');
      await carol.waitCall((x) => x.state === 'connected' && x.hasRemoteAudio, 'C connected with remote audio', 15_000);
      const a = await alice.waitCall((x) => x.state === 'destroyed', 'A\'s call ends', 15_000);
      assert.equal(a.cause, 'redirected');
      const b = await bob.waitCall((x) => x.state === 'connected', 'B still connected', 5_000);
      assert.equal(b.id, ids.calleeId, 'B keeps its call (same connection id)');
    });
    await tonesBothWays(stack, bob, carol, 'B and C hear each other');
    await stack.step('B\'s call shows C\'s number', async () => {
      await bob.waitCall((x) => x.state === 'connected' && x.remote === '102', 'B\'s remote is 102', 10_000);
    });
    await alice.screenshot('transfer-done');
    await bob.screenshot('transfer-done');
    await carol.screenshot('transfer-done');
    await hangUp(stack, carol, bob, 'normal');
    await stack.step('journal: 100 redirected, 101 one answered call, 102 answered from 101', async () => {
      const a = await closedRow(e2e, '100', (r) => r.callId === ids.callerId, 'A\'s call');
      assert.equal(a.disconnectCause, 'redirected');
      assert.ok(a.answeredAt);
      const b = await closedRow(e2e, '101', (r) => r.callId === ids.calleeId, 'B\'s call');
      assert.ok(b.answeredAt);
      assert.equal(b.disconnectCause, 'normal');
      const c = await closedRow(e2e, '102', (r) => r.remoteNumber === '101' && r.startedAt >= a.startedAt, 'C\'s call from 101');
      assert.ok(c.answeredAt);
      assert.equal(c.disconnectCause, 'normal');
      assert.equal(c.mediaPath, mediaPath);
      stack.log(`journal: 100 ${a.disconnectCause} ${a.durationS}s; 101 ${b.disconnectCause} ${b.durationS}s; 102 ${c.disconnectCause} ${c.durationS}s`);
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
}

/** `who`'s call with CTI id `id`, once it satisfies `predicate`. */
export async function callOf(who: BrowserUser, id: string, predicate: (c: CallSnapshot) => boolean, what: string): Promise<CallSnapshot> {
  const s = await who.waitState((st) => st.calls.some((c) => c.id === id && predicate(c)), `${who.name}: ${what}`, 15_000);
  return s.calls.find((c) => c.id === id)!;
}

/** A's two calls of a consultation: `first` with B (held), `second` with C (talking), and their keys on A's page. */
export interface Consultation {
  first: EstablishedCall;
  second: EstablishedCall;
  keyB: string;
  keyC: string;
}

/** A talks to B, presses Consult (B held) and talks to C; each call's tones checked both ways, `mediaPath` on A's calls. */
export async function consult(e2e: StackWithUsers, mediaPath: 'pbx' | 'direct'): Promise<Consultation> {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  const first = await establish(stack, alice, bob);
  await stack.step('A presses Consult: B is held', async () => {
    await alice.click('call-consult', first.callerId);
    await callOf(alice, first.callerId, (c) => c.state === 'held', 'B held');
  });
  const second = await establish(stack, alice, carol);
  const b = await callOf(alice, first.callerId, (c) => c.mediaPath === mediaPath, `call B on media path ${mediaPath}`);
  const c = await callOf(alice, second.callerId, (x) => x.mediaPath === mediaPath, `call C on media path ${mediaPath}`);
  return { first, second, keyB: b.key, keyC: c.key };
}

/** A consults C while B is held, swaps twice, completes (REFER with Replaces): B and C talk, A's calls end. */
export async function attendedTransfer(e2e: StackWithUsers, mediaPath: 'pbx' | 'direct'): Promise<void> {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  try {
    const { first, second, keyB, keyC } = await consult(e2e, mediaPath);
    await alice.screenshot('consultation');
    await stack.step('Swap: A talks to B again, C is held', async () => {
      await alice.click('call-swap', first.callerId);
      await callOf(alice, second.callerId, (c) => c.state === 'held', 'C held');
      await callOf(alice, first.callerId, (c) => c.state === 'connected', 'B connected');
      const [ab, ba] = await Promise.all([alice.waitHears(bob.toneHz, alice.toneHz, 15_000, 0.6, keyB), bob.waitHears(alice.toneHz, bob.toneHz, 15_000)]);
      stack.log(`after swap: A hears B ${ab.heard.share.toFixed(2)}, B hears A ${ba.heard.share.toFixed(2)}`);
    });
    await alice.screenshot('swapped');
    await stack.step('Swap back: A talks to C, B is held', async () => {
      await alice.click('call-swap', second.callerId);
      await callOf(alice, first.callerId, (c) => c.state === 'held', 'B held');
      await callOf(alice, second.callerId, (c) => c.state === 'connected', 'C connected');
      const [ac, ca] = await Promise.all([alice.waitHears(carol.toneHz, alice.toneHz, 15_000, 0.6, keyC), carol.waitHears(alice.toneHz, carol.toneHz, 15_000)]);
      stack.log(`after swap back: A hears C ${ac.heard.share.toFixed(2)}, C hears A ${ca.heard.share.toFixed(2)}`);
    });
    await stack.step('Complete transfer: A\'s two calls end, B and C stay connected', async () => {
      await alice.click('call-complete', first.callerId);
      const a1 = await callOf(alice, first.callerId, (c) => c.state === 'destroyed', 'call B ends');
      const a2 = await callOf(alice, second.callerId, (c) => c.state === 'destroyed', 'call C ends');
      stack.log(`A's calls ended: B ${a1.cause}, C ${a2.cause}`);
      assert.equal(a1.cause, 'redirected');
      await callOf(bob, first.calleeId, (c) => c.state === 'connected', 'B still connected');
      await callOf(carol, second.calleeId, (c) => c.state === 'connected', 'C still connected');
    });
    await tonesBothWays(stack, bob, carol, 'B and C hear each other (B retrieved from hold by the new dialog)');
    await bob.screenshot('attended-done');
    await carol.screenshot('attended-done');
    await alice.screenshot('attended-done');
    await hangUp(stack, bob, carol, 'normal');
    await stack.step('journal: A\'s calls closed, B\'s and C\'s calls answered and normal', async () => {
      const a1 = await closedRow(e2e, '100', (r) => r.callId === first.callerId, 'A\'s call to B');
      assert.equal(a1.disconnectCause, 'redirected');
      const a2 = await closedRow(e2e, '100', (r) => r.callId === second.callerId, 'A\'s call to C');
      const b = await closedRow(e2e, '101', (r) => r.callId === first.calleeId, 'B\'s call');
      const c = await closedRow(e2e, '102', (r) => r.callId === second.calleeId, 'C\'s call');
      assert.equal(b.disconnectCause, 'normal');
      assert.equal(c.disconnectCause, 'normal');
      stack.log(`journal: 100 ${a1.disconnectCause}/${a2.disconnectCause}; 101 ${b.disconnectCause} ${b.durationS}s; 102 ${c.disconnectCause} ${c.durationS}s`);
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
}

/**
 * A transfers B to C and hangs up at once (before C answers), as many transferors do: B's line takes the
 * BYE while it follows the REFER, its call waits for C, and B and C talk.
 */
export async function blindTransferThenHangUp(e2e: StackWithUsers): Promise<void> {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  try {
    const ids = await establish(stack, alice, bob);
    await stack.step('A transfers to 102 and hangs up while C rings', async () => {
      await alice.transfer('102');
      await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'C is offered the transferred call', 15_000);
      await alice.click('call-hangup', ids.callerId);
      const a = await callOf(alice, ids.callerId, (c) => c.state === 'destroyed', 'A\'s call ends');
      assert.equal(a.cause, 'normal');
      const b = await callOf(bob, ids.calleeId, () => true, 'B\'s call');
      assert.notEqual(b.state, 'destroyed', 'B\'s call waits for the transfer target');
    });
    await stack.step('C answers: B and C connected', async () => {
      await carol.click('call-answer');
      await carol.waitCall((x) => x.state === 'connected' && x.hasRemoteAudio, 'C connected with remote audio', 15_000);
      await callOf(bob, ids.calleeId, (c) => c.state === 'connected' && c.remote === '102', 'B connected to 102');
    });
    await tonesBothWays(stack, bob, carol, 'B and C hear each other');
    await hangUp(stack, bob, carol, 'normal');
    await stack.step('journal: 100 normal, 101 normal', async () => {
      const a = await closedRow(e2e, '100', (r) => r.callId === ids.callerId, 'A\'s call');
      assert.equal(a.disconnectCause, 'normal');
      const b = await closedRow(e2e, '101', (r) => r.callId === ids.calleeId, 'B\'s call');
      assert.equal(b.disconnectCause, 'normal');
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
}
