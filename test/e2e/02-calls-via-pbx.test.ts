// Softphone calls through the PBX (Kamailio + rtpengine anchoring all RTP): scenario 1 (A calls B,
// tones both ways, RTP through rtpengine and our media node, hang-up, journal), 3 (hold/retrieve; 3b by
// SDP re-offer, the WebRTC way),
// 4 (cancel, reject, no client) and 6 (third-party call control from a CTI client).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, type RtpengineTotals } from '@ucserver/testkit';
import { EnetucClient } from '../../services/cti-gateway/src/client/EnetucClient.ts';
import type { NodeService } from './support/NodeService.ts';
import { answer, callsEnded, cleanup, dialAndRing, establish, hangUp, silenceBothWays, tonesBothWays, waitIdle, type EstablishedCall } from './support/callFlow.ts';
import { ALICE, BOB, type JournalRow } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { metricSum } from './support/prometheus.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '02-calls-via-pbx', pbxMode: 'media-via-pbx' });

async function journalRows(line: string, callId: string): Promise<JournalRow> {
  const { stack } = e2e;
  return check(async () => (await stack.journal(line)).find((r) => r.callId === callId && r.endedAt !== null), 10_000, { name: `journal row of call ${callId} on line ${line} closed (GET /api/v1/journal)`, intervalMs: 200 });
}

/** The closed journal rows of a call from line 100 to 101: the caller's, then the callee's. */
async function journalRowsOf(ids: EstablishedCall): Promise<[JournalRow, JournalRow]> {
  const caller = await journalRows('100', ids.callerId);
  return [caller, await journalRows('101', ids.calleeId)];
}

test('scenario 1: A calls B through the PBX, both hear each other, A hangs up, journal rows for both lines', async () => {
  const { stack, alice, bob } = e2e;
  const media = stack.media[0]!;
  const before = await media.metrics();
  const rtpBefore = await stack.kamailio!.rtpengine!.totals();

  try {
    await scenario1(media, before, rtpBefore);
  } finally {
    await cleanup(stack, alice, bob);
  }
});

