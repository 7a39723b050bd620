import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check } from '@ucserver/testkit';
import { FakePbx } from '../support/FakePbx.ts';
import { remoteCode, startHarness } from '../support/harness.ts';

describe('worker death', { timeout: 30_000 }, () => {
  test('a killed worker is replaced; only its calls are closed, each with a failed event', async (t) => {
    const h = await startHarness(t, { MEDIA_WORKERS: '2' });
    const pbx = await FakePbx.create();
    t.after(() => pbx.close());
    await h.request('pbxOffer', { callId: 'wd-1', sdp: pbx.sdp() });
    await h.request('pbxOffer', { callId: 'wd-2', sdp: pbx.sdp() });
    const victim = h.app.node.call('wd-1')!.worker;
    const survivorId = h.app.node.call('wd-2')!.worker === victim ? undefined : 'wd-2';
    assert.ok(survivorId, 'the two calls were placed on different workers');
    const oldPid = victim.pid;

    process.kill(oldPid, 'SIGKILL');
    const failed = await h.event((e) => e.type === 'failed' && e.callId === 'wd-1', 'failed event for wd-1');
    assert.equal(failed.type === 'failed' && failed.cause, 'media worker died');
    await h.event((e) => e.type === 'closed' && e.callId === 'wd-1', 'closed event for wd-1');
    await check(() => h.app.pool.workers.length === 2 && h.app.pool.workers.every((w) => w.pid !== oldPid), 5000, { name: 'replacement worker' });
    assert.equal(h.app.node.call('wd-1'), undefined);
    assert.equal((await h.request('dump', { callId: 'wd-2' })).legs.length, 1, 'the other worker\'s call survives');
    await assert.rejects(h.request('dump', { callId: 'wd-1' }), remoteCode('UCS_ERR_MEDIA_CALL_NOT_FOUND'));
    const metrics = await h.app.http.inject('/metrics');
    assert.match(metrics.body, /ucserver_media_worker_deaths_total\{service="media"\} 1/);
    assert.match(metrics.body, /ucserver_media_calls_failed_total\{service="media"\} 1/);

    // The replacement takes new calls.
    await h.request('pbxOffer', { callId: 'wd-3', sdp: pbx.sdp() });
    await h.request('close', { callId: 'wd-2' });
    await h.request('close', { callId: 'wd-3' });
    await h.assertNoTransports();
  });
});
