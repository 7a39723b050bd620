// Scenario 2: Direct Media. Kamailio without rtpengine passes the SDPs through, so each PBX leg is told
// to send to the other PBX leg of the same media node; the node connects the two softphone legs
// internally (path `direct`) and the PlainTransports stay silent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check } from '@ucserver/testkit';
import { answer, cleanup, dialAndRing, hangUp, tonesBothWays } from './support/callFlow.ts';
import type { JournalRow } from './support/E2eStack.ts';
import { enterNetworkNamespace } from './support/netns.ts';
import { metricSum } from './support/prometheus.ts';
import { stackWithUsers } from './support/stackWithUsers.ts';

await enterNetworkNamespace();

const e2e = stackWithUsers({ scenario: '03-direct-media', pbxMode: 'direct-media' });

const PACKETS = 'ucserver_media_rtp_packets_total';
const BYTES = 'ucserver_media_transport_bytes_total';

test('scenario 2: Direct Media: path direct, no RTP on the PBX legs, tones both ways, journal direct', async () => {
  const { stack, alice, bob } = e2e;
  try {
    await scenario2();
  } finally {
    await cleanup(stack, alice, bob);
  }
});

async function scenario2(): Promise<void> {
  const { stack, alice, bob } = e2e;
  const media = stack.media[0]!;
  const ids = await dialAndRing(stack, alice, bob);
  await answer(stack, alice, bob);

  await stack.step('media path direct on both calls (admin API, media metrics)', async () => {
    await check(async () => {
      const calls = await stack.admin<Array<{ callId: string; mediaPath?: string }>>('GET', '/api/v1/calls');
      return [ids.callerId, ids.calleeId].every((id) => calls.find((c) => c.callId === id)?.mediaPath === 'direct');
    }, 10_000, { name: 'both calls on path direct in GET /api/v1/calls' });
    const m = await media.metrics();
    assert.equal(metricSum(m, 'ucserver_media_calls', { path: 'direct' }), 2, 'media-1 carries two calls on path direct');
    assert.ok(metricSum(m, 'ucserver_media_path_changes_total', { path: 'direct' }) >= 2, 'path changes to direct counted');
    // The callee's INVITE carried the caller's PBX offer: the node put it on the caller's router, so the
    // link is a Consumer of the other softphone's Producer, with no pipe between two routers.
    assert.equal(metricSum(m, 'ucserver_media_worker_routers', {}), 1, 'the two calls share one router');
  });

  await tonesBothWays(stack, alice, bob);

  await stack.step('no UDP on the PBX legs while the softphone legs carry audio', async () => {
    // The counters move once per stats round (MEDIA_STATS_INTERVAL_MS, 1 s in the e2e stack): two
    // readings 3 s apart span at least two rounds.
    const m1 = await media.metrics();
    await new Promise((r) => setTimeout(r, 3000)); // a measurement window, not a wait for an event
    const m2 = await media.metrics();
    const d = (metric: string, labels: Record<string, string>): number => metricSum(m2, metric, labels) - metricSum(m1, metric, labels);
    const softIn = d(PACKETS, { leg: 'softphone', direction: 'in' });
    const softOut = d(PACKETS, { leg: 'softphone', direction: 'out' });
    assert.ok(softIn > 100 && softOut > 100, `softphone legs carry RTP (in ${softIn}, out ${softOut} packets in 3 s)`);
    for (const direction of ['in', 'out']) {
      assert.equal(d(PACKETS, { leg: 'pbx', direction }), 0, `RTP packets ${direction} on the PBX legs`);
      assert.equal(d(BYTES, { leg: 'pbx', direction }), 0, `transport bytes ${direction} on the PBX legs`);
    }
  });

  // What the softphones were told (CTI call information, optionalParams.MediaPath): collected here,
  // asserted at the end so that the journal is checked too when this fails.
  const seen = await Promise.all([alice, bob].map((b) => b.waitCall((c) => c.mediaPath === 'direct', 'media path direct', 5000)
    .then(() => 'direct', async () => (await b.lastCall())?.mediaPath)));
  await alice.screenshot('s2-direct-connected');
  await bob.screenshot('s2-direct-connected');

  await hangUp(stack, alice, bob, 'normal');

  await stack.step('journal: media path direct on both lines', async () => {
    const rows: JournalRow[] = [];
    for (const [line, id] of [['100', ids.callerId], ['101', ids.calleeId]] as const) {
      rows.push(await check(async () => (await stack.journal(line)).find((r: JournalRow) => r.callId === id && r.endedAt !== null), 10_000, { name: `journal row ${id}` }));
    }
    const summary = JSON.stringify(rows.map((r) => ({ line: r.lineNumber, mediaPath: r.mediaPath, durationS: r.durationS, cause: r.disconnectCause })));
    for (const row of rows) {
      assert.equal(row.mediaPath, 'direct', `journal row of line ${row.lineNumber}: media path (rows: ${summary})`);
      assert.ok((row.durationS ?? 0) >= 1, `duration (rows: ${summary})`);
      assert.equal(row.disconnectCause, 'normal');
    }
    await alice.waitState((s) => s.journal.some((e) => e.id === ids.callerId && e.ended && e.mediaPath === 'direct'), 'journal entry with media path direct');
    await alice.screenshot('s2-journal');
  });
  await stack.step('the softphones saw media path direct (CTI call information)', async () => {
    assert.deepEqual(seen, ['direct', 'direct'], `media path in the CTI call information of [A, B] while connected`);
  });
}
