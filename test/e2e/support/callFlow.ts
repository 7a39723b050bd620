// Steps every call scenario repeats: place a call from one browser to another, answer it, check the
// tones both ways, hang up and see both sides end.
import assert from 'node:assert/strict';
import { check } from '@ucserver/testkit';
import type { BrowserUser, CallSnapshot } from './BrowserUser.ts';
import type { E2eStack } from './E2eStack.ts';

export interface EstablishedCall {
  /** The caller's CTI connection id. */
  callerId: string;
  /** The callee's CTI connection id (its own call on its line). */
  calleeId: string;
}

const running = (c: CallSnapshot): boolean => c.state !== 'destroyed' && c.state !== 'failed';

/** The caller dials; the callee's softphone rings and the caller hears ringback. */
export async function dialAndRing(stack: E2eStack, caller: BrowserUser, callee: BrowserUser, number = callee.user.line): Promise<EstablishedCall> {
  return stack.step(`${caller.name} dials ${number}, ${callee.name} rings`, async () => {
    await caller.dial(number);
    // the CTI offering event and asnAVNewCallV2 (the softphone offer) may arrive in either order
    const incoming = await callee.waitCall((c) => c.direction === 'inbound' && c.state === 'offering' && c.avCallId !== undefined, 'an incoming call is offered to the softphone (CTI offering + asnAVNewCallV2)', 15_000);
    assert.equal(incoming.remote, caller.user.line, 'the callee sees the caller\'s number');
    await callee.waitState((s) => s.ringing === 'ring', 'the ring tone plays');
    const outgoing = await caller.waitCall((c) => c.direction === 'outbound' && c.state === 'ringback', 'ringback (the callee alerts)', 10_000);
    assert.ok(outgoing.id, 'the outgoing call has a CTI connection id');
    assert.equal(outgoing.remote, number);
    assert.deepEqual(outgoing.history.filter((s) => s !== 'calling'), ['dialing', 'ringback']);
    return { callerId: outgoing.id!, calleeId: incoming.id! };
  });
}

/** The callee presses Answer; both sides reach `connected` with audio tracks. */
export async function answer(stack: E2eStack, caller: BrowserUser, callee: BrowserUser): Promise<void> {
  await stack.step(`${callee.name} answers`, async () => {
    await callee.click('call-answer');
    await callee.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'connected with remote audio', 15_000);
    await caller.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'connected with remote audio', 15_000);
    assert.equal((await callee.state()).ringing, 'off', 'the ring tone stopped');
    assert.equal((await caller.state()).ringing, 'off', 'the ringback tone stopped');
  });
}

/** Each side hears the other's tone, not its own. */
export async function tonesBothWays(stack: E2eStack, a: BrowserUser, b: BrowserUser, label = 'tones both ways'): Promise<void> {
  await stack.step(label, async () => {
    const [ab, ba] = await both(a.waitHears(b.toneHz, a.toneHz, 15_000), b.waitHears(a.toneHz, b.toneHz, 15_000));
    stack.log(`${a.name} hears ${b.toneHz} Hz share ${ab.heard.share.toFixed(2)} (${ab.heard.totalDb.toFixed(1)} dBFS); ${b.name} hears ${a.toneHz} Hz share ${ba.heard.share.toFixed(2)} (${ba.heard.totalDb.toFixed(1)} dBFS)`);
  });
}

/** Neither side hears anything (hold). */
export async function silenceBothWays(stack: E2eStack, a: BrowserUser, b: BrowserUser, label = 'audio stops both ways'): Promise<void> {
  await stack.step(label, async () => {
    await both(a.waitSilence(10_000), b.waitSilence(10_000));
  });
}

/** Both results, or one error naming every failure (so a one-way problem shows which way). */
async function both<A, B>(pa: Promise<A>, pb: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([pa, pb]);
  if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
  const reasons = [ra, rb].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
  throw new Error(reasons.join('\n  AND '));
}

/** Places a call and gets it answered with audio both ways. */
export async function establish(stack: E2eStack, caller: BrowserUser, callee: BrowserUser, number?: string): Promise<EstablishedCall> {
  const ids = await dialAndRing(stack, caller, callee, number);
  await answer(stack, caller, callee);
  await tonesBothWays(stack, caller, callee);
  return ids;
}

/**
 * `who` hangs up; both calls end: the state history ends with disconnected → destroyed and the
 * server's disconnect cause is `cause` on both sides.
 */
export async function hangUp(stack: E2eStack, who: BrowserUser, other: BrowserUser, cause = 'normal'): Promise<void> {
  await stack.step(`${who.name} hangs up`, async () => {
    await who.click('call-hangup');
    for (const b of [who, other]) {
      const c = await b.waitCall((x) => x.state === 'destroyed', 'the call is destroyed', 10_000);
      assert.deepEqual(c.history.slice(-2), ['disconnected', 'destroyed'], `${b.name}: disconnected then destroyed`);
      assert.equal(c.cause, cause, `${b.name}: disconnect cause`);
    }
    const s = await other.state();
    assert.equal(s.ringing, 'off');
  });
}

/** Waits until the call is destroyed in `first`, then in `second`; their last snapshots. */
export async function callsEnded(first: BrowserUser, second: BrowserUser): Promise<[CallSnapshot, CallSnapshot]> {
  const ended = (b: BrowserUser): Promise<CallSnapshot> => b.waitCall((c) => c.state === 'destroyed', 'call ended', 10_000);
  const one = await ended(first);
  return [one, await ended(second)];
}

/** Both pages and the gateway have no running call (nothing hangs). */
export async function waitIdle(stack: E2eStack, ...browsers: BrowserUser[]): Promise<void> {
  for (const b of browsers) await b.waitState((s) => s.calls.every((c) => !running(c)), 'no running call', 15_000);
  await check(async () => {
    const calls = await stack.admin<Array<{ state: string }>>('GET', '/api/v1/calls');
    return calls.every((c) => c.state === 'disconnected');
  }, 15_000, { name: 'no active call in GET /api/v1/calls', intervalMs: 200 });
}

/** Hangs up whatever still runs (cleanup between scenarios sharing a stack). */
export async function hangUpAll(...browsers: BrowserUser[]): Promise<void> {
  for (const b of browsers) {
    const buttons = b.page.getByTestId('call-hangup');
    for (let i = 0; i < 5 && (await buttons.count()) > 0; i++) await buttons.first().click().catch(() => undefined);
    const rejects = b.page.getByTestId('call-reject');
    for (let i = 0; i < 5 && (await rejects.count()) > 0; i++) await rejects.first().click().catch(() => undefined);
  }
}

/**
 * Cleanup between scenarios sharing a stack (in `finally`): hangs up what still runs and waits for
 * idle. Never throws — a failure here must not hide the scenario's own error — but logs it.
 */
export async function cleanup(stack: E2eStack, ...browsers: BrowserUser[]): Promise<void> {
  try {
    await hangUpAll(...browsers);
    await waitIdle(stack, ...browsers);
  } catch (err) {
    stack.log(`cleanup: ${(err as Error).message.split('\n')[0]}`);
  }
}
