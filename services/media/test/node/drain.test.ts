import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MediaNodeHeartbeat, MediaTopics } from '@ucserver/shared';
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
});
