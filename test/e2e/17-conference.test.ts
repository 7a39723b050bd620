// Three-party conference through Kamailio + rtpengine with three Chromium softphones (issue 15): A calls
// B, presses Consult (B held), calls C, then presses Conference on the held call: asnCtiConference
// retrieves B's call toward the PBX and the media node mixes A's softphone leg of the call with C and
// the far ends of both calls (opus decoded, mixed N-1, encoded back per leg). Each of A, B and C hears
// the two other tones (440, 1000, 700 Hz) and not its own. Then C hangs up: the mix dissolves, A's call
// with B is bridged two-party again and A and B still hear each other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import type { BrowserUser, CallSnapshot } from './support/BrowserUser.ts';
import { cleanup, establish } from './support/callFlow.ts';
import { ALICE, BOB, CAROL } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '17-conference', pbxMode: 'media-via-pbx', users: [ALICE, BOB, CAROL] });

async function callOf(who: BrowserUser, id: string, predicate: (c: CallSnapshot) => boolean, what: string): Promise<CallSnapshot> {
  const s = await who.waitState((st) => st.calls.some((c) => c.id === id && predicate(c)), `${who.name}: ${what}`, 15_000);
  return s.calls.find((c) => c.id === id)!;
}

/** Waits until `who` hears every tone of `others` (each a fair share of the sound) and not `own`, on the call `key`. */
async function hearsBoth(who: BrowserUser, others: number[], own: number, key?: string): Promise<string> {
  let last = '';
  try {
    return await check(async () => {
      const levels = await Promise.all([...others, own].map((f) => who.remoteAudioLevel(f, key)));
      last = JSON.stringify(levels);
      const ownLevel = levels.at(-1);
      const ok = levels.slice(0, -1).every((l) => l && l.share >= 0.2 && l.totalDb > -60) && ownLevel && ownLevel.share < 0.05;
      return ok ? levels.map((l, i) => `${[...others, own][i]} Hz ${l!.share.toFixed(2)}`).join(', ') : undefined;
    }, 20_000, { name: `${who.name} hears ${others.join(' + ')} Hz and not ${own} Hz`, intervalMs: 250 });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last levels: ${last}`, { cause: err });
  }
}

test('conference: A holds B, calls C, conferences; each hears the two others and not itself; C leaves, A and B still talk', async () => {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  try {
    const first = await establish(stack, alice, bob);
    await stack.step('A presses Consult: B is held', async () => {
      await alice.click('call-consult', first.callerId);
      await callOf(alice, first.callerId, (c) => c.state === 'held', 'B held');
    });
    const second = await establish(stack, alice, carol);
    const keyB = (await callOf(alice, first.callerId, () => true, 'call B')).key;
    const keyC = (await callOf(alice, second.callerId, () => true, 'call C')).key;
    await stack.step('A sees Conference on the held call', async () => {
      await alice.callRow(first.callerId).getByTestId('call-conference').waitFor({ timeout: 10_000 });
      await alice.screenshot('before-conference');
    });
    await stack.step('A presses Conference: both calls connected and marked Conference', async () => {
      await alice.click('call-conference', first.callerId);
      await callOf(alice, first.callerId, (c) => c.state === 'connected', 'B retrieved');
      await alice.callRow(first.callerId).getByTestId('call-conference-mark').waitFor({ timeout: 10_000 });
      await alice.callRow(second.callerId).getByTestId('call-conference-mark').waitFor({ timeout: 10_000 });
    });
    await stack.step('each hears the two other tones and not its own', async () => {
      const [a, b, c] = await Promise.all([
        hearsBoth(alice, [bob.toneHz, carol.toneHz], alice.toneHz, keyC),
        hearsBoth(bob, [alice.toneHz, carol.toneHz], bob.toneHz),
        hearsBoth(carol, [alice.toneHz, bob.toneHz], carol.toneHz),
      ]);
      stack.log(`A: ${a}; B: ${b}; C: ${c}`);
    });
    await alice.screenshot('conference');
    await bob.screenshot('conference');
    await stack.step('C hangs up: A\'s call with C ends, the call with B is two-party again', async () => {
      await carol.click('call-hangup');
      await callOf(alice, second.callerId, (c) => c.state === 'destroyed', 'call C ends');
      const b = await callOf(alice, first.callerId, (c) => c.state === 'connected', 'B still connected');
      assert.equal(b.state, 'connected');
      await check(async () => ((await alice.callRow(first.callerId).getByTestId('call-conference-mark').count()) === 0 ? true : undefined), 10_000, { name: 'the Conference mark is gone', intervalMs: 200 });
    });
    await stack.step('A and B still hear each other', async () => {
      const [ab, ba] = await Promise.all([alice.waitHears(bob.toneHz, alice.toneHz, 15_000, 0.6, keyB), bob.waitHears(alice.toneHz, bob.toneHz, 15_000)]);
      stack.log(`after C left: A hears B ${ab.heard.share.toFixed(2)}, B hears A ${ba.heard.share.toFixed(2)}`);
    });
    await alice.screenshot('after-c-left');
    await stack.step('A hangs up the call with B: both ends see it end normally', async () => {
      await alice.click('call-hangup', first.callerId);
      const a = await callOf(alice, first.callerId, (c) => c.state === 'destroyed', 'call B ends');
      const b = await callOf(bob, first.calleeId, (c) => c.state === 'destroyed', 'B\'s call ends');
      assert.equal(a.cause, 'normal');
      assert.equal(b.cause, 'normal');
    });
  } finally {
    await cleanup(stack, alice, bob, carol);
  }
});
