// The admin's pickup groups: the REST API (/api/v1/pickup-groups: CRUD, validation, admin-only, OpenAPI)
// and the CLI (`npm run admin -- pickup-group …`) against a running gateway.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { GatewayApp } from '../../src/app.ts';
import { startGateway } from '../support.ts';

const CLI = fileURLToPath(new URL('../../src/cli/admin.ts', import.meta.url));
const ADMIN = { authorization: 'Bearer pickup-admin-token' };

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=ucs-source', CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('pickup groups (admin API and CLI)', () => {
  let app: GatewayApp;
  let env: Record<string, string>;
  before(async () => {
    app = await startGateway({ ADMIN_TOKEN: 'pickup-admin-token' });
    env = { UCS_ADMIN_URL: `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`, UCS_ADMIN_TOKEN: 'pickup-admin-token' };
    await app.context.users.create({ login: 'bob', password: 'bob-pw' });
    await app.context.users.create({ login: 'carol', password: 'carol-pw' });
    await app.context.lines.create({ number: '101', registrar: 'pbx', ownerLogin: 'bob' });
    await app.context.lines.create({ number: '102', registrar: 'pbx', ownerLogin: 'carol' });
  });
  after(() => app.stop());

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = ADMIN) =>
    app.http.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('create, read, replace (rename), list and delete; members by line number and login', async () => {
    const created = await inject('POST', '/api/v1/pickup-groups', { name: 'sales', lines: ['102', '101'], users: ['bob'] });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as { id: string; name: string; lines: string[]; users: string[] };
    assert.deepEqual([body.name, body.lines, body.users], ['sales', ['101', '102'], ['bob']]);
    assert.match(body.id, /^[0-9a-f-]{36}$/);
    assert.equal((await inject('GET', '/api/v1/pickup-groups/sales')).json().name, 'sales');
    const replaced = await inject('PUT', '/api/v1/pickup-groups/sales', { name: 'team', users: ['bob', 'carol'] });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assert.deepEqual([replaced.json().name, replaced.json().lines, replaced.json().users], ['team', [], ['bob', 'carol']]);
    assert.equal((await inject('GET', '/api/v1/pickup-groups/sales')).statusCode, 404);
    assert.deepEqual((await inject('GET', '/api/v1/pickup-groups')).json().map((g: { name: string }) => g.name), ['team']);
    const members = await app.context.pickupGroups.members();
    assert.equal(members[0]?.userIds.size, 2);
    assert.equal((await inject('DELETE', '/api/v1/pickup-groups/team')).statusCode, 204);
    assert.deepEqual((await inject('GET', '/api/v1/pickup-groups')).json(), []);
  });

  it('a duplicate name is 409, unknown members and bad names 400, an unknown group 404; nothing changes', async () => {
    assert.equal((await inject('POST', '/api/v1/pickup-groups', { name: 'g1', lines: ['101'] })).statusCode, 201);
    const dup = await inject('POST', '/api/v1/pickup-groups', { name: 'g1' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'UCS_ERR_GW_CONFLICT');
    const unknown = await inject('POST', '/api/v1/pickup-groups', { name: 'g2', lines: ['101', '999'], users: ['nobody'] });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error.message, /unknown line\(s\): 999/);
    assert.equal((await inject('POST', '/api/v1/pickup-groups', { name: 'bad/name' })).statusCode, 400);
    assert.equal((await inject('POST', '/api/v1/pickup-groups', { name: 'g3', extra: 1 })).statusCode, 400);
    assert.equal((await inject('PUT', '/api/v1/pickup-groups/g1', { name: 'g1', users: ['nobody'] })).statusCode, 400);
    assert.deepEqual((await inject('GET', '/api/v1/pickup-groups/g1')).json().lines, ['101'], 'a refused replace changed nothing');
    assert.equal((await inject('PUT', '/api/v1/pickup-groups/nope', { name: 'nope' })).statusCode, 404);
    assert.equal((await inject('DELETE', '/api/v1/pickup-groups/nope')).statusCode, 404);
    assert.deepEqual((await inject('GET', '/api/v1/pickup-groups')).json().map((g: { name: string }) => g.name), ['g1']);
    await inject('DELETE', '/api/v1/pickup-groups/g1');
  });

  it('admin-only (a user gets 403) and documented in the OpenAPI document', async () => {
    const basic = { authorization: `Basic ${Buffer.from('bob:bob-pw').toString('base64')}` };
    assert.equal((await inject('GET', '/api/v1/pickup-groups', undefined, basic)).statusCode, 403);
    assert.equal((await inject('POST', '/api/v1/pickup-groups', { name: 'mine', users: ['bob'] }, basic)).statusCode, 403);
    assert.equal((await inject('GET', '/api/v1/pickup-groups', undefined, {})).statusCode, 401);
    const doc = (await app.http.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.ok(doc.paths['/api/v1/pickup-groups']?.post, 'POST documented');
    assert.ok(doc.paths['/api/v1/pickup-groups/{name}']?.put, 'PUT documented');
  });

  it('CLI: pickup-group add / set / list / remove', async () => {
    assert.deepEqual(await cli(['pickup-group', 'add', 'desk', '--lines', '101, 102'], env), { code: 0, stdout: 'pickup group desk: lines 101,102, users -\n', stderr: '' });
    assert.deepEqual(await cli(['pickup-group', 'set', 'desk', '--users', 'bob,carol', '--rename', 'front'], env), { code: 0, stdout: 'pickup group front: lines -, users bob,carol\n', stderr: '' });
    const list = await cli(['pickup-group', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^NAME\s+LINES\s+USERS/m);
    assert.match(list.stdout, /^front\s+bob,carol/m);
    const refused = await cli(['pickup-group', 'add', 'x', '--users', 'nobody'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unknown user\(s\): nobody \(HTTP 400, UCS_ERR_GW_INVALID\)/);
    assert.equal((await cli(['pickup-group', 'add'], env)).code, 2);
    assert.deepEqual(await cli(['pickup-group', 'remove', 'front'], env), { code: 0, stdout: 'pickup group front removed\n', stderr: '' });
  });
});
