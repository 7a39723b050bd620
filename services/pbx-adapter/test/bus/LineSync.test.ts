// Lines arrive with their SIP password sealed (LINE_CREDENTIALS_KEY): the adapter opens it, and a line
// whose password does not open (the gateway holds another key, or the sealed password belongs to another
// line) is refused: `failed` with the reason, no REGISTER sent, until a version that opens arrives.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineTopics, parseSealingKey, sealLineConfig } from '@ucserver/shared';
import { Kamailio, NatsServer, testLineCredentialsKey, uniquePrefix } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import { startAdapter } from '../support/adapter.ts';
import { Gateway, testLine } from '../support/Gateway.ts';

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await nats?.dispose();
});

describe('LineSync - sealed line credentials', { timeout: 60_000 }, () => {
  let pbx: Kamailio;
  let gateway: Gateway;
  let adapter: PbxAdapterApp;
  const rightKey = parseSealingKey(testLineCredentialsKey);
  const wrongKey = parseSealingKey(Buffer.alloc(32, 0x5a).toString('base64'));

  before(async () => {
    pbx = await Kamailio.start({ mode: 'direct-media' });
    const prefix = uniquePrefix();
    gateway = await Gateway.start({ natsUrl: nats.url, prefix, lines: [testLine({ number: '100', registrar: pbx.address })] });
    gateway.credentialsKey = wrongKey;
    adapter = await startAdapter({ natsUrl: nats.url, prefix });
  });
  after(async () => {
    await adapter?.stop();
    await gateway?.close();
    await pbx?.dispose();
  });

  it('lines.list sealed with another key: the line is failed with the key mismatch, and never registers', async () => {
    const failed = await gateway.waitRegistration('line-100', 'failed');
    assert.match(failed.reason ?? '', /does not open: sealed with key \S+, this service holds key \S+: LINE_CREDENTIALS_KEY differs/);
    assert.deepEqual(gateway.registrations.filter((r) => r.lineId === 'line-100').map((r) => r.status), ['failed']);
    assert.deepEqual(await pbx.contacts('100'), []);
    assert.match((await adapter.http.inject({ method: 'GET', url: '/metrics' })).body, /ucserver_pbx_adapter_register_failures_total\{reason="config",service="pbx-adapter"\} 1/);
  });

  it('lines.changed with the right key: the refused line registers without restart', async () => {
    const mark = gateway.registrations.length;
    gateway.credentialsKey = rightKey;
    gateway.upsert(testLine({ number: '100', registrar: pbx.address }));
    await gateway.waitRegistration('line-100', 'registered', 10_000, mark);
    await pbx.waitRegistered('100');
  });

  it("lines.changed carrying another line's sealed password: the line is failed and its binding removed", async () => {
    const mark = gateway.registrations.length;
    const other = sealLineConfig(rightKey, testLine({ number: '101', registrar: pbx.address, lineId: 'line-101' }));
    gateway.bus.publish(LineTopics.changed, { kind: 'upsert', line: { ...sealLineConfig(rightKey, testLine({ number: '100', registrar: pbx.address })), authPassword: other.authPassword } });
    const failed = await gateway.waitRegistration('line-100', 'failed', 10_000, mark);
    assert.match(failed.reason ?? '', /does not open \[ucs\.line\.authPassword:line-100\]/);
    await pbx.waitUnregistered('100');
  });

  it('a disabled line whose password does not open is disabled, not failed', async () => {
    const mark = gateway.registrations.length;
    gateway.credentialsKey = wrongKey;
    gateway.upsert(testLine({ number: '102', registrar: pbx.address, enabled: false }));
    await gateway.waitRegistration('line-102', 'disabled', 10_000, mark);
    assert.ok(!gateway.registrations.slice(mark).some((r) => r.lineId === 'line-102' && r.status === 'failed'));
  });
});
