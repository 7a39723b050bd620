// Call routing the server honours (issue 12), through Kamailio + rtpengine with three Chromium
// softphones: B's DND refuses A's call busy (486); B's unconditional forward to C (302, Kamailio follows
// it with uac_redirect) rings C's browser and carries the tones; B's forward on no answer moves the
// ringing call to C after 5 s; forwards in a loop (B → C → B) end at FORWARD_MAX_HOPS. The journal
// rows of all of it; a callback on busy (asnCtiCompleteCall) that B's DND-off releases. DND and forwards are
// set by CTI clients of B and C (TCP 7222).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { EnetucClient } from '../../services/cti-gateway/src/client/EnetucClient.ts';
import { answer, cleanup, hangUp, tonesBothWays } from './support/callFlow.ts';
import { ALICE, BOB, CAROL, type JournalRow } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const MAX_HOPS = 2;
/** The no-answer time of the forward-on-no-answer test, as the issue asks. */
const NO_ANSWER_S = 5;
const e2e = stackWithUsers({ scenario: '06-call-routing', pbxMode: 'media-via-pbx', users: [ALICE, BOB, CAROL], gatewayEnv: { FORWARD_MAX_HOPS: String(MAX_HOPS) } });

/** A CTI client (no softphone) of `user`, monitoring the user's line. */
async function ctiOf(user: typeof BOB): Promise<EnetucClient> {
  const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: e2e.stack.ctiPort });
  await c.login(user.login, user.password, { softphone: false });
  await c.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: `tel:${user.line}` });
  return c;
}

/** The closed journal rows on `line` of calls from `from` that started at or after `since`, oldest first. */
async function rowsSince(line: string, since: string, count: number, from = ALICE.line): Promise<JournalRow[]> {
  return check(async () => {
    const rows = (await e2e.stack.journal(line)).filter((r) => r.startedAt >= since && r.remoteNumber === from && r.endedAt !== null);
    return rows.length >= count ? rows.sort((a, b) => a.startedAt.localeCompare(b.startedAt)) : undefined;
  }, 15_000, { name: `${count} closed journal row(s) on line ${line} since ${since}`, intervalMs: 200 });
}

/** Now, as the journal's timestamps are written (the services run on this host: one clock). */
const now = (): string => new Date().toISOString();

test('DND: B on do-not-disturb, A\'s call to 101 ends busy (486); B\'s browser never rings; the journal says busy', async () => {
  const { stack, alice, bob } = e2e;
  const bobCti = await ctiOf(BOB);
  try {
    const since = now();
    await stack.step('B sets DND (asnCtiLineSetDoNotDisturb), monitors see it', async () => {
      await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true });
      const e = await bobCti.waitForEvent('asnCtiNotifyLineDoNotDisturbChanged', (x) => x.iDoNotDisturb === 1);
      assert.equal(e.u8sLinePhoneNumber, 'tel:101');
    });
    const offeredToB = async (): Promise<number> => (await bob.state()).calls.filter((c) => c.avCallId !== undefined && c.direction === 'inbound').length;
    const offeredBefore = await offeredToB();
    await stack.step('A calls 101: busy', async () => {
      await alice.dial('101');
      const a = await alice.waitCall((c) => c.state === 'destroyed', 'call ended', 15_000);
      assert.equal(a.cause, 'busy');
      assert.equal(await offeredToB(), offeredBefore, 'B\'s softphone was never offered the call');
      await alice.screenshot('dnd-busy');
    });
    await stack.step('journal: busy 486 on both lines', async () => {
      const [a] = await rowsSince('100', since, 1, '101');
      const [b] = await rowsSince('101', since, 1);
      assert.equal(a!.disconnectCause, 'busy');
      assert.equal(a!.sipStatus, 486);
      assert.equal(b!.disconnectCause, 'busy');
      assert.equal(b!.sipStatus, 486);
      assert.equal(b!.answeredAt, null);
    });
  } finally {
    await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: false }).catch(() => undefined);
    bobCti.close();
    await cleanup(stack, alice, bob, e2e.user(CAROL));
  }
});

