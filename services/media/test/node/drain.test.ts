import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaNodeHeartbeat, MediaQualityReport, MediaTopics } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import { FakePbx } from '../support/FakePbx.ts';
import { remoteCode, startHarness } from '../support/harness.ts';

describe('drain', { timeout: 30_000 }, () => {
  test('stop() drains: heartbeat says draining, new calls are refused, running calls finish, then it stops', async (t) => {
    const h = await startHarness(t, { MEDIA_DRAIN_TIMEOUT_MS: '10000' });
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    const beats: MediaNodeHeartbeat[] = [];
    const sub = h.bus.subscribe(MediaTopics.heartbeat, (hb) => {
      beats.push(hb);
    });
    t.after(() => sub.unsubscribe());
    await h.request('pbxOffer', { callId: 'dr-1', sdp: pbx.sdp() });
    await check(() => beats.some((b) => b.calls === 1 && !b.draining), 3000, { name: 'heartbeat with one call' });

    let stopped = false;
    const stopping = h.app.stop().then(() => {
      stopped = true;
    });
    await check(() => beats.some((b) => b.draining), 3000, { name: 'draining heartbeat' });
    await assert.rejects(h.request('pbxOffer', { callId: 'dr-2', sdp: pbx.sdp() }), remoteCode('UCS_ERR_MEDIA_DRAINING'));
    assert.equal((await h.app.http.inject('/readyz')).statusCode, 503, 'not ready while draining');
    // The running call still takes commands (a re-INVITE) and ends normally.
    await h.request('pbxOffer', { callId: 'dr-1', sdp: pbx.sdp({ direction: 'sendonly', version: 2 }) });
    assert.equal(stopped, false);
    await h.request('close', { callId: 'dr-1' });
    await stopping;
    assert.ok(h.events.some((e) => e.type === 'closed' && e.callId === 'dr-1'));
  });

  test('calls still running when MEDIA_DRAIN_TIMEOUT_MS expires are closed and reported', async (t) => {
    const h = await startHarness(t, { MEDIA_DRAIN_TIMEOUT_MS: '300' });
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    await h.request('pbxOffer', { callId: 'dr-3', sdp: pbx.sdp() });
    const started = Date.now();
    await h.app.stop();
    assert.ok(Date.now() - started >= 290, 'waited for the drain timeout');
    await h.event((e) => e.type === 'closed' && e.callId === 'dr-3', 'closed event for dr-3');
    assert.equal(h.app.node.calls.size, 0);
  });

  test('an operator\'s drain (node.drain): draining at once, new calls refused, running ones closed after the timeout; undo takes calls again', async (t) => {
    const h = await startHarness(t, { MEDIA_DRAIN_TIMEOUT_MS: '300' });
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    const beats: MediaNodeHeartbeat[] = [];
    const sub = h.bus.subscribe(MediaTopics.heartbeat, (hb) => {
      beats.push(hb);
    });
    t.after(() => sub.unsubscribe());
    await h.request('pbxOffer', { callId: 'op-1', sdp: pbx.sdp() });
    assert.deepEqual(await h.request('drain', { draining: true }), { draining: true, calls: 1 });
    await check(() => beats.some((b) => b.draining), 3000, { name: 'draining heartbeat' });
    await assert.rejects(h.request('pbxOffer', { callId: 'op-2', sdp: pbx.sdp() }), remoteCode('UCS_ERR_MEDIA_DRAINING'));
    await h.event((e) => e.type === 'failed' && e.callId === 'op-1', 'op-1 reported failed (the drain ended it)');
    await h.event((e) => e.type === 'closed' && e.callId === 'op-1', 'op-1 closed after the drain timeout');
    await check(() => beats.some((b) => b.draining && b.calls === 0), 3000, { name: 'heartbeat: draining, 0 calls' });
    assert.deepEqual(await h.request('drain', { draining: false }), { draining: false, calls: 0 });
    await check(() => beats.at(-1)?.draining === false, 3000, { name: 'heartbeat: taking calls again' });
    await h.request('pbxOffer', { callId: 'op-3', sdp: pbx.sdp() });
    assert.equal(h.app.node.calls.size, 1);
  });

  test('each sampling round publishes media.quality with every call\'s worker, codec, path and quality; the heartbeat lists the workers', async (t) => {
    const h = await startHarness(t);
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    const reports: MediaQualityReport[] = [];
    const beats: MediaNodeHeartbeat[] = [];
    const subs = [h.bus.subscribe(MediaTopics.quality, (r) => void reports.push(r)), h.bus.subscribe(MediaTopics.heartbeat, (hb) => void beats.push(hb))];
    t.after(() => subs.forEach((s) => s.unsubscribe()));
    await h.request('pbxOffer', { callId: 'q-1', sdp: pbx.sdp() });
    await h.app.sample();
    const report = await check(() => reports.find((r) => r.calls.some((c) => c.callId === 'q-1')), 3000, { name: 'quality report of q-1' });
    const call = report.calls.find((c) => c.callId === 'q-1')!;
    assert.equal(report.nodeId, h.app.node.nodeId);
    assert.ok(call.worker >= 0);
    assert.equal(call.codec, 'PCMU');
    assert.equal(call.path, 'pbx');
    assert.equal(call.quality.lossPercent, 0);
    const beat = await check(() => beats.find((b) => (b.workerStats?.length ?? 0) > 0), 3000, { name: 'heartbeat with worker stats' });
    assert.equal(beat.workerStats!.length, beat.workersAlive);
    assert.ok(beat.workerStats!.every((w) => w.pid > 0 && w.cpu >= 0 && w.cpu <= 1));
  });
});
