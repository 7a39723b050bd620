// Blind transfer through Kamailio + rtpengine with three Chromium softphones (issue 15): A calls B, A
// presses Transfer and gives 102. A's pbx-adapter sends REFER in A's dialog (Refer-To 102); B's line
// (also ours) accepts it (202), NOTIFYs 100 Trying, sends a new INVITE to 102 with Referred-By carrying a
// new offer of B's own PBX leg, so B's softphone keeps its WebRTC session. C answers: B NOTIFYs 200 OK,
// A's call ends (cause redirected), B's call continues with C as its far end. B and C hear each other's
// tones; journal rows on all three lines. Before that, a transfer to a number that is no line fails
// (NOTIFY 404): A's Transfer shows the error and A and B go on talking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { cleanup, establish, hangUp, tonesBothWays } from './support/callFlow.ts';
import { ALICE, BOB, CAROL, type JournalRow } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '08-transfer', pbxMode: 'media-via-pbx', users: [ALICE, BOB, CAROL] });

/** The closed journal row of `callId` on `line`. */
async function closedRow(line: string, predicate: (r: JournalRow) => boolean, what: string): Promise<JournalRow> {
  return check(async () => (await e2e.stack.journal(line)).find((r) => predicate(r) && r.endedAt !== null), 15_000, { name: `${what} (journal of ${line})`, intervalMs: 200 });
}

test('blind transfer: A transfers B to C (REFER); B and C hear each other, A\'s call ends redirected, journal rows on 100, 101, 102', async () => {
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
    await stack.step('A presses Transfer, enters 102: C\'s softphone rings with a call from 101', async () => {
      const row = alice.callRow(ids.callerId);
      if ((await row.getByTestId('call-transfer-number').count()) === 0) await row.getByTestId('call-transfer').click();
      await row.getByTestId('call-transfer-number').fill('102');
      await alice.screenshot('transfer-form');
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
      const a = await closedRow('100', (r) => r.callId === ids.callerId, 'A\'s call');
      assert.equal(a.disconnectCause, 'redirected');
      assert.ok(a.answeredAt);
      const b = await closedRow('101', (r) => r.callId === ids.calleeId, 'B\'s call');
      assert.ok(b.answeredAt);
      assert.equal(b.disconnectCause, 'normal');
      const c = await closedRow('102', (r) => r.remoteNumber === '101' && r.startedAt >= a.startedAt, 'C\'s call from 101');
      assert.ok(c.answeredAt);
      assert.equal(c.disconnectCause, 'normal');
      assert.equal(c.mediaPath, 'pbx');
      stack.log(`journal: 100 ${a.disconnectCause} ${a.durationS}s; 101 ${b.disconnectCause} ${b.durationS}s; 102 ${c.disconnectCause} ${c.durationS}s`);
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
});