test('callback on busy (asnCtiCompleteCall): A finds B busy (DND), asks for a callback; B turns DND off → A\'s softphone dials 101, B answers, tones both ways', async () => {
  const { stack, alice, bob } = e2e;
  const bobCti = await ctiOf(BOB);
  try {
    await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true });
    await bobCti.waitForEvent('asnCtiNotifyLineDoNotDisturbChanged', (x) => x.iDoNotDisturb === 1);
    let busyId = '';
    await stack.step('A calls 101: busy, the ended call offers "Call back when free"', async () => {
      await alice.dial('101');
      const a = await alice.waitCall((c) => c.state === 'destroyed', 'call ended', 15_000);
      assert.equal(a.cause, 'busy');
      assert.equal(a.completable, true, 'eCFEATURECOMPLETECALL on the busy call');
      busyId = a.id!;
    });
    await stack.step('A presses Call back when free: requested, nothing dials while B is on DND', async () => {
      await alice.click('call-callback', busyId);
      await alice.waitState((s) => s.calls.find((c) => c.id === busyId)?.callback === 'requested', 'callback requested');
      await alice.screenshot('callback-requested');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await alice.state()).calls.filter((c) => c.direction === 'outbound' && c.state !== 'destroyed').length, 0, 'no call while B is on DND');
    });
    let callbackId = '';
    await stack.step('B turns DND off: A\'s softphone dials 101 by itself, B rings', async () => {
      await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: false });
      const c = await bob.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'B rings with the callback', 15_000);
      assert.equal(c.remote, '100');
      const a = await alice.waitCall((x) => x.direction === 'outbound' && x.state === 'ringback' && x.isCallback, 'A\'s callback rings back', 10_000);
      callbackId = a.id!;
      await alice.waitState((s) => s.calls.find((c) => c.id === busyId)?.callback === 'placed', 'the busy call shows it was called back');
      await alice.screenshot('callback-ringing');
    });
    await answer(stack, alice, bob);
    await tonesBothWays(stack, alice, bob);
    await hangUp(stack, alice, bob, 'normal');
    await stack.step('journal: the callback is an answered call 100 → 101', async () => {
      const row = await check(async () => (await e2e.stack.journal('100')).find((r) => r.callId === callbackId && r.endedAt !== null), 15_000, { name: 'callback journal row', intervalMs: 200 });
      assert.ok(row.answeredAt);
      assert.equal(row.remoteNumber, '101');
    });
  } finally {
    await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: false }).catch(() => undefined);
    bobCti.close();
    await cleanup(stack, alice, bob, e2e.user(CAROL));
  }
});

test('forward unconditionally: B forwards to 102, A\'s call rings C\'s browser, tones A<->C, journal shows 302 on 101', async () => {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  const bobCti = await ctiOf(BOB);
  try {
    const since = now();
    await stack.step('B forwards 101 → 102 (asnCtiSetForward), monitors get asnCtiNotifyLineForwardingChanged', async () => {
      await bobCti.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102' });
      const e = await bobCti.waitForEvent('asnCtiNotifyLineForwardingChanged', (x) => x.seqLineForwards.length === 1);
      assert.deepEqual(e.seqLineForwards.map((f) => [f.iForwardMode, f.u8sDestination]), [[1, '102']]);
      const snap = await bobCti.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: 'tel:101' });
      assert.equal(snap.seqLineForwards[0]?.u8sDestination, '102');
    });
    await stack.step('A dials 101: C\'s softphone rings, A hears ringback', async () => {
      await alice.dial('101');
      const c = await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'C is offered the forwarded call', 15_000);
      assert.equal(c.remote, '100');
      await alice.waitCall((x) => x.direction === 'outbound' && x.state === 'ringback', 'ringback', 10_000);
      assert.equal((await bob.state()).ringing, 'off', 'B does not ring');
    });
    await answer(stack, alice, carol);
    await tonesBothWays(stack, alice, carol);
    await alice.screenshot('forward-connected');
    await carol.screenshot('forward-connected');
    await hangUp(stack, alice, carol, 'normal');
    await stack.step('journal: 101 redirected (302), 102 answered, 100 answered', async () => {
      const [b] = await rowsSince('101', since, 1);
      assert.equal(b!.disconnectCause, 'redirected');
      assert.equal(b!.sipStatus, 302);
      assert.equal(b!.answeredAt, null);
      const [c] = await rowsSince('102', since, 1);
      assert.ok(c!.answeredAt, 'the forwarded call was answered on 102');
      assert.equal(c!.disconnectCause, 'normal');
      const [a] = await rowsSince('100', since, 1, '101');
      assert.ok(a!.answeredAt);
      assert.equal(a!.disconnectCause, 'normal');
    });
  } finally {
    await bobCti.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }).catch(() => undefined);
    bobCti.close();
    await cleanup(stack, alice, bob, carol);
  }
});

