// The app shell: health, readiness (NATS connected, SIP listening, lease usable), the lease role, metrics, idempotent stop, and a
// line resync after NATS reconnects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, loadConfig, PbxAdapterConfig } from '@ucserver/shared';
import { check, NatsServer, testLineCredentialsKey, testLogger, uniquePrefix } from '@ucserver/testkit';
import { build } from '../src/app.ts';
import { Gateway, testLine } from './support/Gateway.ts';

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await nats?.dispose();
});

const config = (prefix: string): PbxAdapterConfig =>
  loadConfig('pbx-adapter', PbxAdapterConfig, { NATS_URL: nats.url, BUS_PREFIX: prefix, HTTP_PORT: '0', SIP_PORT: '0', SIP_OPTIONS_INTERVAL_S: '0', SHUTDOWN_TIMEOUT_MS: '2000', LINE_CREDENTIALS_KEY: testLineCredentialsKey });

describe('pbx-adapter app', { timeout: 60_000 }, () => {
  it('build() serves /healthz at once and /readyz says not ready until started', async (t) => {
    const app = build({ config: config(uniquePrefix()), logger: testLogger(), registry: createMetricsRegistry('pbx-adapter') });
    t.after(() => app.stop());
    const health = await app.http.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok', service: 'pbx-adapter' });
    const ready = await app.http.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json().checks, { nats: false, sip: false, lease: false });
  });

  it('start() makes /readyz ready and /metrics lists the adapter metrics; stop() twice is harmless', async () => {
    const prefix = uniquePrefix();
    const gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: [testLine({ number: '100', registrar: '127.0.0.1:9', enabled: false })] });
    const app = build({ config: config(prefix), logger: testLogger(), registry: createMetricsRegistry('pbx-adapter') });
    try {
      await app.start();
      const ready = await app.http.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
      assert.deepEqual(ready.json().checks, { nats: true, sip: true, lease: true });
      // Alone on its bus prefix, it took the lease at start.
      const lease = (await app.http.inject({ method: 'GET', url: '/lease' })).json();
      assert.equal(lease.role, 'active');
      assert.equal(lease.holder.sip, `udp:127.0.0.1:${app.sipAddress('udp').port}`);
      assert.ok(lease.remainingMs > 0 && lease.remainingMs <= 10_000, `remainingMs ${lease.remainingMs}`);
      await app.linesSynced;
      const metrics = (await app.http.inject({ method: 'GET', url: '/metrics' })).body;
      for (const name of [
        'registrations', 'register_attempts_total', 'register_failures_total', 'calls_active', 'call_setup_outcomes_total', 'call_setup_seconds',
        'sip_requests_total', 'sip_responses_total', 'sip_transaction_timeouts_total', 'bus_connected', 'process_cpu_seconds_total',
      ]) {
        assert.ok(metrics.includes(`ucserver_pbx_adapter_${name}`), `metric ${name} exported`);
      }
      assert.match(metrics, /ucserver_pbx_adapter_registrations\{status="disabled",service="pbx-adapter"\} 1/);
      assert.match(metrics, /ucserver_pbx_adapter_calls_active\{direction="inbound",service="pbx-adapter"\} 0/);
      assert.match(metrics, /ucserver_pbx_adapter_lease_role\{role="active",service="pbx-adapter"\} 1/);
      assert.match(metrics, /ucserver_pbx_adapter_lease_role\{role="standby",service="pbx-adapter"\} 0/);
      assert.equal(app.sipAddress('udp').port, app.sipAddress('tcp').port, 'UDP and TCP share the SIP port');
    } finally {
      await app.stop();
      await app.stop();
      await gateway.close();
    }
    const after = await app.http.inject({ method: 'GET', url: '/healthz' }).catch((err: unknown) => err);
    assert.ok(after instanceof Error || (after as { statusCode: number }).statusCode === 503, 'the closed server no longer serves');
  });

  it('a NATS reconnect resynchronises the lines', async () => {
    const server = await NatsServer.start();
    const prefix = uniquePrefix();
    const gateway = await Gateway.start({ natsUrl: server.url, prefix, lines: [testLine({ number: '100', registrar: '127.0.0.1:9', enabled: false })] });
    const cfg = loadConfig('pbx-adapter', PbxAdapterConfig, { NATS_URL: server.url, BUS_PREFIX: prefix, HTTP_PORT: '0', SIP_PORT: '0', SHUTDOWN_TIMEOUT_MS: '2000', LINE_CREDENTIALS_KEY: testLineCredentialsKey });
    const app = build({ config: cfg, logger: testLogger(), registry: createMetricsRegistry('pbx-adapter') });
    try {
      await app.start();
      await app.linesSynced;
      const before = gateway.listRequests;
      // While NATS is down the gateway changes a line; the adapter misses the event and must resync.
      gateway.lines = [testLine({ number: '100', registrar: '127.0.0.1:9', enabled: false }), testLine({ number: '101', registrar: '127.0.0.1:9', enabled: false })];
      await server.restart();
      await check(() => gateway.listRequests > before && app.registrations?.line('line-101') !== undefined, 15_000, { name: 'a lines.list after the reconnect that brings line 101' });
    } finally {
      await app.stop();
      await gateway.close();
      await server.dispose();
    }
  });
});
