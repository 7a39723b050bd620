// Scenario 5: an external SIP phone (baresip, line 200, registered at the PBX itself) calls A, A answers
// in the browser; then A calls the desk phone, sends DTMF and hangs up. Tones are checked both ways:
// in A's page, and in baresip's recording of what it received. 5c: B forwards his line to the desk
// phone (a SIP URI that is none of our users): A's call to 101 gets 302 to it and the desk phone answers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Baresip, check, dominantFrequency, linePassword, readWav, trimSilence, writeToneWav } from '@ucserver/testkit';
import { EnetucClient } from '../../services/cti-gateway/src/client/EnetucClient.ts';
import { cleanup } from './support/callFlow.ts';
import { ALICE, BOB } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const PHONE_HZ = 1000;
let phone: Baresip | undefined;
const e2e = stackWithUsers({
  scenario: '04-external-phone',
  pbxMode: 'media-via-pbx',
  users: [ALICE, BOB],
  setUp: async (stack) => {
    const wav = writeToneWav(join(stack.artifacts, 'desk-phone-tone.wav'), { frequency: PHONE_HZ, seconds: 2 });
    const started = await Baresip.start({ user: '200', password: linePassword('200'), registrar: stack.kamailio!, playWav: wav, recordWav: true, answerMode: 'auto', audioSeconds: 90 });
    phone = started;
    // the stack's stop() disposes of it first, while Kamailio still runs
    stack.onStop(() => started.dispose());
  },
});

/** baresip's latest recording of what it received: dominant tone and level. */
async function phoneHeard(): Promise<{ frequency: number; power: number }> {
  return check(() => {
    const rec = phone!.recordings().at(-1);
    if (!rec) return undefined;
    const samples = trimSilence(readWav(rec.received).samples);
    if (samples.length < 8000) return undefined;
    const { sampleRate } = readWav(rec.received);
    const d = dominantFrequency(samples.subarray(Math.floor(samples.length / 4)), [440, PHONE_HZ], sampleRate);
    return { frequency: d.frequency, power: d.power };
  }, 10_000, { name: 'baresip recorded the call audio' });
}

test('scenario 5a: the desk phone calls A, A answers in the browser, tones both ways', async () => {
  const { stack, alice } = e2e;
  try {
    await stack.step('baresip dials 100', async () => {
      await phone!.dial(stack.kamailio!.uri('100'));
      const c = await alice.waitCall((x) => x.state === 'offering' && x.direction === 'inbound', 'incoming call from 200', 15_000);
      assert.equal(c.remote, '200');
      await phone!.waitFor('CALL_RINGING', { timeoutMs: 10_000 });
      await alice.screenshot('s5a-incoming-from-desk-phone');
    });
    await stack.step('A answers', async () => {
      await alice.click('call-answer');
      await alice.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'connected', 15_000);
      await phone!.waitFor('CALL_ESTABLISHED', { timeoutMs: 10_000 });
    });
    await stack.step('A hears the desk phone', async () => {
      await alice.waitHears(PHONE_HZ, 440, 15_000);
      await alice.screenshot('s5a-connected');
    });
    await stack.step('A hangs up; the desk phone hears A\'s tone in its recording', async () => {
      // let the phone record a few seconds of A
      await check(async () => (await alice.rtpStats())?.packetsSent ?? 0, 5000, { name: 'A sends RTP' });
      await new Promise((r) => setTimeout(r, 2500)); // recording window
      await alice.click('call-hangup');
      await phone!.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
      const c = await alice.waitCall((x) => x.state === 'destroyed', 'ended', 10_000);
      assert.equal(c.cause, 'normal');
      const heard = await phoneHeard();
      assert.equal(heard.frequency, 440, `the desk phone heard A's 440 Hz (share ${heard.power.toFixed(2)})`);
      assert.ok(heard.power > 0.5, `440 Hz share ${heard.power}`);
    });
  } finally {
    await phone?.hangup().catch(() => undefined);
    await cleanup(stack, alice);
  }
});