test('forward on no answer after 5 s: B rings ~5 s, then the call moves to C', async () => {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  const bobCti = await ctiOf(BOB);
  try {
    const since = now();
    await bobCti.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102', optionalParams: { ForwardMode: 3, NoAnswerTime: NO_ANSWER_S } });
    let rangAt = 0;
    await stack.step('A dials 101: B rings', async () => {
      await alice.dial('101');
      await bob.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'B rings', 15_000);
      rangAt = Date.now();
    });
    await stack.step(`after ${NO_ANSWER_S} s B stops ringing and C rings`, async () => {
      const b = await bob.waitCall((x) => x.state === 'destroyed', 'B\'s ringing call ends', 10_000);
      const movedAfterMs = Date.now() - rangAt;
      await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'C is offered the call', 10_000);
      stack.log(`no-answer forward: B's call ended after ${movedAfterMs} ms of ringing (cause ${b.cause})`);
      // As the page saw it (its poll at both ends, and the offer reaching it after the server's timer started).
      assert.ok(movedAfterMs >= 4000 && movedAfterMs <= 7000, `the page saw B ring ~${NO_ANSWER_S} s (${movedAfterMs} ms)`);
      assert.equal((await bob.state()).ringing, 'off');
    });
    await answer(stack, alice, carol);
    await tonesBothWays(stack, alice, carol);
    await hangUp(stack, carol, alice, 'normal');
    await stack.step('journal: 101 redirected after ringing, 102 answered', async () => {
      const [b] = await rowsSince('101', since, 1);
      assert.equal(b!.disconnectCause, 'redirected');
      assert.equal(b!.sipStatus, 302);
      // The ring time on 101 as the server kept it: offered (INVITE in) to the 302 out.
      const ringMs = Date.parse(b!.endedAt!) - Date.parse(b!.startedAt);
      stack.log(`no-answer forward: 101 rang ${ringMs} ms in the journal (forward after ${NO_ANSWER_S} s)`);
      assert.ok(ringMs >= 4800 && ringMs <= 6500, `101 rang ~${NO_ANSWER_S} s before the 302 (${ringMs} ms)`);
      const [c] = await rowsSince('102', since, 1);
      assert.ok(c!.answeredAt);
    });
  } finally {
    await bobCti.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }).catch(() => undefined);
    bobCti.close();
    await cleanup(stack, alice, bob, carol);
  }
});

test('forward on busy: B rejects the ringing call and it moves to C; with DND too it goes to C at once', async () => {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  const bobCti = await ctiOf(BOB);
  try {
    const since = now();
    await bobCti.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102', optionalParams: { ForwardMode: 2 } });
    await stack.step('A dials 101, B rejects: C rings', async () => {
      await alice.dial('101');
      await bob.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'B rings', 15_000);
      await bob.click('call-reject');
      await bob.waitCall((x) => x.state === 'destroyed', 'B\'s call ends', 10_000);
      await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'C is offered the call', 10_000);
      await alice.waitCall((x) => x.direction === 'outbound' && x.state === 'ringback', 'A still hears ringback', 10_000);
    });
    await stack.step('C rejects too (no forward there): A gets rejected', async () => {
      await carol.click('call-reject');
      const a = await alice.waitCall((x) => x.state === 'destroyed', 'A\'s call ends', 10_000);
      assert.equal(a.cause, 'rejected');
    });
    await stack.step('B sets DND: A\'s call goes to C without B ringing', async () => {
      await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true });
      await alice.dial('101');
      await carol.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'C is offered the call', 15_000);
      assert.equal((await bob.state()).ringing, 'off');
      await alice.click('call-hangup');
      await alice.waitCall((x) => x.state === 'destroyed', 'A\'s call ends', 10_000);
    });
    await stack.step('journal: 101 redirected twice (302), 102 rejected then cancelled', async () => {
      const onB = await rowsSince('101', since, 2);
      assert.deepEqual(onB.map((r) => [r.disconnectCause, r.sipStatus]), [['redirected', 302], ['redirected', 302]]);
      const onC = await rowsSince('102', since, 2);
      assert.deepEqual(onC.map((r) => r.disconnectCause), ['rejected', 'cancelled']);
    });
  } finally {
    await bobCti.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: false }).catch(() => undefined);
    await bobCti.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }).catch(() => undefined);
    bobCti.close();
    await cleanup(stack, alice, bob, carol);
  }
});

test(`a forward loop (B → C, C → B) ends after FORWARD_MAX_HOPS=${MAX_HOPS}: the line reached then rings`, async () => {
  const { stack, alice, bob } = e2e;
  const carol = e2e.user(CAROL);
  const bobCti = await ctiOf(BOB);
  const carolCti = await ctiOf(CAROL);
  try {
    const since = now();
    await bobCti.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102' });
    await carolCti.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:102', u8sPhoneNumberTo: '101' });
    await stack.step('A dials 101: 101 → 102 → 101, where the hop limit stops forwarding: B rings', async () => {
      await alice.dial('101');
      await bob.waitCall((x) => x.direction === 'inbound' && x.state === 'offering' && x.avCallId !== undefined, 'B is offered the call after two forwards', 15_000);
      await alice.waitCall((x) => x.direction === 'outbound' && x.state === 'ringback', 'ringback', 10_000);
      await bob.screenshot('loop-ends-at-bob');
    });
    await stack.step('A cancels; the journal shows the two forwards and the call that rang', async () => {
      await alice.click('call-hangup');
      await alice.waitCall((x) => x.state === 'destroyed', 'A\'s call ended', 10_000);
      const onB = await rowsSince('101', since, 2);
      const onC = await rowsSince('102', since, 1);
      assert.deepEqual(onB.map((r) => r.disconnectCause), ['redirected', 'cancelled']);
      assert.deepEqual(onC.map((r) => r.disconnectCause), ['redirected']);
    });
  } finally {
    await bobCti.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }).catch(() => undefined);
    await carolCti.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:102' }).catch(() => undefined);
    bobCti.close();
    carolCti.close();
    await cleanup(stack, alice, bob, carol);
  }
});
