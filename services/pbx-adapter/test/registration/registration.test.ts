// Registration against the real test PBX (Kamailio with digest auth): lines from the gateway register,
// refresh, fail visibly with a wrong password, follow line changes without restart, un-register on stop,
// and come back after the PBX restarts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kamailio, NatsServer, uniquePrefix } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import { startAdapter } from '../support/adapter.ts';
import { Gateway, testLine } from '../support/Gateway.ts';

// A private nats-server per file: the shared one fills up with 1 GiB stream reservations of old runs.
let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await nats?.dispose();
});

describe('registration at Kamailio', { timeout: 60_000 }, () => {
  let pbx: Kamailio;
  let gateway: Gateway;
  let adapter: PbxAdapterApp;
  const prefix = uniquePrefix();

  before(async () => {
    pbx = await Kamailio.start({ mode: 'direct-media' });
    gateway = await Gateway.start({
      natsUrl: nats.url,
      prefix,
      lines: [testLine({ number: '100', registrar: pbx.address }), testLine({ number: '101', registrar: pbx.address })],
    });
    adapter = await startAdapter({ natsUrl: nats.url, prefix });
  });
  after(async () => {
    await adapter?.stop();
    await gateway?.close();
    await pbx?.dispose();
  });

  it('start() registers every enabled line with digest auth and publishes registered', async () => {
    await gateway.waitRegistration('line-100', 'registered');
    const state = await gateway.waitRegistration('line-101', 'registered');
    assert.equal(state.sipStatus, 200);
    assert.ok(state.expiresAt! > Date.now() + 500_000, `binding expires in ~600 s (expiresAt ${state.expiresAt})`);
    const { port } = adapter.sipAddress('udp');
    const [contact] = await pbx.waitRegistered('100');
    assert.equal(contact!.address, `sip:100@127.0.0.1:${port};transport=udp`);
    assert.equal(contact!.userAgent, 'ucserver-pbx-adapter');
    assert.ok(contact!.expires > 500, `Kamailio keeps the binding ${contact!.expires} s`);
    assert.deepEqual((await pbx.waitRegistered('101')).map((c) => c.address), [`sip:101@127.0.0.1:${port};transport=udp`]);
    const seen = gateway.registrations.filter((r) => r.lineId === 'line-100').map((r) => r.status);
    assert.deepEqual(seen, ['registering', 'registered']);
    // The registrar is the PBX whose SIP requests the trust screen serves.
    assert.deepEqual(adapter.registrations!.registrarHosts(), ['127.0.0.1']);
  });

  it('LineCommands.registrations returns the state of every line', async () => {
    const states = await gateway.registrationsSnapshot();
    assert.deepEqual(states.map((s) => [s.lineId, s.status]).sort(), [['line-100', 'registered'], ['line-101', 'registered']]);
    const metrics = (await adapter.http.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /ucserver_pbx_adapter_registrations\{status="registered",service="pbx-adapter"\} 2/);
    assert.match(metrics, /ucserver_pbx_adapter_register_attempts_total\{service="pbx-adapter"\} [4-9]/);
  });

  it('a line with a wrong password publishes failed with the registrar status and is not bound', async () => {
    const mark = gateway.registrations.length;
    gateway.upsert(testLine({ number: '102', registrar: pbx.address, authPassword: 'wrong' }));
    const failed = await gateway.waitRegistration('line-102', 'failed', 10_000, mark);
    assert.equal(failed.sipStatus, 403);
    assert.match(failed.reason ?? '', /403/);
    assert.deepEqual(await pbx.contacts('102'), []);
    // The right password, through the bus, takes effect without restart.
    gateway.upsert(testLine({ number: '102', registrar: pbx.address }));
    await gateway.waitRegistration('line-102', 'registered', 10_000, mark);
    await pbx.waitRegistered('102');
  });

  it('a disabled line un-registers and publishes disabled; a removed line is forgotten', async () => {
    const mark = gateway.registrations.length;
    gateway.upsert(testLine({ number: '103', registrar: pbx.address }));
    await gateway.waitRegistration('line-103', 'registered', 10_000, mark);
    await pbx.waitRegistered('103');
    gateway.upsert(testLine({ number: '103', registrar: pbx.address, enabled: false }));
    await gateway.waitRegistration('line-103', 'disabled', 10_000, mark);
    await pbx.waitUnregistered('103');
    gateway.remove('line-103');
    await gateway.waitRegistration('line-103', 'unregistered', 10_000, mark);
    assert.equal((await gateway.registrationsSnapshot()).some((s) => s.lineId === 'line-103'), false);
  });

  it('a tcp line registers over TCP with a transport=tcp Contact', async () => {
    const mark = gateway.registrations.length;
    gateway.upsert(testLine({ number: '1000', registrar: pbx.address, transport: 'tcp' }));
    await gateway.waitRegistration('line-1000', 'registered', 10_000, mark);
    const [contact] = await pbx.waitRegistered('1000');
    assert.equal(contact!.address, `sip:1000@127.0.0.1:${adapter.sipAddress('tcp').port};transport=tcp`);
    assert.match(contact!.received ?? '', /transport=tcp/);
  });

  it('stop() un-registers every line with Expires 0', async () => {
    await adapter.stop();
    await Promise.all(['100', '101', '102', '1000'].map((l) => pbx.waitUnregistered(l)));
    const last = gateway.registrations.filter((r) => r.lineId === 'line-100').at(-1);
    assert.equal(last?.status, 'unregistered');
  });
});

