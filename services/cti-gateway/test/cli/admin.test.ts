import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { GatewayApp } from '../../src/app.ts';
import { startGateway } from '../support.ts';

const CLI = fileURLToPath(new URL('../../src/cli/admin.ts', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=ucs-source', CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('admin CLI against a running gateway', () => {
  let app: GatewayApp;
  let env: Record<string, string>;
  before(async () => {
    app = await startGateway({ ADMIN_TOKEN: 'cli-token' });
    const port = (app.http.server.address() as AddressInfo).port;
    env = { UCS_ADMIN_URL: `http://127.0.0.1:${port}`, UCS_ADMIN_TOKEN: 'cli-token' };
  });
  after(() => app.stop());

  it('user add / list / remove round-trip with exit code 0', async () => {
    assert.deepEqual(await run(['user', 'add', 'alice', '--password', 'pw-alice', '--admin'], env), { code: 0, stdout: 'user alice created (admin)\n', stderr: '' });
    const list = await run(['user', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^LOGIN\s+DISPLAYNAME\s+ROLE/m);
    assert.match(list.stdout, /^alice\s+alice\s+admin/m);
    assert.equal((await run(['user', 'remove', 'alice'], env)).code, 0);
    assert.doesNotMatch((await run(['user', 'list'], env)).stdout, /alice/);
  });

  it('user disable / enable switch the login off and on, and user list shows it', async () => {
    assert.equal((await run(['user', 'add', 'dora', '--password', 'pw-dora'], env)).code, 0);
    assert.deepEqual(await run(['user', 'disable', 'dora'], env), { code: 0, stdout: 'user dora disabled\n', stderr: '' });
    assert.match((await run(['user', 'list'], env)).stdout, /^dora\s+dora\s+user\s+true/m);
    await assert.rejects(app.context.auth.authenticate({ kind: 'basic', login: 'dora', password: 'pw-dora' }, '127.0.0.1'), /disabled/);
    assert.deepEqual(await run(['user', 'enable', 'dora'], env), { code: 0, stdout: 'user dora enabled\n', stderr: '' });
    assert.equal((await app.context.auth.authenticate({ kind: 'basic', login: 'dora', password: 'pw-dora' }, '127.0.0.1')).user.login, 'dora');
    const missing = await run(['user', 'disable'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing login/);
  });

  it('line add with owner and transport, line list shows it, line remove', async () => {
    await run(['user', 'add', 'bob', '--password', 'pw-bob'], env);
    const add = await run(['line', 'add', '101', '--owner', 'bob', '--registrar', '127.0.0.1:5060', '--auth-user', '101', '--auth-password', 'x', '--transport', 'tcp'], env);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout, 'line 101 created (sip:101@127.0.0.1 via 127.0.0.1:5060/tcp)\n');
    assert.match((await run(['line', 'list'], env)).stdout, /^101\s+101\s+bob\s+127\.0\.0\.1:5060\s+tcp\s+true\s+-/m);
    const json = JSON.parse((await run(['line', 'list', '--json'], env)).stdout) as Array<{ number: string; authPassword?: string }>;
    assert.equal(json[0]?.number, '101');
    assert.equal(json[0]?.authPassword, undefined);
    assert.equal((await run(['line', 'remove', '101'], env)).code, 0);
  });

  it('calls and journal print tables', async () => {
    assert.equal((await run(['calls'], env)).stdout, '(none)\n');
    const j = await run(['journal', '--line', '100'], env);
    assert.equal(j.code, 0);
    assert.match(j.stdout, /0 of 0/);
  });

  it('capture commands: an unknown call is 404, a bad number a usage error, the list prints a table', async () => {
    const start = await run(['capture', 'start', 'no-such-call'], env);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /active call 'no-such-call' not found \(HTTP 404, UCS_ERR_GW_NOT_FOUND\)/);
    const get = await run(['capture', 'get', 'no-such-call', '-o', '/dev/null'], env);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /HTTP 404/);
    const bad = await run(['capture', 'start', '100', '--max-seconds', 'ten'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-seconds must be a whole number/);
    const list = await run(['capture', 'list'], env);
    assert.deepEqual(list, { code: 0, stdout: '(none)\n', stderr: '' });
  });

  it('seed creates demo users and lines, and seeding twice keeps them', async () => {
    const first = await run(['seed', '--registrar', '127.0.0.1:5060'], env);
    assert.equal(first.code, 0, first.stderr);
    const second = await run(['seed', '--registrar', '127.0.0.1:5060'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /line 100 exists, kept/);
    const lines = await app.context.lines.list();
    assert.deepEqual(lines.map((l) => `${l.number}:${l.ownerLogin}`).sort(), ['100:alice', '101:bob', '102:carol']);
  });

  // Seven independent CLI processes: run side by side, so the file stays within the runner's per-file
  // budget on a loaded machine (sequential Node start-ups took most of the 120 s under load 17).
  describe('bad input', { concurrency: true }, () => {
    const failures: Array<{ name: string; args: string[]; code: number; stderr: RegExp; env?: Record<string, string> }> = [
      { name: 'an unknown command', args: ['frobnicate'], code: 2, stderr: /unknown command 'frobnicate'/ },
      { name: 'an unknown option', args: ['user', 'list', '--nope'], code: 2, stderr: /Unknown option '--nope'/ },
      { name: 'user add without --password', args: ['user', 'add', 'x'], code: 2, stderr: /missing --password/ },
      { name: 'a bad transport', args: ['line', 'add', '7', '--registrar', 'pbx', '--transport', 'sctp'], code: 2, stderr: /--transport must be/ },
      { name: 'removing an unknown user', args: ['user', 'remove', 'ghost'], code: 1, stderr: /user 'ghost' not found \(HTTP 404, UCS_ERR_GW_NOT_FOUND\)/ },
      { name: 'a wrong token', args: ['user', 'list'], code: 1, stderr: /HTTP 401/, env: { UCS_ADMIN_TOKEN: 'wrong' } },
      { name: 'an unreachable server', args: ['user', 'list'], code: 1, stderr: /cannot reach http:\/\/127\.0\.0\.1:1/, env: { UCS_ADMIN_URL: 'http://127.0.0.1:1' } },
    ];
    for (const f of failures) {
      it(`${f.name} exits ${f.code} with a clear error`, async () => {
        const r = await run(f.args, { ...env, ...f.env });
        assert.equal(r.code, f.code);
        assert.match(r.stderr, f.stderr);
      });
    }
  });
});

describe('cti CLI client', () => {
  const CTI = fileURLToPath(new URL('../../src/cli/cti.ts', import.meta.url));
  it('logs in, monitors the own line, prints events and the make-call result; errors exit non-zero', async () => {
    const app = await startGateway();
    try {
      await app.context.users.create({ login: 'alice', password: 'alice-pw' });
      await app.context.lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
      const args = ['--conditions=ucs-source', CTI, '--host', '127.0.0.1', '--port', String(app.ctiPort), '--user', 'alice', '--password', 'alice-pw'];
      const ok = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [...args, '--once', '--json'], { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout.trim().split('\n')[0]!), { monitor: JSON.parse(ok.stdout.trim().split('\n')[0]!).monitor, line: 'tel:100', open: 4, calls: 0 });
      const bad = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [...args.slice(0, -1), 'wrong', '--once'], { timeout: 20_000 }, (err, _o, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
      });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /asnLoginV2 failed: .*\[iErrorDetail:101\]/);
      // third-party make call without a softphone for the line: a clear CTI error
      const call = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [...args, '--call', '100:101', '--once'], { timeout: 20_000 }, (err, _o, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
      });
      assert.equal(call.code, 1);
      assert.match(call.stderr, /no softphone is connected for line 100/);
    } finally {
      await app.stop();
    }
  });
});
