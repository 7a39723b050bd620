// Re-attach at the adapter (PbxCommands.reattach, issue 18): a SIPp UAC calls line 101, the gateway run
// (played on the bus) accepts and answers, so it owns the call; another run takes the answered call over.
// From then on the first run's loss (its heartbeat stops, 3 intervals + the grace) ends nothing: the call
// ends when SIPp hangs up, cause 'normal'. Refused: an unknown call, a call still ringing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BusRemoteError, GatewayTopics } from '@ucserver/shared';
import { check, Sipp } from '@ucserver/testkit';
import type { PbxAdapterApp } from '../../src/app.ts';
import type { Gateway } from '../support/Gateway.ts';
import { LineBench } from '../support/LineBench.ts';

const scenario = (name: string): string => fileURLToPath(new URL(`../fixtures/sipp/${name}.xml`, import.meta.url));
const remoteCode = (code: string) => (err: unknown): boolean => err instanceof BusRemoteError && err.remoteCode === code;
const INTERVAL_MS = 200;
const GRACE_MS = 500;

describe('re-attach at the adapter', { timeout: 90_000 }, () => {
  let lines: LineBench;
  let gateway: Gateway;
  let adapter: PbxAdapterApp;
  let mediaPort: number;

  before(async () => {
    lines = await LineBench.start(['101'], { env: { GATEWAY_LOSS_GRACE_MS: String(GRACE_MS) }, deps: { gatewayIntervalMs: INTERVAL_MS } });
    ({ gateway, adapter } = lines.bench);
    gateway.startHeartbeat(INTERVAL_MS);
    mediaPort = lines.mediaPort;
  });
  after(() => lines?.dispose());

  it('the answered call owned by another run outlives the first run\'s loss; unknown and ringing calls are refused', async () => {
    gateway.acceptThen((callId) => gateway.pbx('alert', { callId }));
    const target = adapter.sipAddress('udp');
    // SIPp holds the call 6 s after the 200, then hangs up: longer than 3 intervals + the grace.
    const run = Sipp.run({ scenario: scenario('uac-call'), target: `${target.host}:${target.port}`, service: '101', vars: { from: '200', holdms: 6000 }, args: ['-mp', String(mediaPort)], timeoutMs: 30_000 });
    const offered = await gateway.waitEvent((e) => e.state === 'offering' && e.lineId === 'line-101', 'offering on 101');
    const callId = offered.callId;
    await check(() => adapter.calls!.dump().find((c) => c.callId === callId)?.phase === 'ringing', 5000, { name: 'ringing' });
    const other = { instanceId: 'gw-2', startedAt: Date.now() };
    await assert.rejects(gateway.pbx('reattach', { callId: 'no-such-call', gateway: other }), remoteCode('UCS_ERR_PBX_CALL_NOT_FOUND'));
    await assert.rejects(gateway.pbx('reattach', { callId, gateway: other }), (err: unknown) => remoteCode('UCS_ERR_PBX_CALL_STATE')(err) && /only an answered call/.test((err as Error).message));
    assert.deepEqual(adapter.calls!.dump().find((c) => c.callId === callId)?.owner, gateway.instance, 'a refusal changes nothing');

    await gateway.pbx('answer', { callId });
    await gateway.waitCallState(callId, 'connected');
    const beat = (): void => gateway.bus.publish(GatewayTopics.heartbeat, { ...other, at: Date.now(), intervalMs: INTERVAL_MS });
    beat();
    const beating = setInterval(beat, INTERVAL_MS);
    try {
      await gateway.pbx('reattach', { callId, gateway: other });
      assert.deepEqual(adapter.calls!.dump().find((c) => c.callId === callId)?.owner, other);
      await gateway.pbx('reattach', { callId, gateway: other }); // idempotent
      gateway.stopHeartbeat();
      // The first run is lost 3 intervals + the grace after its last heartbeat; wait well past it.
      await sleep(3 * INTERVAL_MS + GRACE_MS + 2000);
      assert.equal(gateway.callEvents(callId).some((e) => e.state === 'disconnected'), false, 'the call still runs');
      const ended = await gateway.waitCallState(callId, 'disconnected', 15_000);
      assert.equal(ended.cause, 'normal', 'ended by the far end, not gateway-lost');
      await assert.rejects(gateway.pbx('reattach', { callId, gateway: other }), remoteCode('UCS_ERR_PBX_CALL_NOT_FOUND'), 'an ended call');
    } finally {
      clearInterval(beating);
    }
    const result = await run;
    assert.equal(result.exitCode, 0, result.log);
  });
});