test('scenario 5b: A calls the desk phone, tones both ways, DTMF reaches the phone', async () => {
  const { stack, alice } = e2e;
  try {
    await stack.step('A dials 200, the phone answers', async () => {
      await alice.dial('200');
      await phone!.waitFor('CALL_ESTABLISHED', { timeoutMs: 15_000, filter: (e) => e.direction === 'incoming' });
      await alice.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'connected', 15_000);
    });
    await stack.step('A hears the desk phone', async () => {
      await alice.waitHears(PHONE_HZ, 440, 15_000);
      await alice.screenshot('s5b-connected-to-desk-phone');
    });
    await stack.step('DTMF 1 2 # from the page arrive at the phone', async () => {
      await alice.sendDtmf('12#');
      const digits: string[] = [];
      for (let i = 0; i < 3; i++) digits.push((await phone!.waitFor('CALL_DTMF_START', { timeoutMs: 10_000 })).param ?? '?');
      assert.deepEqual(digits, ['1', '2', '#']);
      await alice.screenshot('s5b-dtmf');
    });
    await stack.step('the phone hangs up; A sees the remote hang-up', async () => {
      await new Promise((r) => setTimeout(r, 1500)); // recording window
      await phone!.hangup();
      const c = await alice.waitCall((x) => x.state === 'destroyed', 'ended', 10_000);
      assert.deepEqual(c.history.slice(-2), ['disconnected', 'destroyed']);
      assert.equal(c.cause, 'normal');
      const heard = await phoneHeard();
      assert.equal(heard.frequency, 440, `the desk phone heard A's 440 Hz (share ${heard.power.toFixed(2)})`);
    });
    await stack.step('journal: outbound to 200, via PBX', async () => {
      const row = await check(async () => (await stack.journal('100')).find((r) => r.remoteNumber === '200' && r.direction === 'outbound' && r.endedAt), 10_000, { name: 'journal row of the call to 200' });
      assert.equal(row.mediaPath, 'pbx');
      assert.ok(row.answeredAt);
    });
  } finally {
    await phone?.hangup().catch(() => undefined);
    await cleanup(stack, alice);
  }
});

test('scenario 5c: B forwards 101 to the desk phone (sip:200@pbx, not one of our users): A\'s call to 101 is answered there, tones both ways, journal 302', async () => {
  const { stack, alice, bob } = e2e;
  const bobCti = await EnetucClient.connectTcp({ host: '127.0.0.1', port: stack.ctiPort });
  const since = new Date().toISOString();
  try {
    await bobCti.login(BOB.login, BOB.password, { softphone: false });
    await stack.step('B forwards 101 unconditionally to the desk phone\'s SIP URI', async () => {
      const r = await bobCti.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: `sip:200@${stack.kamailio!.address}` });
      assert.equal(r.bSuccess, true);
      const snap = await bobCti.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: 'tel:101' });
      assert.deepEqual(snap.seqLineForwards.map((f) => [f.iForwardMode, f.u8sDestination]), [[1, '200']], 'stored as the PBX number of the URI');
    });
    await stack.step('A dials 101: 302 to 200, the desk phone answers (B\'s browser never rings)', async () => {
      await alice.dial('101');
      await phone!.waitFor('CALL_ESTABLISHED', { timeoutMs: 15_000, filter: (e) => e.direction === 'incoming' });
      await alice.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'connected to the desk phone', 15_000);
      assert.equal((await bob.state()).ringing, 'off', 'B does not ring');
      // B's page sees the call on his line come and go (CTI), but his softphone was never offered it
      const bobCalls = (await bob.state()).calls;
      assert.ok(bobCalls.every((c) => c.avCallId === undefined), `B's softphone was never offered the call (${JSON.stringify(bobCalls.map((c) => [c.state, c.cause, c.avCallId]))})`);
    });
    await stack.step('A hears the desk phone; the desk phone hears A', async () => {
      await alice.waitHears(PHONE_HZ, 440, 15_000);
      await alice.screenshot('s5c-forwarded-to-desk-phone');
      await new Promise((r) => setTimeout(r, 2500)); // recording window
      await alice.click('call-hangup');
      await phone!.waitFor('CALL_CLOSED', { timeoutMs: 10_000 });
      const c = await alice.waitCall((x) => x.state === 'destroyed', 'ended', 10_000);
      assert.equal(c.cause, 'normal');
      const heard = await phoneHeard();
      assert.equal(heard.frequency, 440, `the desk phone heard A's 440 Hz (share ${heard.power.toFixed(2)})`);
    });
    await stack.step('journal: 101 redirected (302), A\'s call answered', async () => {
      const b = await check(async () => (await stack.journal('101')).find((r) => r.startedAt >= since && r.remoteNumber === '100' && r.endedAt), 10_000, { name: 'journal row on 101' });
      assert.equal(b.disconnectCause, 'redirected');
      assert.equal(b.sipStatus, 302);
      assert.equal(b.answeredAt, null);
      const a = await check(async () => (await stack.journal('100')).find((r) => r.startedAt >= since && r.direction === 'outbound' && r.endedAt), 10_000, { name: 'journal row on 100' });
      assert.ok(a.answeredAt, 'A\'s call was answered (by the desk phone)');
      assert.equal(a.disconnectCause, 'normal');
    });
  } finally {
    await bobCti.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }).catch(() => undefined);
    bobCti.close();
    await phone?.hangup().catch(() => undefined);
    await cleanup(stack, alice, bob);
  }
});
