// PbxClient against a real NATS server: a peer bus plays the pbx-adapter. Each command arrives with its
// payload; a refusal and a missing adapter reject with PbxCommandError (the adapter's code, or none).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BusClient, BusNoRespondersError, BusRemoteError, PbxCommands, UcsError } from '@ucserver/shared';
import { natsUrl, testLogger, uniquePrefix } from '@ucserver/testkit';
import { PbxClient } from '../../src/bus/PbxClient.ts';
import { PbxCommandError } from '../../src/errors.ts';

describe('PbxClient', { timeout: 20_000 }, () => {
  const prefix = uniquePrefix();
  let bus: BusClient;
  let adapter: BusClient;
  let pbx: PbxClient;
  const seen: Array<{ name: string; payload: Record<string, unknown> }> = [];

  before(async () => {
    bus = await BusClient.connect({ servers: natsUrl, prefix, name: 'gateway', logger: testLogger('gateway') });
    adapter = await BusClient.connect({ servers: natsUrl, prefix, name: 'pbx', logger: testLogger('pbx') });
    for (const [name, cmd] of Object.entries(PbxCommands)) {
      adapter.pbx.serve(cmd, (r: Record<string, unknown>) => {
        seen.push({ name, payload: r });
        if (r.callId === 'gone') throw new UcsError('UCS_ERR_PBX_CALL_NOT_FOUND', 'no such call [callId:gone]');
        return {};
      });
    }
    await adapter.flush();
    pbx = new PbxClient({ bus, gateway: { instanceId: 'gw-test', startedAt: 1 } });
  });
  after(async () => {
    await bus.close();
    await adapter.close();
  });

  it('each command reaches the pbx-adapter with its payload (defaults filled in by the contract)', async () => {
    await pbx.makeCall({ callId: 'c1', lineId: 'l1', to: '101', mediaNodeId: 'n1', origin: 'softphone' });
    await pbx.alert('c1');
    await pbx.answer('c1');
    await pbx.hold('c1', true);
    await pbx.digits('c1', '12#');
    await pbx.digits('c1', '5', 300);
    await pbx.redirect('c1', '102');
    await pbx.drop('c1', 'decline');
    assert.deepEqual(seen.map((s) => s.name), ['makeCall', 'alert', 'answer', 'hold', 'digits', 'digits', 'redirect', 'drop']);
    assert.deepEqual(seen[0]!.payload, { callId: 'c1', lineId: 'l1', to: '101', mediaNodeId: 'n1', origin: 'softphone', gateway: { instanceId: 'gw-test', startedAt: 1 } }, 'makeCall names the gateway run that owns the call');
    assert.deepEqual(seen[4]!.payload, { callId: 'c1', digits: '12#', durationMs: 160 });
    assert.deepEqual(seen[5]!.payload, { callId: 'c1', digits: '5', durationMs: 300 });
    assert.deepEqual(seen[7]!.payload, { callId: 'c1', reason: 'decline' });
  });

  it('a command the adapter refuses rejects with PbxCommandError carrying its code and the call id', async () => {
    const err = await pbx.hold('gone', false).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof PbxCommandError);
    assert.equal(err.remoteCode, 'UCS_ERR_PBX_CALL_NOT_FOUND');
    assert.equal(err.verb, 'call.hold');
    assert.match(err.message, /^PBX adapter call\.hold failed: UCS_ERR_PBX_CALL_NOT_FOUND: no such call \[callId:gone\] \[callId:gone\]$/);
    assert.ok(err.cause instanceof BusRemoteError);
  });

  it('a payload the contract refuses rejects with PbxCommandError before it is sent', async () => {
    const before = seen.length;
    await assert.rejects(pbx.digits('c1', 'xyz'), PbxCommandError);
    assert.equal(seen.length, before);
  });

  it('without a pbx-adapter a command rejects with PbxCommandError without a remote code', async () => {
    const lonely = await BusClient.connect({ servers: natsUrl, prefix: uniquePrefix(), name: 'lonely', logger: testLogger('lonely') });
    try {
      const err = await new PbxClient({ bus: lonely, gateway: { instanceId: 'gw-test', startedAt: 1 } }).drop('c1', 'normal').then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof PbxCommandError);
      assert.equal(err.remoteCode, undefined);
      assert.match(err.reason, /^PBX adapter unavailable: /);
      assert.ok(err.cause instanceof BusNoRespondersError);
    } finally {
      await lonely.close();
    }
  });
});
