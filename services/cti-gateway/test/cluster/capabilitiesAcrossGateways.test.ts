// Issue 18: two real gateways on one NATS bus prefix and one PostgreSQL database share the clients. A
// client of gw-1 asks the client capabilities of a user whose clients are on gw-2 (and on both), and
// hears their changes there: the capabilities travel in gw-2's `gateway.sessions` entries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { check, createTestDatabase, uniquePrefix } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import type { EnetucClient } from '../../src/client/EnetucClient.ts';
import { startGateway, tcpClient } from '../support.ts';

describe('client capabilities across two gateways (real NATS, PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let gw1: GatewayApp;
  let gw2: GatewayApp;
  const clients: EnetucClient[] = [];
  const connect = async (app: GatewayApp, user: string, softphone: boolean): Promise<EnetucClient> => {
    const c = await tcpClient(app);
    clients.push(c);
    await c.login(user, `${user}-pw`, { softphone });
    return c;
  };
  const capsOf = async (client: EnetucClient, login: string) => (await client.invoke('asnGetClientCapabilitiesV2', { u8slistContactIDs: [login] })).capabilities[0]?.capabilities;

  before(async () => {
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, BUS_PREFIX: uniquePrefix(), GATEWAY_HEARTBEAT_INTERVAL_MS: '200' };
    gw1 = await startGateway({ ...env, GATEWAY_INSTANCE_ID: 'gw-1', KEEP_STREAM: '1' });
    for (const login of ['bob', 'carol']) await gw1.context.users.create({ login, password: `${login}-pw` });
    gw2 = await startGateway({ ...env, GATEWAY_INSTANCE_ID: 'gw-2' });
  });

  after(async () => {
    for (const c of clients) c.close();
    await gw2?.stop();
    await gw1?.stop();
    await db?.drop();
  });

  it("carol on gw-1 sees what bob's clients on gw-2 handle, hears it change there, and the sum over both gateways", async () => {
    const carol = await connect(gw1, 'carol', false);
    await carol.invoke('asnGetAndSubscribePresenceV2', { seqContactIDs: ['bob'] });
    assert.deepEqual(await capsOf(carol, 'bob'), { eClientCapabilities: [], customCapabilities: [] }, 'bob has no client yet');

    // bob's softphone logs in at gw-2: audio, as its negotiate step said
    const bobPhone = await connect(gw2, 'bob', true);
    await check(async () => (await capsOf(carol, 'bob'))?.eClientCapabilities.join() === '1', 5000, { name: "gw-1 knows bob's softphone on gw-2", intervalMs: 50 });

    // bob declares video and a custom pair at gw-2: carol is told at gw-1
    await bobPhone.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [1, 2], customCapabilities: [{ key: 'x-client', value: 'web' }] } });
    const changed = await carol.waitForEvent('asnClientCapabilitiesV2Changed', (e) => e.capabilities[0]?.capabilities.eClientCapabilities.join() === '1,2');
    assert.deepEqual(changed.capabilities, [{ u8sID: 'bob', capabilities: { eClientCapabilities: [1, 2], customCapabilities: [{ key: 'x-client', value: 'web' }] } }]);
    assert.deepEqual(await capsOf(carol, 'bob'), changed.capabilities[0]!.capabilities);

    // a CTI client of bob on gw-1 declares screen sharing: both gateways' sessions count, here and there
    const bobDesk = await connect(gw1, 'bob', false);
    await bobDesk.invoke('asnSetClientCapabilitiesV2', { capabilities: { eClientCapabilities: [3], customCapabilities: [] } });
    const both = { eClientCapabilities: [1, 2, 3], customCapabilities: [{ key: 'x-client', value: 'web' }] };
    await carol.waitForEvent('asnClientCapabilitiesV2Changed', (e) => e.capabilities[0]?.capabilities.eClientCapabilities.join() === '1,2,3');
    assert.deepEqual(await capsOf(carol, 'bob'), both);
    const carolOnGw2 = await connect(gw2, 'carol', false);
    await check(async () => (await capsOf(carolOnGw2, 'bob'))?.eClientCapabilities.join() === '1,2,3', 5000, { name: 'gw-2 sums in bob\'s client on gw-1', intervalMs: 50 });

    // bob's softphone on gw-2 goes: carol hears that only screen sharing (gw-1) is left
    bobPhone.close();
    const left = await carol.waitForEvent('asnClientCapabilitiesV2Changed', (e) => e.capabilities[0]?.capabilities.eClientCapabilities.join() === '3');
    assert.deepEqual(left.capabilities[0]!.capabilities, { eClientCapabilities: [3], customCapabilities: [] });
    assert.deepEqual(await capsOf(carol, 'bob'), { eClientCapabilities: [3], customCapabilities: [] });
  });
});
