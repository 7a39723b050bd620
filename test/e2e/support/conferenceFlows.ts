// The three-party conference (issue 15) every media path runs: A talks to B, consults C (B held,
// transferFlows.ts's consult), presses Conference on the held call (asnCtiConference): B's call is
// retrieved and the media node mixes A's microphone with the far ends of both calls — via the PBX their
// PBX legs, on Direct Media the softphone legs of B's and C's own calls on the node. Each of A, B and C
// hears the two other tones (440, 1000, 700 Hz) and not its own. Then C hangs up: the mix dissolves,
// A's call with B is two-party again (bridged, or linked directly) and A and B still hear each other.
// 17 runs it via the PBX (Kamailio + rtpengine), 18 with Direct Media.
import assert from 'node:assert/strict';
import { check } from '@ucserver/testkit';
import type { BrowserUser } from './BrowserUser.ts';
import { cleanup } from './callFlow.ts';
import { CAROL } from './E2eStack.ts';
import type { StackWithUsers } from './stackWithUsers.ts';
import { callOf, consult } from './transferFlows.ts';

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

/** A conferences B and C; each hears the two others and not itself; C leaves and A and B talk on (on `mediaPath`). */
export async function threePartyConference(e2e: StackWithUsers, mediaPath: 'pbx' | 'direct'): Promise<void> {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  try {
    const { first, second, keyB, keyC } = await consult(e2e, mediaPath);
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
    await stack.step(`the calls stay on media path ${mediaPath}`, async () => {
      for (const id of [first.callerId, second.callerId]) assert.equal((await callOf(alice, id, () => true, 'call')).mediaPath, mediaPath);
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
}
