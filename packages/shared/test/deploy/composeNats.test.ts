// The compose deployment's NATS side, run natively (there is no Docker engine here): the secrets-init
// CLI as compose runs it, then infra/nats/nats.conf (and nats-tls.conf with infra/nats/make-tls.sh's
// certificates) on a real nats-server with the authorization the init wrote, and the services' own
// BusClient connecting with the files compose hands them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { errors, nkeyAuthenticator } from '@nats-io/nats-core';
import { BusClient, busConnection, loadConfig, MediaConfig, PbxAdapterConfig } from '@ucserver/shared';
import { Subjects } from '@ucserver/shared/internal';
import { check, freePort, NatsServer, testLogger } from '@ucserver/testkit';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(root, 'packages/shared/src/deploy/initSecrets.ts');

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env }, cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const initSecrets = (dir: string, env: Record<string, string> = {}) =>
  run(process.execPath, ['--conditions=ucs-source', cli, '--dir', dir], { BUS_PREFIX: 'ucs', ADMIN_TOKEN: '', AUTH_TOKEN_SECRET: '', LINE_CREDENTIALS_KEY: '', ...env });

describe('compose - secrets-init', { timeout: 60_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-init-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('initSecrets on first start generates every secret (0600, per-service directories 0700) and prints the files, never a value', async () => {
    const out = await initSecrets(join(dir, 'a'));
    assert.equal(out.code, 0, out.stderr);
    const files = ['cti-gateway/admin-token', 'cti-gateway/auth-token-secret', 'cti-gateway/line-credentials-key', 'cti-gateway/nats.nk', 'pbx-adapter/line-credentials-key', 'pbx-adapter/nats.nk', 'media/nats.nk', 'admin/nats.nk'];
    for (const f of files) {
      const path = join(dir, 'a', f);
      assert.equal(statSync(path).mode & 0o777, 0o600, f);
      assert.ok(out.stdout.includes(path), `${f} is listed`);
      assert.ok(!out.stdout.includes(readFileSync(path, 'utf8').trim()), `${f}'s value is not printed`);
    }
    for (const d of ['cti-gateway', 'pbx-adapter', 'media', 'admin']) assert.equal(statSync(join(dir, 'a', d)).mode & 0o777, 0o700, d);
    assert.equal(readFileSync(join(dir, 'a/cti-gateway/line-credentials-key'), 'utf8'), readFileSync(join(dir, 'a/pbx-adapter/line-credentials-key'), 'utf8'));
    assert.match(readFileSync(join(dir, 'a/nats/auth.conf'), 'utf8'), /authorization \{/);
    assert.match(out.stdout, /docker compose exec cti-gateway cat \/run\/ucs-secrets\/admin-token/);
  });

  it('initSecrets on a later start keeps every secret', async () => {
    const before = readFileSync(join(dir, 'a/cti-gateway/admin-token'), 'utf8');
    const out = await initSecrets(join(dir, 'a'));
    assert.equal(out.code, 0);
    assert.doesNotMatch(out.stdout, /generated/);
    assert.equal(readFileSync(join(dir, 'a/cti-gateway/admin-token'), 'utf8'), before);
  });

  const refusals: Array<{ env: Record<string, string>; variable: string }> = [
    { env: { ADMIN_TOKEN: 'change-me' }, variable: 'ADMIN_TOKEN' },
    { env: { AUTH_TOKEN_SECRET: 'change-me-too' }, variable: 'AUTH_TOKEN_SECRET' },
    { env: { LINE_CREDENTIALS_KEY: 'change-me-too' }, variable: 'LINE_CREDENTIALS_KEY' },
  ];
  for (const row of refusals) {
    it(`initSecrets with ${row.variable}=${Object.values(row.env)[0]} from .env exits 1 naming it (compose then starts nothing)`, async () => {
      const out = await initSecrets(join(dir, 'b'), row.env);
      assert.equal(out.code, 1);
      assert.match(out.stderr, new RegExp(`refusing to start: .*${row.variable}`));
    });
  }

  it('initSecrets with a chosen ADMIN_TOKEN and LINE_CREDENTIALS_KEY writes them (to both key copies)', async () => {
    const key = Buffer.alloc(32, 4).toString('base64');
    const out = await initSecrets(join(dir, 'c'), { ADMIN_TOKEN: 'my-own-admin-token-123', LINE_CREDENTIALS_KEY: key });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(readFileSync(join(dir, 'c/cti-gateway/admin-token'), 'utf8').trim(), 'my-own-admin-token-123');
    assert.equal(readFileSync(join(dir, 'c/pbx-adapter/line-credentials-key'), 'utf8').trim(), key);
  });

  it('initSecrets with differing copies of the line key exits 1', async () => {
    writeFileSync(join(dir, 'c/pbx-adapter/line-credentials-key'), Buffer.alloc(32, 5).toString('base64'));
    const out = await initSecrets(join(dir, 'c'));
    assert.equal(out.code, 1);
    assert.match(out.stderr, /LINE_CREDENTIALS_KEY: its copies differ/);
  });
});

describe('compose - infra/nats/nats.conf on a real nats-server', { timeout: 60_000 }, () => {
  let dir: string;
  let secrets: string;
  let server: NatsServer;
  let servers: NatsServer[];

  /**
   * infra/nats/<name> beside the init's auth/, with the JetStream store moved off /data and the cluster's
   * routes moved from the compose names (nats-1..3:6222) to `routes` on loopback; without `routes` the
   * cluster block is left out (one server alone).
   */
  function natsDir(sub: string, routes?: { own: number; all: number[] }): string {
    const d = join(dir, sub);
    mkdirSync(join(d, 'auth'), { recursive: true });
    copyFileSync(join(secrets, 'nats/auth.conf'), join(d, 'auth/auth.conf'));
    let conf = readFileSync(join(root, 'infra/nats/nats.conf'), 'utf8');
    assert.equal(conf.match(/store_dir: \/data\/jetstream/g)?.length, 1);
    conf = conf.replace('store_dir: /data/jetstream', `store_dir: "${join(d, 'js')}"`);
    assert.match(conf, /^cluster \{[\s\S]*?^\}$/m, 'nats.conf has a cluster block');
    if (routes) {
      assert.equal(conf.match(/nats-route:\/\/nats-\d:6222/g)?.length, routes.all.length, 'a route per server');
      conf = conf.replace('listen: 0.0.0.0:6222', `listen: 127.0.0.1:${routes.own}`)
        .replace(/nats-route:\/\/nats-(\d):6222/g, (_m, n: string) => `nats-route://127.0.0.1:${routes.all[Number(n) - 1]}`);
    } else {
      conf = conf.replace(/^cluster \{[\s\S]*?^\}$/m, '');
    }
    writeFileSync(join(d, 'nats.conf'), conf);
    copyFileSync(join(root, 'infra/nats/nats-tls.conf'), join(d, 'nats-tls.conf'));
    return d;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucs-compose-nats-'));
    secrets = join(dir, 'secrets');
    assert.equal((await initSecrets(secrets)).code, 0);
    // The cluster of three as compose runs it: -a/-p/-m move the client and monitoring listeners to
    // ephemeral loopback ports, the routes go to loopback (natsDir); the rest is the file as it is.
    const routePorts: number[] = [];
    while (routePorts.length < 3) {
      const p = await freePort({ tcp: true, udp: false });
      if (!routePorts.includes(p)) routePorts.push(p);
    }
    servers = await Promise.all(routePorts.map((own, i) => NatsServer.start({
      config: join(natsDir(`plain-${i + 1}`, { own, all: routePorts }), 'nats.conf'),
      args: ['-m', '-1'],
      env: { UCS_NATS_SERVER_NAME: `nats-${i + 1}` },
    })));
    server = servers[0]!;
  });
  after(async () => {
    for (const s of servers ?? []) await s.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an anonymous connection is refused', async () => {
    await assert.rejects(connect({ servers: server.url, reconnect: false }), errors.AuthorizationError);
  });

  it("the pbx-adapter connects with the files compose gives it (NATS_NKEY_SEED_FILE) to the cluster and its stream has a replica on each server", async () => {
    const config = loadConfig('pbx-adapter', PbxAdapterConfig, {
      NATS_NKEY_SEED_FILE: join(secrets, 'pbx-adapter/nats.nk'),
      LINE_CREDENTIALS_KEY_FILE: join(secrets, 'pbx-adapter/line-credentials-key'),
      NATS_URL: servers.map((s) => s.url).join(','),
      BUS_STREAM_REPLICAS: '3',
    });
    const bus = await BusClient.connect({ ...busConnection(config, 'pbx-adapter'), name: 'test', logger: testLogger() }, AbortSignal.timeout(10_000));
    try {
      // JetStream needs the cluster's meta leader: the three servers found each other by their routes.
      await check(() => bus.ensureCallStream().then(() => true, () => undefined), 20_000, { name: 'CALLS stream created on the cluster' });
      assert.equal(bus.connected, true);
      const info = await (await jetstreamManager(bus.connection)).streams.info(bus.subjects.callStream);
      assert.equal(info.config.num_replicas, 3);
      assert.deepEqual([info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort(), ['nats-1', 'nats-2', 'nats-3']);
    } finally {
      await bus.close();
    }
  });

  it('the media user is refused lines.* (a permission violation the client sees)', async () => {
    const seed = readFileSync(join(secrets, 'media/nats.nk'), 'utf8').trim();
    const nc = await connect({ servers: server.url, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), inboxPrefix: new Subjects('ucs').inbox('media'), reconnect: false });
    try {
      // The server's -ERR for the subscription arrives before the flush's PONG.
      const refused: Array<Error | null> = [];
      nc.subscribe('ucs.lines.>', { callback: (err) => void refused.push(err) });
      await nc.flush();
      assert.ok(refused[0] instanceof errors.PermissionViolationError, `got ${String(refused[0])}`);
    } finally {
      await nc.close();
    }
  });

  it('infra/nats/nats-tls.conf with make-tls.sh certificates: TLS required, a client trusting the CA connects over tls://', async () => {
    const d = natsDir('tls');
    const tls = join(d, 'certs');
    const made = await run('sh', [join(root, 'infra/nats/make-tls.sh'), tls, 'localhost', '127.0.0.1']);
    assert.equal(made.code, 0, made.stderr);
    const tlsServer = await NatsServer.start({ config: join(d, 'nats-tls.conf'), args: ['-m', '-1'], env: { UCS_NATS_SERVER_NAME: 'nats-tls', UCS_NATS_TLS_CERT: join(tls, 'server.pem'), UCS_NATS_TLS_KEY: join(tls, 'server-key.pem') } });
    try {
      const info = await firstLine(tlsServer.port);
      assert.match(info, /"tls_required":true/, 'the server demands TLS before anything else');
      const config = loadConfig('media', MediaConfig, {
        NATS_URL: `tls://127.0.0.1:${tlsServer.port}`,
        NATS_NKEY_SEED_FILE: join(secrets, 'media/nats.nk'),
        NATS_TLS_CA_FILE: join(tls, 'ca.pem'),
      });
      const bus = await BusClient.connect({ ...busConnection(config, 'media'), name: 'test', logger: testLogger() }, AbortSignal.timeout(10_000));
      try {
        await bus.ensureCallStream();
        assert.equal(bus.connected, true);
      } finally {
        await bus.close();
      }
      // Without the CA the server's certificate is not trusted: no connection.
      const seed = readFileSync(join(secrets, 'media/nats.nk'), 'utf8').trim();
      await assert.rejects(connect({ servers: `127.0.0.1:${tlsServer.port}`, tls: {}, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), reconnect: false }));
    } finally {
      await tlsServer.dispose();
    }
  });
});

/** The server's first protocol line (INFO), read over a plain TCP connection. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no INFO within 5 s')));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}
