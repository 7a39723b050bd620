import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Counter } from 'prom-client';
import { createHttpServer, createLogger, createMetricsRegistry, metricPrefix } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';

describe('http - createHttpServer', () => {
  function build(ready: Record<string, () => boolean | Promise<boolean>>) {
    const registry = createMetricsRegistry('cti-gateway');
    new Counter({ name: `${metricPrefix('cti-gateway')}test_total`, help: 'test', registers: [registry] }).inc(3);
    const app = createHttpServer({ service: 'cti-gateway', logger: testLogger(), registry, readiness: ready });
    return app;
  }

  it('GET /healthz answers 200 while the process runs', async (t) => {
    const app = build({});
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', service: 'cti-gateway' });
  });

  it('GET /readyz answers 200 when every check passes', async (t) => {
    const app = build({ nats: () => true, db: async () => true });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().checks, { nats: true, db: true });
  });

  it('GET /readyz answers 503 naming the failing check (false or throwing)', async (t) => {
    const app = build({
      nats: () => false,
      db: async () => {
        throw new Error('down');
      },
      workers: () => true,
    });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'not ready', service: 'cti-gateway', checks: { nats: false, db: false, workers: true } });
  });

  it('GET /metrics serves the registry in Prometheus text format with the ucserver_ prefix', async (t) => {
    const app = build({});
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^ucserver_cti_gateway_test_total\{service="cti-gateway"\} 3$/m);
    assert.match(res.body, /^ucserver_cti_gateway_process_cpu_user_seconds_total/m);
    for (const line of res.body.split('\n')) {
      const name = /^(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
      if (name) assert.ok(name.startsWith('ucserver_'), `${name} lacks the prefix`);
    }
  });

  it('an oversized body is refused with 413', async (t) => {
    const app = build({});
    app.post('/echo', async (req) => req.body);
    t.after(() => app.close());
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { x: 'y'.repeat(2_000_000) } });
    assert.equal(res.statusCode, 413);
  });

  it('a failed request is logged with its path, never its query string', async (t) => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const app = createHttpServer({ service: 'cti-gateway', logger: createLogger({ service: 'test', destination: sink }), registry: createMetricsRegistry('cti-gateway'), readiness: {} });
    app.get('/fail', async () => {
      throw new Error('boom');
    });
    t.after(() => app.close());
    const res = await app.inject({ method: 'GET', url: '/fail?token=s3cr3t-in-url&user=alice' });
    assert.equal(res.statusCode, 500);
    const log = lines.join('');
    assert.match(log, /"path":"\/fail"/);
    assert.equal(log.includes('s3cr3t-in-url'), false, log);
  });
});
