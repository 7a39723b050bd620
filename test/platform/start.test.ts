// The platform as a whole, run the way a person runs it: `npm start` (scripts/start.ts) brings up the three
// services (and a nats-server when none answers, with a NATS user per service generated on first start),
// each reports ready within 15 s, each /metrics passes `promtool check metrics`, a real Prometheus scrapes
// all three, and Ctrl-C stops everything cleanly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as natsConnect } from '@nats-io/transport-node';
import { errors as natsErrors, nkeyAuthenticator } from '@nats-io/nats-core';
import { check, freePort, freePortRange, uniquePrefix } from '@ucserver/testkit';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const p = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
    p.stdin!.end(text);
  });
}

describe('platform - npm start', { timeout: 180_000 }, () => {
  const ports: Record<string, number> = {};
  let dir: string;
  let proc: ChildProcess;
  let output = '';
  let startedAt = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-start-'));
    for (const k of ['nats', 'gateway', 'cti', 'media', 'pbx', 'sip']) ports[k] = await freePort();
    const rtp = await freePortRange(200);
    startedAt = Date.now();
    // as `npm start` runs it
    proc = spawn(process.execPath, ['--conditions=ucs-source', 'scripts/start.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN,
        // nothing listens here: start.ts must start its own nats-server
        NATS_URL: `nats://127.0.0.1:${ports.nats}`,
        // first start: no credentials, no keys yet
        UCS_DATA_DIR: join(dir, 'data'),
        BUS_PREFIX: uniquePrefix(),
        LOG_LEVEL: 'warn',
        PGLITE_DIR: join(dir, 'pglite'),
        HTTP_PORT: '',
        CTI_TCP_PORT: String(ports.cti),
        HTTPS_PORT: '0',
        MEDIA_WORKERS: '1',
        MEDIA_WEBRTC_PORT: '0',
        MEDIA_RTC_MIN_PORT: String(rtp.min),
        MEDIA_RTC_MAX_PORT: String(rtp.max),
        SIP_PORT: String(ports.sip),
        SIP_OPTIONS_INTERVAL_S: '0',
        // one HTTP port per service: start.ts passes the same env to all, so use the per-service overrides
        UCS_HTTP_PORT_CTI_GATEWAY: String(ports.gateway),
        UCS_HTTP_PORT_MEDIA: String(ports.media),
        UCS_HTTP_PORT_PBX_ADAPTER: String(ports.pbx),
      },
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  });

  after(async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('all three services report ready on /readyz within 15 s', async () => {
    await check(async () => (await ready(ports.gateway!)) && (await ready(ports.media!)) && (await ready(ports.pbx!)), 15_000, { name: `all /readyz 200 (output so far: ${output.slice(-2000)})` });
    assert.ok(Date.now() - startedAt <= 15_000);
  });

  it('its nats-server refuses anonymous connections; the generated seeds (0600) and line key (0600) are the ones in use', async () => {
    const seedFile = (user: string): string => join(dir, 'data/nats/users', `${user}.nk`);
    for (const user of ['cti-gateway', 'media', 'pbx-adapter', 'admin']) assert.equal(statSync(seedFile(user)).mode & 0o777, 0o600, user);
    assert.equal(statSync(join(dir, 'data/secrets/line-credentials-key')).mode & 0o777, 0o600);
    assert.match(output, /first start: generated NATS credentials/);
    await assert.rejects(natsConnect({ servers: `127.0.0.1:${ports.nats}`, reconnect: false }), natsErrors.AuthorizationError);
    const admin = await natsConnect({ servers: `127.0.0.1:${ports.nats}`, reconnect: false, authenticator: nkeyAuthenticator(new TextEncoder().encode(readFileSync(seedFile('admin'), 'utf8').trim())) });
    await admin.close();
  });

  it('/metrics of every service passes promtool check metrics and carries the ucserver_ prefix', async () => {
    for (const [name, port] of [['cti-gateway', ports.gateway], ['media', ports.media], ['pbx-adapter', ports.pbx]] as const) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      const result = await promtool(text);
      assert.equal(result.code, 0, `${name}: ${result.output}`);
      assert.match(text, new RegExp(`^ucserver_${name.replace('-', '_')}_`, 'm'));
    }
  });

  it('every metric the Grafana dashboard queries is exported by a service', async () => {
    const exported = new Set<string>();
    for (const port of [ports.gateway, ports.media, ports.pbx]) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const m of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(m[1]!);
    }
    const dashboard = readFileSync(join(root, 'infra/grafana/dashboards/ucserver.json'), 'utf8');
    const used = new Set([...dashboard.matchAll(/ucserver_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')).filter((n) => !n.endsWith('_')));
    const missing = [...used].filter((n) => !exported.has(n));
    assert.deepEqual(missing, []);
  });

  it('a real Prometheus scrapes all three services (up == 1)', async () => {
    const promDir = join(dir, 'prom');
    const promPort = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      `  - job_name: cti-gateway\n    static_configs: [{ targets: ['127.0.0.1:${ports.gateway}'] }]`,
      `  - job_name: media\n    static_configs: [{ targets: ['127.0.0.1:${ports.media}'] }]`,
      `  - job_name: pbx-adapter\n    static_configs: [{ targets: ['127.0.0.1:${ports.pbx}'] }]`,
      '',
    ].join('\n'));
    const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${promDir}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    try {
      const up = await check(async () => {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=up`).catch(() => undefined);
        if (!res?.ok) return undefined;
        const body = (await res.json()) as { data: { result: Array<{ metric: { job: string }; value: [number, string] }> } };
        const jobs = body.data.result.filter((r) => r.value[1] === '1').map((r) => r.metric.job).sort();
        return jobs.length === 3 ? jobs : undefined;
      }, 30_000, { name: 'Prometheus targets up' });
      assert.deepEqual(up, ['cti-gateway', 'media', 'pbx-adapter']);
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => prom.once('exit', r));
    }
  });

  it('Ctrl-C stops every service and the nats-server it started, exit code 0 within 10 s', async () => {
    const t0 = Date.now();
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 0, output.slice(-3000));
    assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
    for (const port of [ports.gateway, ports.media, ports.pbx, ports.nats]) {
      assert.equal(await ready(port!), false, `port ${port} still answers`);
    }
  });
});