describe('registration resilience', { timeout: 60_000 }, () => {
  it('lines.list is retried until the gateway answers', async (t) => {
    const prefix = uniquePrefix();
    const pbx = await Kamailio.start({ mode: 'direct-media' });
    const gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: [testLine({ number: '100', registrar: pbx.address })] });
    gateway.answerList = false;
    const adapter = await startAdapter({ natsUrl: nats.url, prefix });
    t.after(async () => {
      await adapter.stop();
      await gateway.close();
      await pbx.dispose();
    });
    await waitUntil(() => gateway.listRequests >= 2, 'a second lines.list request');
    assert.equal(adapter.registrations?.size, 0);
    gateway.answerList = true;
    await gateway.waitRegistration('line-100', 'registered');
  });

  it('a PBX restart is noticed by the OPTIONS keepalive and every line registers again', async (t) => {
    const prefix = uniquePrefix();
    let pbx = await Kamailio.start({ mode: 'direct-media' });
    const port = pbx.port;
    const gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: [testLine({ number: '100', registrar: pbx.address }), testLine({ number: '101', registrar: pbx.address })] });
    const adapter = await startAdapter({ natsUrl: nats.url, prefix, env: { SIP_OPTIONS_INTERVAL_S: '1' } });
    t.after(async () => {
      await adapter.stop();
      await gateway.close();
      await pbx.dispose();
    });
    await gateway.waitRegistration('line-100', 'registered');
    await gateway.waitRegistration('line-101', 'registered');
    const mark = gateway.registrations.length;
    await pbx.dispose();
    await gateway.waitRegistration('line-100', 'failed', 10_000, mark);
    assert.match(gateway.registrations.filter((r) => r.lineId === 'line-100').at(-1)?.reason ?? '', /OPTIONS/);
    pbx = await Kamailio.start({ mode: 'direct-media', port });
    await gateway.waitRegistration('line-100', 'registered', 15_000, mark);
    await gateway.waitRegistration('line-101', 'registered', 15_000, mark);
    await pbx.waitRegistered('100');
    await pbx.waitRegistered('101');
  });
});

async function waitUntil(fn: () => boolean, name: string, ms = 10_000): Promise<void> {
  const { check } = await import('@ucserver/testkit');
  await check(fn, ms, { name });
}
