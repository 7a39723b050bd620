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
  const env = { PGLITE_DIR: dir };
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
