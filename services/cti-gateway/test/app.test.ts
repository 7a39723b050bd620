import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BusClient, LineCommands } from '@ucserver/shared';
import { check, freePort, NatsServer, natsUrl, testLineCredentialsKey, testLogger, uniquePrefix } from '@ucserver/testkit';
import { EnetucClient } from '../src/client/EnetucClient.ts';
import { startGateway } from './support.ts';

describe('cti-gateway - app', () => {
  it('readiness follows the NATS connection: 503 while NATS is down, 200 again after it returns', { timeout: 60_000 }, async () => {
    const nats = await NatsServer.start();
    const app = await startGateway({ NATS_URL: nats.url });
    const url = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}/readyz`;
    try {
      assert.equal((await fetch(url)).status, 200);
      await nats.stop();
      const down = await check(async () => {
        const res = await fetch(url);
        return res.status === 503 ? ((await res.json()) as { checks: Record<string, boolean> }) : undefined;
      }, 10_000, { name: '/readyz 503' });
      assert.deepEqual(down.checks, { nats: false, database: true, cti: true });
      await nats.restart();
      await check(async () => (await fetch(url)).status === 200, 15_000, { name: '/readyz 200 after NATS restart' });
      // the bus side works again: lines.list is served
      await app.context.lines.create({ number: '100', registrar: 'pbx' });
      const peer = await BusClient.connect({ servers: nats.url, prefix: app.context.config.BUS_PREFIX, name: 'peer', logger: testLogger() });
      const { lines } = await peer.lines.request(LineCommands.list, {});
      assert.equal(lines.length, 1);
      await peer.close();
      // ENetUC still answers
      const c = await EnetucClient.connectTcp({ host: '127.0.0.1', port: app.ctiPort });
      assert.ok('supportedAuthMethods' in (await c.invoke('asnLoginV2', {})));
      c.close();
    } finally {
      await app.stop();
      await nats.dispose();
    }
  });

  it('SIGTERM stops the process: listeners closed, exit code 0 within 10 s', { timeout: 60_000 }, async () => {
    const http = await freePort();
    const cti = await freePort();
    const proc = spawn(process.execPath, ['--conditions=ucs-source', fileURLToPath(new URL('../src/index.ts', import.meta.url))], {
      env: { PATH: process.env.PATH, NATS_URL: natsUrl, BUS_PREFIX: uniquePrefix(), PGLITE_DIR: 'memory://', HTTP_PORT: String(http), CTI_TCP_PORT: String(cti), LOG_LEVEL: 'warn', LINE_CREDENTIALS_KEY: testLineCredentialsKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Its log (stdout) and stderr, for the failure messages.
    let stderr = '';
    const keep = (d: Buffer): void => {
      stderr = (stderr + d.toString()).slice(-8000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    try {
      // Stops waiting at once when the gateway exits instead of becoming ready (a port taken between
      // freePort() and the bind, for one), and says why; PGlite's start alone can take 15 s under load.
      await check(async () => proc.exitCode !== null || (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => undefined))?.status === 200, 45_000, { name: 'gateway ready' })
        .catch((err: unknown) => {
          throw new Error(`${(err as Error).message}; gateway output: ${stderr.slice(-2000)}`, { cause: err });
        });
      assert.equal(proc.exitCode, null, `the gateway exited before it was ready: ${stderr.slice(-2000)}`);
      const client = await EnetucClient.connectTcp({ host: '127.0.0.1', port: cti });
      const t0 = Date.now();
      const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.ok(Date.now() - t0 < 10_000);
      // the connected client was closed by the shutdown
      await client.waitForClose(2000);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });

  it('a bad environment variable exits 1 naming it', async () => {
    const proc = spawn(process.execPath, ['--conditions=ucs-source', fileURLToPath(new URL('../src/index.ts', import.meta.url))], {
      env: { PATH: process.env.PATH, CTI_TCP_PORT: 'seventy' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(stderr, /invalid configuration for cti-gateway: CTI_TCP_PORT: /);
  });
});