async function scenario1(media: NodeService, before: string, rtpBefore: RtpengineTotals): Promise<void> {
  const { stack, alice, bob } = e2e;
  const ids = await dialAndRing(stack, alice, bob);
  await alice.screenshot('s1-ringback');
  await bob.screenshot('s1-incoming');
  await answer(stack, alice, bob);
  await tonesBothWays(stack, alice, bob);
  await alice.screenshot('s1-connected');
  await bob.screenshot('s1-connected');

  await stack.step('media path pbx on both calls', async () => {
    await alice.waitCall((c) => c.mediaPath === 'pbx', 'media path pbx');
    await bob.waitCall((c) => c.mediaPath === 'pbx', 'media path pbx');
    const calls = await stack.admin<Array<{ callId: string; state: string; mediaPath?: string; mediaNode?: string }>>('GET', '/api/v1/calls');
    for (const id of [ids.callerId, ids.calleeId]) {
      const c = calls.find((x) => x.callId === id);
      assert.equal(c?.state, 'connected', `call ${id} connected in the admin API`);
      assert.equal(c?.mediaPath, 'pbx');
      assert.equal(c?.mediaNode, 'media-1');
    }
  });

  await stack.step('RTP relayed by rtpengine', async () => {
    const rtpengine = stack.kamailio!.rtpengine!;
    const totals = await check(async () => {
      const t1 = await rtpengine.totals();
      return t1.relayedPackets - rtpBefore.relayedPackets > 200 ? t1 : undefined;
    }, 10_000, { name: 'rtpengine relayed > 200 packets' });
    // Kamailio is a proxy: A's and B's dialogs share one SIP Call-ID, i.e. one rtpengine call whose two
    // parties are our two PBX legs (A's and B's PlainTransports on media-1).
    const calls = await rtpengine.list();
    // (with rtcp-mux the RTP stream also carries the RTCP flag: count packets per party instead)
    const streams = (await Promise.all(calls.map((c) => rtpengine.query(c)))).flatMap((q) => q.streams);
    const perParty = new Map<string, number>();
    for (const s of streams) perParty.set(s.tag, (perParty.get(s.tag) ?? 0) + s.stats.packets);
    const busy = [...perParty].filter(([, packets]) => packets > 50);
    assert.ok(busy.length >= 2, `rtpengine received > 50 packets from both parties (per party: ${JSON.stringify([...perParty])}; streams: ${JSON.stringify(streams)})`);
    stack.log(`rtpengine relayed ${totals.relayedPackets - rtpBefore.relayedPackets} packets`);
  });

  await stack.step('RTP through our media node (metrics)', async () => {
    const name = 'ucserver_media_rtp_packets_total';
    const delta = async (labels: Record<string, string>): Promise<number> => metricSum(await media.metrics(), name, labels) - metricSum(before, name, labels);
    await check(async () => {
      const d = await Promise.all([{ leg: 'softphone', direction: 'in' }, { leg: 'softphone', direction: 'out' }, { leg: 'pbx', direction: 'in' }, { leg: 'pbx', direction: 'out' }].map((l) => delta(l)));
      return d.every((n) => n > 100) ? d : undefined;
    }, 10_000, { name: `${name} > 100 for softphone/pbx legs in and out` });
    const m = await media.metrics();
    assert.equal(metricSum(m, 'ucserver_media_calls', { path: 'pbx' }), 2, 'two calls on path pbx on media-1');
  });

  await stack.step('alice restarts ICE (as after a network change): new ICE credentials from the node carry the audio on', async () => {
    const { before, after } = await alice.restartIce();
    assert.ok(before && after && before !== after, `the node answered with new ICE credentials (${before} → ${after})`);
    // Chromium's checks with the new credentials got answers from the node: a pair of the new generation
    // succeeded. (Whether Chromium then moves the media onto it or stays on the old pair that still
    // works is its choice; with the answer arriving after its gathering completed, it stays.)
    await check(async () => (await alice.currentGenerationPair()) === 'succeeded', 10_000, { name: 'a candidate pair with the new credentials succeeded' }).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; pairs:\n  ${(await alice.icePairs()).join('\n  ')}`, { cause: err });
    });
    const from = (await alice.rtpStats())!.packetsReceived;
    await check(async () => (await alice.rtpStats())!.packetsReceived - from >= 50, 10_000, { name: 'alice receives 50 more RTP packets after the restart' });
    assert.equal((await alice.lastCall())?.state, 'connected');
  });
  await tonesBothWays(stack, alice, bob, 'tones both ways after the ICE restart');

  await hangUp(stack, alice, bob, 'normal');
  await alice.screenshot('s1-ended');

  await stack.step('journal rows for both lines (API and pages)', async () => {
    const [a, b] = await journalRowsOf(ids);
    for (const [row, direction, remote] of [[a, 'outbound', '101'], [b, 'inbound', '100']] as const) {
      assert.equal(row.direction, direction);
      assert.equal(row.remoteNumber, remote);
      assert.ok(row.answeredAt, 'answered');
      assert.ok((row.durationS ?? 0) >= 1, `duration ${row.durationS} s`);
      assert.equal(row.disconnectCause, 'normal');
      assert.equal(row.mediaPath, 'pbx');
      assert.equal(row.mediaNode, 'media-1');
    }
    const pageA = await alice.waitState((s) => s.journal.some((e) => e.id === ids.callerId && e.ended && e.mediaPath === 'pbx'), 'journal entry of the call (asnJournalEntryChanged)');
    const entry = pageA.journal.find((e) => e.id === ids.callerId)!;
    assert.equal(entry.direction, 'outbound');
    assert.equal(entry.number, '101');
    assert.equal(entry.cause, 'normal');
    assert.ok(entry.durationConnected >= 1);
    await bob.waitState((s) => s.journal.some((e) => e.id === ids.calleeId && e.ended && e.direction === 'inbound' && e.mediaPath === 'pbx'), 'journal entry of the call');
    const row = alice.page.locator(`[data-testid="journal-row"][data-connection-id="${ids.callerId}"]`);
    assert.equal(await row.getAttribute('data-media-path'), 'pbx');
    assert.match((await row.getByTestId('journal-media').textContent()) ?? '', /Via PBX/);
    await alice.screenshot('s1-journal');
    await bob.screenshot('s1-journal');
  });
  await stack.step('nothing left running (pages, GET /api/v1/calls)', () => waitIdle(stack, alice, bob));
}

test('scenario 3: hold and retrieve mid-call stop and resume the audio both ways', async () => {
  const { stack, alice, bob } = e2e;
  try {
    const ids = await establish(stack, alice, bob);
    await stack.step('A holds', async () => {
      await alice.click('call-hold');
      const a = await alice.waitCall((c) => c.state === 'held', 'held', 10_000);
      assert.equal(a.holdSide, 'local');
      const b = await bob.waitCall((c) => c.state === 'held', 'held by the other party', 10_000);
      assert.equal(b.holdSide, 'remote');
      await alice.callRow(ids.callerId).getByTestId('call-retrieve').waitFor({ state: 'visible' });
    });
    await silenceBothWays(stack, alice, bob);
    await alice.screenshot('s3-held');
    await bob.screenshot('s3-held-by-remote');
    await stack.step('B holds too (both sides), then takes back only its own hold', async () => {
      await bob.click('call-hold');
      await bob.waitCall((c) => c.state === 'held' && c.holdSide === 'both', 'held on both sides', 10_000);
      await alice.waitCall((c) => c.state === 'held' && c.holdSide === 'both', 'held on both sides', 10_000);
      await bob.screenshot('s3-held-both');
      await bob.click('call-retrieve');
      await bob.waitCall((c) => c.state === 'held' && c.holdSide === 'remote', 'held by the other party again', 10_000);
      await alice.waitCall((c) => c.state === 'held' && c.holdSide === 'local', 'held here only', 10_000);
    });
    await silenceBothWays(stack, alice, bob);
    await stack.step('A retrieves', async () => {
      await alice.click('call-retrieve');
      await alice.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
      await bob.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
    });
    await tonesBothWays(stack, alice, bob, 'audio resumes both ways');
    const a = await alice.lastCall();
    assert.deepEqual(a?.history.filter((s) => s !== 'calling'), ['dialing', 'ringback', 'connected', 'held', 'connected']);
    await hangUp(stack, bob, alice, 'normal');
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('scenario 3b: A holds the WebRTC way (re-offer with a=sendonly): the negotiation completes, the PBX holds, audio stops, a=sendrecv resumes it', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await establish(stack, alice, bob);
    await stack.step('A re-offers a=sendonly (REINVITE_OFFER): answered recvonly, signalling stable, held at the PBX', async () => {
      assert.deepEqual(await alice.holdBySdp(true), { signalingState: 'stable', currentDirection: 'sendonly' });
      const a = await alice.waitCall((c) => c.state === 'held', 'held', 10_000);
      assert.equal(a.holdSide, 'local');
      const b = await bob.waitCall((c) => c.state === 'held', 'held by the other party', 10_000);
      assert.equal(b.holdSide, 'remote');
    });
    await silenceBothWays(stack, alice, bob);
    await stack.step('the media node sends no RTP to the softphones or the PBX while held (metrics)', async () => {
      // Chromium drops its inbound-rtp stats while the transceiver is sendonly, so count at the node: the
      // softphones still send (A is sendonly, B is held by the far end), nothing goes out on either leg.
      const name = 'ucserver_media_rtp_packets_total';
      const sum = async (labels: Record<string, string>): Promise<number> => {
        let total = 0;
        for (const node of stack.media) total += metricSum(await node.metrics(), name, labels);
        return total;
      };
      const legs = [{ leg: 'softphone', direction: 'out' }, { leg: 'pbx', direction: 'out' }, { leg: 'softphone', direction: 'in' }];
      await new Promise((r) => setTimeout(r, 1500)); // a stats sample (1 s in this stack) after the hold
      const first = await Promise.all(legs.map(sum));
      await new Promise((r) => setTimeout(r, 2500));
      const second = await Promise.all(legs.map(sum));
      const [spOut, pbxOut, spIn] = second.map((n, i) => n - first[i]!);
      stack.log(`on hold over 2.5 s: softphone out ${spOut}, pbx out ${pbxOut}, softphone in ${spIn} RTP packets at the node`);
      assert.ok(spIn! > 0, 'the softphones still send (the counters move)');
      assert.deepEqual([spOut, pbxOut], [0, 0], 'nothing sent on hold');
    });
    await alice.screenshot('s3b-held-by-sdp');
    await stack.step('A re-offers a=sendrecv: answered sendrecv, retrieved at the PBX', async () => {
      assert.deepEqual(await alice.holdBySdp(false), { signalingState: 'stable', currentDirection: 'sendrecv' });
      await alice.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
      await bob.waitCall((c) => c.state === 'connected', 'connected again', 10_000);
    });
    await tonesBothWays(stack, alice, bob, 'audio resumes both ways');
    const a = await alice.lastCall();
    assert.deepEqual(a?.history.filter((s) => s !== 'calling'), ['dialing', 'ringback', 'connected', 'held', 'connected']);
    await hangUp(stack, bob, alice, 'normal');
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('scenario 4a: the caller cancels while B rings', async () => {
  const { stack, alice, bob } = e2e;
  try {
    const ids = await dialAndRing(stack, alice, bob);
    await stack.step('A cancels', async () => {
      await alice.click('call-hangup');
      const [a, b] = await callsEnded(alice, bob);
      assert.equal(b.cause, 'cancelled', 'B: the caller gave up');
      assert.equal((await bob.state()).ringing, 'off', 'B stops ringing');
      assert.equal(a.cause, 'cancelled', 'A: cancelled');
      await bob.screenshot('s4a-cancelled');
    });
    await stack.step('journal: both unanswered, cancelled', async () => {
      const [a, b] = await journalRowsOf(ids);
      for (const row of [a, b]) {
        assert.equal(row.answeredAt, null);
        assert.equal(row.disconnectCause, 'cancelled');
      }
      await bob.waitState((s) => s.journal.some((e) => e.id === ids.calleeId && e.ended && !e.answered && e.cause === 'cancelled'), 'missed call in the journal');
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('scenario 4b: B rejects the call', async () => {
  const { stack, alice, bob } = e2e;
  try {
    const ids = await dialAndRing(stack, alice, bob);
    await stack.step('B rejects', async () => {
      await bob.click('call-reject');
      const [b, a] = await callsEnded(bob, alice);
      assert.equal(b.cause, 'rejected');
      assert.equal(a.cause, 'rejected', 'A learns that B rejected');
      assert.equal(a.avDropReason, 16, 'A gets asnAVDropCall with iAvDropReason 16 (REJECT)');
      assert.ok(a.history.includes('disconnected'));
      await alice.screenshot('s4b-rejected');
    });
    await stack.step('journal: rejected on both lines', async () => {
      const [a, b] = await journalRowsOf(ids);
      assert.equal(a.disconnectCause, 'rejected');
      assert.equal(b.disconnectCause, 'rejected');
      assert.equal(a.sipStatus, 603);
    });
  } finally {
    await cleanup(stack, alice, bob);
  }
});

test('scenario 4c: B has no client connected: A gets "unavailable"', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await stack.step('B logs out', async () => {
      await bob.testid('logout').click();
      await bob.testid('login-form').waitFor({ state: 'visible' });
    });
    let callerId = '';
    await stack.step('A calls 101', async () => {
      await alice.dial('101');
      const a = await alice.waitCall((c) => c.state === 'destroyed', 'call ended', 15_000);
      assert.equal(a.cause, 'unavailable');
      callerId = a.id!;
      await alice.screenshot('s4c-unavailable');
    });
    await stack.step('journal: unavailable on A\'s line, a missed call on B\'s line', async () => {
      const a = await journalRows('100', callerId);
      assert.equal(a.disconnectCause, 'unavailable');
      assert.equal(a.sipStatus, 480);
      const b = await check(async () => (await stack.journal('101')).find((r) => r.remoteNumber === '100' && r.endedAt !== null && r.startedAt >= a.startedAt), 10_000, { name: 'a journal row on line 101 for the refused call' });
      assert.equal(b.answeredAt, null);
      assert.equal(b.disconnectCause, 'unavailable');
    });
  } finally {
    if (await bob.testid('login-form').isVisible()) await bob.login().catch((err: unknown) => stack.log(`B cannot log in again: ${(err as Error).message}`));
    await cleanup(stack, alice, bob);
  }
});

test('scenario 6: third-party call control: a CTI client makes A\'s browser call B, and answers for B', async () => {
  const { stack, alice, bob } = e2e;
  const ctiA = await EnetucClient.connectTcp({ host: '127.0.0.1', port: stack.ctiPort });
  const ctiB = await EnetucClient.connectTcp({ host: '127.0.0.1', port: stack.ctiPort });
  try {
    await stack.step('CTI clients log in (no softphone) and monitor the lines', async () => {
      await ctiA.login(ALICE.login, ALICE.password, { softphone: false });
      await ctiB.login(BOB.login, BOB.password, { softphone: false });
      await ctiA.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:100' });
      await ctiB.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:101' });
    });
    let connectionId = '';
    await stack.step('asnCtiMakeCall on line 100: A\'s browser places the call', async () => {
      const r = await ctiA.invoke('asnCtiMakeCall', { u8sPhoneNumberFrom: 'tel:100', u8sPhoneNumberTo: '101', iNumberFormat: 0 });
      connectionId = r.u8sConnectionID;
      const made = await ctiA.waitForEvent('asnCtiNotifyMakeCallResult', (e) => e.u8sConnectionID === connectionId, 10_000);
      assert.equal(made.success, 1);
      const a = await alice.waitCall((c) => c.direction === 'outbound' && c.id === connectionId && c.state === 'ringback', 'the browser dials on behalf of the CTI client', 15_000);
      assert.equal(a.remote, '101');
    });
    await stack.step('asnCtiAnswerCall for B: B\'s browser answers by itself', async () => {
      const offering = await ctiB.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.iCallState === 2, 10_000);
      await bob.waitCall((c) => c.state === 'offering', 'B rings');
      await ctiB.invoke('asnCtiAnswerCall', { u8sConnectionID: offering.callinformation.u8sConnectionID });
      await bob.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'B connected (remote accept)', 15_000);
      await alice.waitCall((c) => c.state === 'connected' && c.hasRemoteAudio, 'A connected', 15_000);
      await ctiA.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === connectionId && e.callinformation.iCallState === 32, 10_000);
    });
    await tonesBothWays(stack, alice, bob);
    await alice.screenshot('s6-third-party-connected');
    await stack.step('asnCtiDropCall from the CTI client ends the call on both browsers', async () => {
      const r = await ctiA.invoke('asnCtiDropCall', { u8sConnectionID: connectionId });
      assert.equal(r.bSuccess, true);
      for (const c of await callsEnded(alice, bob)) assert.equal(c.cause, 'normal');
      await ctiA.waitForEvent('asnCtiNotifyLineCallInformationChanged', (e) => e.callinformation.u8sConnectionID === connectionId && e.callinformation.iCallState === 1, 10_000);
    });
  } finally {
    ctiA.close();
    ctiB.close();
    await cleanup(stack, alice, bob);
  }
});
