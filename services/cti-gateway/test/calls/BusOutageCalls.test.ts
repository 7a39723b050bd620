// The gateway's part of a bus outage past BUS_OUTAGE_GRACE_MS: its live calls end locally with cause
// 'bus-outage' (the next seq, so the clients and monitors hear it like any end), and once the bus is back
// they are dropped at the pbx-adapter too. A real CallRegistry; the guard and the adapter are fakes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { BusOutageGuardEvents, CallEvent } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import { BusOutageCalls } from '../../src/calls/BusOutageCalls.ts';
import { CallRegistry } from '../../src/calls/CallRegistry.ts';
import { OwnedCalls } from '../../src/calls/OwnedCalls.ts';
import type { PbxDropReason } from '../../src/bus/PbxClientTypes.ts';

function setup(owns?: (callId: string) => boolean) {
  const outage = new EventEmitter<BusOutageGuardEvents>();
  const calls = new CallRegistry({ lingerMs: 60_000 });
  const drops: Array<{ callId: string; reason: PbxDropReason }> = [];
  const pbx = {
    drop: async (callId: string, reason: PbxDropReason): Promise<void> => {
      drops.push({ callId, reason });
      if (callId === 'gone') throw new Error('UCS_ERR_PBX_CALL_NOT_FOUND');
    },
  };
  const handler = new BusOutageCalls({ outage, calls, pbx, owns, logger: testLogger('bus-outage-calls'), now: () => 50_000 });
  const changes: CallEvent[] = [];
  calls.on('callchanged', (_call, event) => changes.push(event));
  return { outage, calls, drops, handler, changes };
}

const event = (callId: string, seq: number, state: CallEvent['state'], over: Partial<CallEvent> = {}): CallEvent => ({
  callId, lineId: 'line-100', lineNumber: '100', seq, at: 1000 * seq, state, direction: 'outbound', remoteNumber: '101', mediaNodeId: 'media-1', ...over,
});

describe('calls - BusOutageCalls', () => {
  it('grace exceeded: every live call ends with cause bus-outage at the next seq; ended calls are left alone', () => {
    const { outage, calls, changes, handler } = setup();
    calls.applyCallEvent(event('a', 1, 'dialing'));
    calls.applyCallEvent(event('a', 2, 'connected', { mediaPath: 'pbx' }));
    calls.applyCallEvent(event('b', 1, 'offering', { direction: 'inbound', remoteName: 'Alice' }));
    calls.applyCallEvent(event('c', 1, 'disconnected', { cause: 'normal' }));
    changes.length = 0;
    outage.emit('graceexceeded', 20_000);
    assert.deepEqual(changes.map((e) => [e.callId, e.seq, e.state, e.cause, e.at]), [['a', 3, 'disconnected', 'bus-outage', 50_000], ['b', 2, 'disconnected', 'bus-outage', 50_000]]);
    assert.equal(changes[0]!.mediaPath, 'pbx');
    assert.equal(changes[1]!.remoteName, 'Alice');
    assert.deepEqual(calls.list().map((c) => [c.callId, c.state, c.cause]), [['a', 'disconnected', 'bus-outage'], ['b', 'disconnected', 'bus-outage'], ['c', 'disconnected', 'normal']]);
    // The adapter's own 'disconnected' (same seq) arrives later and changes nothing.
    assert.equal(calls.applyCallEvent(event('a', 3, 'disconnected', { cause: 'bus-outage' })), undefined);
    handler.close();
    calls.close();
  });

  it('bus back after an exceeded grace: the calls ended meanwhile are dropped at the adapter (bus-outage); a not-found is fine', async () => {
    const { outage, calls, drops, handler } = setup();
    calls.applyCallEvent(event('a', 1, 'connected'));
    calls.applyCallEvent(event('gone', 1, 'connected'));
    outage.emit('graceexceeded', 20_000);
    outage.emit('restored', 25_000, true);
    await handler.dropEnded();
    assert.deepEqual(drops, [{ callId: 'a', reason: 'bus-outage' }, { callId: 'gone', reason: 'bus-outage' }]);
    outage.emit('restored', 1_000, true);
    await handler.dropEnded();
    assert.equal(drops.length, 2, 'each call is dropped once');
    handler.close();
    calls.close();
  });

  it('several gateways: only the calls this run owns are dropped at the adapter after its outage (another gateway\'s went on)', async () => {
    const owned = new OwnedCalls();
    owned.add('mine');
    const { outage, calls, drops, handler } = setup((id) => owned.has(id));
    calls.applyCallEvent(event('mine', 1, 'connected'));
    calls.applyCallEvent(event('theirs', 1, 'connected'));
    outage.emit('graceexceeded', 20_000);
    assert.deepEqual(calls.list().map((c) => c.state), ['disconnected', 'disconnected'], 'both end for this gateway\'s clients');
    outage.emit('restored', 25_000, true);
    await handler.dropEnded();
    assert.deepEqual(drops, [{ callId: 'mine', reason: 'bus-outage' }]);
    handler.close();
    calls.close();
  });

  it('an outage within the grace ends nothing and drops nothing', async () => {
    const { outage, calls, drops, changes, handler } = setup();
    calls.applyCallEvent(event('a', 1, 'connected'));
    changes.length = 0;
    outage.emit('down', 1);
    outage.emit('restored', 9_000, false);
    await handler.dropEnded();
    assert.deepEqual(changes, []);
    assert.deepEqual(drops, []);
    assert.equal(calls.get('a')?.state, 'connected');
    handler.close();
    calls.close();
  });

  it('bus back after an exceeded grace: the journal is reconciled once, after the settle time; not after a short outage', async () => {
    const outage = new EventEmitter<BusOutageGuardEvents>();
    const calls = new CallRegistry();
    let reconciled = 0;
    const handler = new BusOutageCalls({ outage, calls, pbx: { drop: async () => undefined }, logger: testLogger('bus-outage-calls'), reconcile: async () => void (reconciled += 1), reconcileAfterMs: 20 });
    outage.emit('restored', 9_000, false);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(reconciled, 0);
    outage.emit('restored', 25_000, true);
    outage.emit('restored', 1_000, true);
    assert.equal(reconciled, 0, 'not at once: the others reconnect and store their events first');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(reconciled, 1);
    handler.close();
    calls.close();
  });

  it('close() stops listening', () => {
    const { outage, calls, changes, handler } = setup();
    calls.applyCallEvent(event('a', 1, 'connected'));
    changes.length = 0;
    handler.close();
    outage.emit('graceexceeded', 20_000);
    assert.deepEqual(changes, []);
    assert.equal(outage.listenerCount('graceexceeded') + outage.listenerCount('restored'), 0);
    calls.close();
  });
});
