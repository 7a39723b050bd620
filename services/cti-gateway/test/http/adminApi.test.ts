import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, CtiGatewayConfig, loadConfig } from '@ucserver/shared';
import { testLineCredentialsKey, testLogger } from '@ucserver/testkit';
import { build, type GatewayApp } from '../../src/app.ts';

const ADMIN = { authorization: 'Bearer admin-secret-token' };
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

describe('admin API', () => {
  let app: GatewayApp;
  before(async () => {
    const config = loadConfig('cti-gateway', CtiGatewayConfig, { PGLITE_DIR: 'memory://', LINE_CREDENTIALS_KEY: testLineCredentialsKey, ADMIN_TOKEN: 'admin-secret-token', LOGIN_BASE_DELAY_MS: '0', LOGIN_MAX_FAILURES: '3' });
    app = await build({ config, logger: testLogger(), registry: createMetricsRegistry('cti-gateway') });
    await app.http.ready();
  });
  after(async () => {
    await app.stop();
  });

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, opts: { headers?: Record<string, string>; payload?: unknown } = {}) =>
    app.http.inject({ method, url, headers: opts.headers ?? ADMIN, ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}) });

  describe('authentication', () => {
    it('a request without credentials gets 401 with a challenge', async () => {
      const res = await inject('GET', '/api/v1/users', { headers: {} });
      assert.equal(res.statusCode, 401);
      assert.match(String(res.headers['www-authenticate']), /Bearer realm="ucserver"/);
      assert.equal(res.json().error.code, 'UCS_ERR_GW_AUTH_FAILED');
    });
    it('a wrong bearer token gets 401', async () => {
      assert.equal((await inject('GET', '/api/v1/users', { headers: { authorization: 'Bearer nope' } })).statusCode, 401);
    });
    it('a malformed Authorization header gets 401', async () => {
      assert.equal((await inject('GET', '/api/v1/users', { headers: { authorization: 'Basic !!!' } })).statusCode, 401);
    });
    it('a non-admin user gets 403, an admin user gets 200 with Basic auth', async () => {
      assert.equal((await inject('POST', '/api/v1/users', { payload: { login: 'carol', password: 'carol-pw' } })).statusCode, 201);
      assert.equal((await inject('POST', '/api/v1/users', { payload: { login: 'root', password: 'root-pw', role: 'admin' } })).statusCode, 201);
      const res = await inject('GET', '/api/v1/users', { headers: basic('carol', 'carol-pw') });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'UCS_ERR_GW_FORBIDDEN');
      assert.equal((await inject('GET', '/api/v1/users', { headers: basic('root', 'root-pw') })).statusCode, 200);
    });
    it('an admin login token works as bearer token', async () => {
      const { token } = await app.context.auth.authenticate({ kind: 'basic', login: 'root', password: 'root-pw' }, '127.0.0.1');
      assert.equal((await inject('GET', '/api/v1/lines', { headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    });
    it('a wrong admin token does not throttle the next Basic login from that address', async () => {
      await inject('POST', '/api/v1/users', { payload: { login: 'frank', password: 'frank-pw', role: 'admin' } });
      assert.equal((await inject('GET', '/api/v1/users', { headers: { authorization: 'Bearer not-the-token' } })).statusCode, 401);
      assert.equal((await inject('GET', '/api/v1/users', { headers: basic('frank', 'frank-pw') })).statusCode, 200);
      assert.equal((await inject('GET', '/api/v1/users')).statusCode, 200, 'the admin token too');
    });
    it('a disabled admin gets 403 UCS_ERR_GW_ACCOUNT_DISABLED for the right password, 401 for a wrong one', async () => {
      await inject('POST', '/api/v1/users', { payload: { login: 'gina', password: 'gina-pw', role: 'admin', disabled: true } });
      const res = await inject('GET', '/api/v1/users', { headers: basic('gina', 'gina-pw') });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'UCS_ERR_GW_ACCOUNT_DISABLED');
      assert.equal((await inject('GET', '/api/v1/users', { headers: basic('gina', 'nope') })).statusCode, 401);
    });
    it('repeated wrong passwords are throttled with 429 and Retry-After', async () => {
      await inject('POST', '/api/v1/users', { payload: { login: 'dave', password: 'dave-pw', role: 'admin' } });
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await inject('GET', '/api/v1/users', { headers: basic('dave', 'wrong') })).statusCode);
      assert.deepEqual(codes.slice(0, 3), [401, 401, 401]);
      const locked = await inject('GET', '/api/v1/users', { headers: basic('dave', 'dave-pw') });
      assert.equal(locked.statusCode, 429);
      assert.ok(Number(locked.headers['retry-after']) > 0);
    });
  });

  describe('users', () => {
    it('PATCH disabled: true disables a user (shown in the API), false enables them; the credential version is never returned', async () => {
      await inject('POST', '/api/v1/users', { payload: { login: 'hank', password: 'hank-pw' } });
      const { token } = await app.context.auth.authenticate({ kind: 'basic', login: 'hank', password: 'hank-pw' }, '127.0.0.1');
      const revoked: string[] = [];
      app.context.users.once('credentialsrevoked', (u, reason) => revoked.push(`${u.login}:${reason}`));
      const disabled = await inject('PATCH', '/api/v1/users/hank', { payload: { disabled: true } });
      assert.equal(disabled.statusCode, 200);
      assert.equal(disabled.json().disabled, true);
      assert.equal('tokenVersion' in disabled.json(), false);
      assert.deepEqual(revoked, ['hank:account disabled']);
      assert.equal((await inject('GET', '/api/v1/users/hank')).json().disabled, true);
      await assert.rejects(app.context.auth.authenticate({ kind: 'bearer', token }, '127.0.0.1'));
      const enabled = await inject('PATCH', '/api/v1/users/hank', { payload: { disabled: false } });
      assert.equal(enabled.json().disabled, false);
      assert.equal((await app.context.auth.authenticate({ kind: 'basic', login: 'hank', password: 'hank-pw' }, '127.0.0.1')).user.login, 'hank');
    });
    it('POST then GET, PATCH and DELETE a user; the hash is never returned', async () => {
      const created = await inject('POST', '/api/v1/users', { payload: { login: 'alice', password: 'secret', displayName: 'Alice A.' } });
      assert.equal(created.statusCode, 201);
      const body = created.json();
      assert.equal(body.login, 'alice');
      assert.equal(body.role, 'user');
      assert.equal('passwordHash' in body, false);
      assert.equal((await inject('GET', '/api/v1/users/alice')).json().displayName, 'Alice A.');
      const patched = await inject('PATCH', '/api/v1/users/alice', { payload: { role: 'admin', password: 'secret2' } });
      assert.equal(patched.json().role, 'admin');
      assert.equal((await inject('GET', '/api/v1/users', { headers: basic('alice', 'secret2') })).statusCode, 200);
      assert.equal((await inject('DELETE', '/api/v1/users/alice')).statusCode, 204);
      assert.equal((await inject('GET', '/api/v1/users/alice')).statusCode, 404);
    });
    const invalid: Array<[string, unknown]> = [
      ['missing password', { login: 'x1' }],
      ['short password', { login: 'x2', password: 'a' }],
      ['login with a space', { login: 'a b', password: 'secret' }],
      ['unknown role', { login: 'x3', password: 'secret', role: 'god' }],
      ['not an object', ['alice', 'secret']],
      // PostgreSQL cannot store U+0000: refused up front, not a failed INSERT answered 500
      ['U+0000 in the display name', { login: 'x4', password: 'secret', displayName: 'Eve\u0000' }],
      ['U+0000 in the password', { login: 'x5', password: 'sec\u0000ret' }],
    ];
    for (const [name, payload] of invalid) {
      it(`POST /users with ${name} gets 400`, async () => {
        const res = await inject('POST', '/api/v1/users', { payload });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'UCS_ERR_GW_INVALID');
      });
    }
    it('POST /users with an existing login gets 409', async () => {
      await inject('POST', '/api/v1/users', { payload: { login: 'dup', password: 'secret' } });
      assert.equal((await inject('POST', '/api/v1/users', { payload: { login: 'dup', password: 'secret' } })).statusCode, 409);
    });
    it('POST /users with a non-JSON body gets 415', async () => {
      const res = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: { ...ADMIN, 'content-type': 'application/xml' }, payload: '<user/>' });
      assert.equal(res.statusCode, 415);
    });
    it('POST /users with broken JSON gets 400', async () => {
      const res = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: { ...ADMIN, 'content-type': 'application/json' }, payload: '{"login":' });
      assert.equal(res.statusCode, 400);
    });
    it('PATCH/DELETE of an unknown user gets 404', async () => {
      assert.equal((await inject('PATCH', '/api/v1/users/ghost', { payload: { displayName: 'x' } })).statusCode, 404);
      assert.equal((await inject('DELETE', '/api/v1/users/ghost')).statusCode, 404);
    });
  });

  describe('lines', () => {
    it('POST a line with an owner, list it without its password, PATCH and DELETE it', async () => {
      await inject('POST', '/api/v1/users', { payload: { login: 'bob', password: 'secret' } });
      const upserts: string[] = [];
      const removes: string[] = [];
      app.context.lines.on('upsert', (l) => upserts.push(l.number));
      app.context.lines.on('remove', (id) => removes.push(id));
      const res = await inject('POST', '/api/v1/lines', { payload: { number: '101', registrar: '127.0.0.1:5060', owner: 'bob', authUser: '101', authPassword: 'pw101', transport: 'tcp' } });
      assert.equal(res.statusCode, 201);
      const line = res.json();
      assert.equal(line.owner, 'bob');
      assert.equal(line.sipUri, 'sip:101@127.0.0.1');
      assert.equal(line.transport, 'tcp');
      assert.equal('authPassword' in line, false);
      assert.equal(line.registration, null);
      const list = (await inject('GET', '/api/v1/lines')).json();
      assert.ok(list.some((l: { number: string }) => l.number === '101'));
      assert.equal((await inject('PATCH', '/api/v1/lines/101', { payload: { enabled: false, owner: null } })).json().owner, null);
      assert.equal((await inject('DELETE', '/api/v1/lines/101')).statusCode, 204);
      assert.deepEqual(upserts, ['101', '101']);
      assert.deepEqual(removes, [line.id]);
    });
    it('POST a line owned by an unknown user gets 400', async () => {
      const res = await inject('POST', '/api/v1/lines', { payload: { number: '555', registrar: 'pbx:5060', owner: 'nobody' } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /owner 'nobody'/);
    });
    it('POST a line with a bad registrar gets 400', async () => {
      assert.equal((await inject('POST', '/api/v1/lines', { payload: { number: '556', registrar: 'pbx:5060; rm -rf' } })).statusCode, 400);
    });
    it('POST a duplicate line number gets 409', async () => {
      await inject('POST', '/api/v1/lines', { payload: { number: '557', registrar: 'pbx' } });
      assert.equal((await inject('POST', '/api/v1/lines', { payload: { number: '557', registrar: 'pbx' } })).statusCode, 409);
    });
  });

  describe('calls, journal, docs', () => {
    it('GET /calls lists active calls (none yet)', async () => {
      assert.deepEqual((await inject('GET', '/api/v1/calls')).json(), []);
    });
    it('GET /journal validates its query', async () => {
      assert.equal((await inject('GET', '/api/v1/journal?limit=0')).statusCode, 400);
      assert.equal((await inject('GET', '/api/v1/journal?from=yesterday')).statusCode, 400);
      const page = (await inject('GET', '/api/v1/journal?limit=10')).json();
      assert.deepEqual(page, { entries: [], total: 0, limit: 10, offset: 0 });
    });
    it('GET /docs/json serves the OpenAPI document with the admin routes', async () => {
      const res = await app.http.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.openapi.startsWith('3.'), true);
      for (const path of ['/api/v1/users', '/api/v1/lines/{number}', '/api/v1/journal', '/api/v1/calls']) assert.ok(doc.paths[path], `${path} documented`);
    });
  });
  describe('captures', () => {
    it('capture routes are admin-only: a non-admin user gets 403', async () => {
      for (const [method, url] of [['POST', '/api/v1/calls/c1/capture'], ['DELETE', '/api/v1/calls/c1/capture'], ['GET', '/api/v1/calls/c1/capture.pcapng'], ['GET', '/api/v1/captures'], ['PUT', '/api/v1/lines/100/capture']] as const) {
        const res = await app.http.inject({ method, url, headers: basic('carol', 'carol-pw'), ...(method === 'POST' || method === 'PUT' ? { payload: { enabled: true } } : {}) });
        assert.equal(res.statusCode, 403, `${method} ${url}`);
      }
    });
    it('without the bus (not started) a capture request is 503, a bad body 400, an unknown line 404', async () => {
      const res = await inject('POST', '/api/v1/calls/c1/capture', { payload: {} });
      assert.equal(res.statusCode, 503);
      assert.match(res.json().error.message, /bus is not connected/);
      assert.equal((await inject('POST', '/api/v1/calls/c1/capture', { payload: { maxSeconds: 0 } })).statusCode, 400);
      assert.equal((await inject('PUT', '/api/v1/lines/999/capture', { payload: { enabled: true } })).statusCode, 404);
    });
  });
});
