// DND and forwards through the CTI protocol on TCP 7222, against a gateway on a PGlite directory: the
// operations, the monitor events and snapshot, authorisation (a user sets only their own lines), and a
// gateway restart that keeps what was set.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GatewayApp } from '../../src/app.ts';
import { EnetucRequestError, type EnetucClient } from '../../src/client/EnetucClient.ts';
import { startGateway, tcpClient } from '../support.ts';

const events = (client: EnetucClient, name: string): Array<Record<string, unknown>> => {
  const seen: Array<Record<string, unknown>> = [];
  client.on('event', (e: { name: string; argument: Record<string, unknown> }) => {
    if (e.name === name) seen.push(e.argument);
  });
  return seen;
};
const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('CTI line routing (DND, forwards)', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucs-routing-'));
  const env = { PGLITE_DIR: dir, ADMIN_TOKEN: 'routing-admin-token' };
  let app: GatewayApp;
  before(async () => {
    app = await startGateway(env);
    await app.context.users.create({ login: 'bob', password: 'bob-pw' });
    await app.context.users.create({ login: 'carol', password: 'carol-pw' });
    await app.context.lines.create({ number: '101', registrar: '127.0.0.1:5060', ownerLogin: 'bob' });
    await app.context.lines.create({ number: '102', registrar: '127.0.0.1:5060', ownerLogin: 'carol' });
  });
  after(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asnCtiSetForward per mode reaches monitors as asnCtiNotifyLineForwardingChanged and the snapshot; asnCtiRemoveForward removes one or all', async (t) => {
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => bob.close());
    const changed = events(bob, 'asnCtiNotifyLineForwardingChanged');
    const monitor = await bob.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:101' });
    assert.deepEqual(monitor.seqLineForwards, []);

    assert.deepEqual(await bob.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: 'tel:102' }), { bSuccess: true, bExistingForwardingChanged: true });
    const r2 = await bob.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '103', optionalParams: { ForwardMode: 3, NoAnswerTime: 5 } });
    assert.equal(r2.bExistingForwardingChanged, false);
    await until(() => changed.length === 2);
    assert.equal(changed[1]!.u8sMonitorCrossRefID, monitor.u8sMonitorCrossRefID);
    const expected = [
      { iInternalID: 1, iForwardController: 4, iForwardMode: 1, iBackEndSpecific: 0, iNoAnswerTime: 0, u8sDestination: '102', u8sCallerIDList: [] },
      { iInternalID: 2, iForwardController: 4, iForwardMode: 4, iBackEndSpecific: 0, iNoAnswerTime: 5, u8sDestination: '103', u8sCallerIDList: [] },
    ];
    assert.deepEqual(changed[1]!.seqLineForwards, expected);
    assert.deepEqual((await bob.invoke('asnCtiSnapshotPhoneLine', { u8sLinePhoneNumber: 'tel:101' })).seqLineForwards, expected);

    assert.deepEqual(await bob.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101', optionalParams: { ForwardMode: 1 } }), { bSuccess: true });
    await until(() => changed.length === 3);
    assert.deepEqual((changed[2]!.seqLineForwards as Array<{ u8sDestination: string }>).map((f) => f.u8sDestination), ['103']);
    assert.deepEqual(await bob.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }), { bSuccess: true });
    assert.deepEqual(await bob.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }), { bSuccess: false });
    assert.deepEqual((await app.context.routing.get((await app.context.lines.get('101'))!.id)).forwards, []);
  });

  it('a user sets DND and forwards only on their own lines; bad modes and self-forwards are errors', async (t) => {
    const carol = await tcpClient(app, { user: 'carol', password: 'carol-pw' });
    t.after(() => carol.close());
    const denied = (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 2;
    await assert.rejects(carol.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102' }), denied);
    await assert.rejects(carol.invoke('asnCtiRemoveForward', { u8sPhoneNumberFrom: 'tel:101' }), denied);
    await assert.rejects(carol.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true }), denied);
    const general = (e: unknown) => e instanceof EnetucRequestError && e.iErrorDetail === 1;
    await assert.rejects(carol.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:102', u8sPhoneNumberTo: '101', optionalParams: { ForwardMode: 10 } }), general);
    await assert.rejects(carol.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:102', u8sPhoneNumberTo: 'tel:102' }), general);
    assert.deepEqual(await app.context.routing.get((await app.context.lines.get('101'))!.id), { dnd: false, forwards: [] });
  });

  it("an admin's PUT /api/v1/lines/{n}/routing sets DND and replaces the forwards; the line's monitors are told; bad input changes nothing", async (t) => {
    const bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    t.after(() => bob.close());
    const dnd = events(bob, 'asnCtiNotifyLineDoNotDisturbChanged');
    const fwd = events(bob, 'asnCtiNotifyLineForwardingChanged');
    await bob.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:101' });
    const put = (payload: unknown, authorization = 'Bearer routing-admin-token') =>
      app.http.inject({ method: 'PUT', url: '/api/v1/lines/101/routing', headers: { authorization }, payload: payload as object });

    const res = await put({ dnd: true, forwards: [{ mode: 'busy', destination: 'tel:102' }, { mode: 'no-answer', destination: 'sip:103@pbx', noAnswerS: 7 }] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().routing, { dnd: true, forwards: [{ mode: 'busy', destination: '102', noAnswerS: 0 }, { mode: 'no-answer', destination: '103', noAnswerS: 7 }] });
    await until(() => dnd.length === 1 && fwd.length === 1);
    assert.equal(dnd[0]!.iDoNotDisturb, 1);
    assert.deepEqual((fwd[0]!.seqLineForwards as Array<{ iForwardMode: number; u8sDestination: string }>).map((f) => [f.iForwardMode, f.u8sDestination]), [[2, '102'], [4, '103']]);

    // Only the DND: the forwards stay, no forwarding event.
    assert.equal((await put({ dnd: false })).json().routing.forwards.length, 2);
    await until(() => dnd.length === 2);
    assert.equal(dnd[1]!.iDoNotDisturb, 0);

    for (const [payload, message] of [
      [{ forwards: [{ mode: 'immediate', destination: '101' }] }, /cannot forward to itself/],
      [{ forwards: [{ mode: 'busy', destination: '102' }, { mode: 'busy', destination: '103' }] }, /at most one 'busy'/],
      [{ forwards: [{ mode: 'immediate', destination: 'sip:@x' }] }, /cannot forward to/],
      [{ dnd: 'yes' }, /dnd/],
    ] as const) {
      const bad = await put(payload);
      assert.equal(bad.statusCode, 400, JSON.stringify(payload));
      assert.match(bad.json().error.message, message);
    }
    const basic = `Basic ${Buffer.from('bob:bob-pw').toString('base64')}`;
    assert.equal((await put({ dnd: true }, basic)).statusCode, 403, 'a user is no admin');
    assert.equal((await app.http.inject({ method: 'PUT', url: '/api/v1/lines/199/routing', headers: { authorization: 'Bearer routing-admin-token' }, payload: { dnd: true } })).statusCode, 404);
    const state = await app.context.routing.get((await app.context.lines.require('101')).id);
    assert.deepEqual([state.dnd, state.forwards.map((f) => f.destination)], [false, ['102', '103']], 'the refused requests changed nothing');
    assert.equal(fwd.length, 1);
    await put({ forwards: [] });
    await until(() => fwd.length === 2);
    assert.deepEqual(fwd[1]!.seqLineForwards, []);
  });

  it('DND and forwards survive a gateway restart (same database)', async () => {
    let bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    await bob.invoke('asnCtiLineSetDoNotDisturb', { u8sLinePhoneNumber: 'tel:101', bDoNotDisturb: true });
    await bob.invoke('asnCtiSetForward', { u8sPhoneNumberFrom: 'tel:101', u8sPhoneNumberTo: '102', optionalParams: { ForwardMode: 2 } });
    bob.close();
    await app.stop();
    app = await startGateway(env);
    bob = await tcpClient(app, { user: 'bob', password: 'bob-pw' });
    try {
      const snap = await bob.invoke('asnCtiLineMonitorStart', { u8sLinePhoneNumber: 'tel:101' });
      assert.equal(snap.iDoNotDisturb, 1);
      assert.deepEqual(snap.seqLineForwards.map((f) => [f.iForwardMode, f.u8sDestination]), [[2, '102']]);
    } finally {
      bob.close();
    }
  });
});
