import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHarness } from './support/harness.ts';

describe('media app', { timeout: 30_000 }, () => {
  test('build() with a real worker serves /healthz, /readyz 200 and the media metrics', async (t) => {
    const h = await startHarness(t);
    const health = await h.app.http.inject('/healthz');
    assert.equal(health.statusCode, 200);
    const ready = await h.app.http.inject('/readyz');
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(JSON.parse(ready.body).checks, { nats: true, workers: true, accepting: true });
    await h.app.sample();
    const metrics = (await h.app.http.inject('/metrics')).body;
    for (const name of [
      'ucserver_media_calls',
      'ucserver_media_legs',
      'ucserver_media_workers',
      'ucserver_media_worker_cpu_ratio',
      'ucserver_media_worker_routers',
      'ucserver_media_rtp_packets_total',
      'ucserver_media_transport_bytes_total',
      'ucserver_media_packet_loss_ratio',
      'ucserver_media_jitter_seconds',
      'ucserver_media_rtt_seconds',
      'ucserver_media_allocation_failures_total',
      'ucserver_media_path_changes_total',
      'ucserver_media_bus_connected',
      'ucserver_media_process_cpu_seconds_total',
      'ucserver_media_conferences',
      'ucserver_media_conference_mix_seconds_total',
    ]) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(metrics, /^ucserver_media_workers\{state="alive",service="media"\} 1$/m);
    assert.match(metrics, /^ucserver_media_worker_cpu_ratio\{worker="0",service="media"\} [\d.e-]+$/m);
    assert.match(metrics, /^ucserver_media_conferences\{what="rooms",service="media"\} 0$/m);
    assert.doesNotMatch(metrics, /callId/, 'no per-call labels');
  });
});
