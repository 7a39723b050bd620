// Pickup at the adapter (PbxCommands.pickup): a SIPp UAC calls line 101, the gateway (played on the bus)
// accepts and rings, then moves the call to line 102. From then on the call's events are line 102's and
// name line 101 as where it rang; only a ringing incoming call can be picked up, once, to another known
// line; the INVITE is answered (200) when the picker answers, and the call ends on line 102.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { BusRemoteError } from '@ucserver/shared';
import { check, Sipp } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import type { Gateway } from '../support/Gateway.ts';
import { LineBench } from '../support/LineBench.ts';

const scenario = (name: string): string => fileURLToPath(new URL(`../fixtures/sipp/${name}.xml`, import.meta.url));
const remoteCode = (code: string) => (err: unknown): boolean => err instanceof BusRemoteError && err.remoteCode === code;

describe('pickup at the adapter', { timeout: 90_000 }, () => {
  let lines: LineBench;
  let gateway: Gateway;
  let adapter: PbxAdapterApp;
  let mediaPort: number;

  before(async () => {
    lines = await LineBench.start(['101', '102']);
    ({ gateway, adapter } = lines.bench);
    mediaPort = lines.mediaPort;
  });
  after(() => lines?.dispose());

  /** SIPp calls line 101 (200 → ACK, `holdms`, BYE); the gateway accepts and rings. Resolves with the run. */
  function callLine101(holdms: number): Promise<Awaited<ReturnType<typeof Sipp.run>>> {
    gateway.acceptThen((callId) => gateway.pbx('alert', { callId }));
    const target = adapter.sipAddress('udp');
    return Sipp.run({ scenario: scenario('uac-call'), target: `${target.host}:${target.port}`, service: '101', vars: { from: '200', holdms }, args: ['-mp', String(mediaPort)], timeoutMs: 30_000 });
  }

  it('a ringing call moves to line 102: offering there (pickup names 101), a second pickup is refused, the answer connects it on 102, the BYE ends it there', async () => {
    const run = callLine101(500);
    const offered = await gateway.waitEvent((e) => e.state === 'offering' && e.lineId === 'line-101', 'offering on 101');
    const callId = offered.callId;
    await check(() => gateway.callEvents(callId).length > 0 && adapter.calls!.dump().find((c) => c.callId === callId)?.phase === 'ringing', 5000, { name: 'ringing' });
    await assert.rejects(gateway.pbx('pickup', { callId, lineId: 'line-101', lineNumber: '101' }), remoteCode('UCS_ERR_PBX_CALL_STATE'), 'not to the line it rings on');
    await assert.rejects(gateway.pbx('pickup', { callId, lineId: 'line-999', lineNumber: '999' }), remoteCode('UCS_ERR_PBX_LINE_NOT_FOUND'));
    await assert.rejects(gateway.pbx('pickup', { callId: 'no-such-call', lineId: 'line-102', lineNumber: '102' }), remoteCode('UCS_ERR_PBX_CALL_NOT_FOUND'));

    await gateway.pbx('pickup', { callId, lineId: 'line-102', lineNumber: '102' });
    const moved = await gateway.waitEvent((e) => e.callId === callId && e.lineId === 'line-102', 'the call on line 102');
    assert.equal(moved.state, 'offering');
    assert.equal(moved.lineNumber, '102');
    assert.deepEqual(moved.pickup, { fromLineId: 'line-101', fromLineNumber: '101' });
    assert.equal(moved.remoteNumber, '200');
    assert.equal(adapter.calls!.dump().find((c) => c.callId === callId)?.lineId, 'line-102');
    await assert.rejects(gateway.pbx('pickup', { callId, lineId: 'line-102', lineNumber: '102' }), (err: unknown) => remoteCode('UCS_ERR_PBX_CALL_STATE')(err) && /picked up by 102 already/.test((err as Error).message));

    await gateway.pbx('answer', { callId });
    const connected = await gateway.waitCallState(callId, 'connected');
    assert.equal(connected.lineId, 'line-102');
    assert.deepEqual(connected.pickup, { fromLineId: 'line-101', fromLineNumber: '101' });
    await assert.rejects(gateway.pbx('pickup', { callId, lineId: 'line-101', lineNumber: '101' }), remoteCode('UCS_ERR_PBX_CALL_STATE'), 'a connected call is not picked up');
    const ended = await gateway.waitCallState(callId, 'disconnected', 10_000);
    assert.equal(ended.lineId, 'line-102');
    assert.equal(ended.cause, 'normal');
    assert.deepEqual(gateway.callEvents(callId).map((e) => `${e.lineNumber}:${e.state}`), ['101:offering', '102:offering', '102:connected', '102:disconnected']);
    const result = await run;
    assert.equal(result.exitCode, 0, result.log);
  });
});
