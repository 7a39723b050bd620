import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { DEFAULT_SETTLE_MS, type BusConnectionState, type GatewayInstance } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import { GatewayLiveness } from '../../src/calls/GatewayLiveness.ts';
import type { GatewayLossReason } from '../../src/calls/GatewayLivenessTypes.ts';
import { FakeClock } from '../sip/FakeClock.ts';

/** The bus as the tracker sees it: connected or not, with state events. */
class FakeBus extends EventEmitter<{ state: [BusConnectionState] }> {
  connected = true;
  set(state: BusConnectionState): void {
    this.connected = state === 'connected';
    this.emit('state', state);
  }
}

const INTERVAL = 1000;
const GRACE = 5000;

function setup(owners: GatewayInstance[], options: { connected?: boolean } = {}) {
  const clock = new FakeClock();
  const bus = new FakeBus();
  bus.connected = options.connected ?? true;
  const lost: Array<{ run: GatewayInstance; reason: GatewayLossReason; at: number }> = [];
  const liveness = new GatewayLiveness({ graceMs: GRACE, owners: () => owners, bus, logger: testLogger('liveness'), defaultIntervalMs: INTERVAL, checkEveryMs: 100, clock });
  liveness.on('lost', (run, reason) => lost.push({ run, reason, at: clock.now() }));
  liveness.start();
  /** Heartbeats of `run` every interval for `ms`. */
  const beat = (run: GatewayInstance, ms: number): void => {
    for (let t = 0; t < ms; t += INTERVAL) {
      liveness.heartbeat({ ...run, at: clock.now(), intervalMs: INTERVAL });
      clock.advance(INTERVAL);
    }
  };
  return { clock, bus, lost, liveness, beat };
}

const gw = { instanceId: 'gw-1', startedAt: 1000 };

describe('calls - GatewayLiveness', () => {
  it('check() with a run heard every interval emits nothing', () => {
    const { lost, beat, liveness } = setup([gw]);
    beat(gw, 60_000);
    assert.deepEqual(lost, []);
    liveness.close();
  });

  it('check() with a run silent for 3 intervals emits lost (expired) once the grace has passed', () => {
    const { clock, lost, beat, liveness } = setup([gw]);
    beat(gw, 5000);
    const silentFrom = clock.now() - INTERVAL; // the last heartbeat
    clock.advance(silentFrom + 3 * INTERVAL + GRACE - 300 - clock.now());
    assert.equal(lost.length, 0, 'not before 3 intervals + grace');
    clock.advance(1000);
    assert.equal(lost.length, 1);
    assert.deepEqual(lost[0]!.run, gw);
    assert.equal(lost[0]!.reason, 'expired');
    const after = lost[0]!.at - silentFrom;
    assert.ok(after >= 3 * INTERVAL + GRACE && after <= 3 * INTERVAL + GRACE + 200, `lost ${after} ms after the last heartbeat`);
    liveness.close();
  });

  it('check() with a heartbeat of the same run within the grace keeps the calls', () => {
    const { clock, lost, beat, liveness } = setup([gw]);
    beat(gw, 2000);
    clock.advance(3 * INTERVAL + 1000); // expired, grace running
    beat(gw, 10_000);
    clock.advance(GRACE);
    assert.deepEqual(lost, []);
    liveness.close();
  });

  it('check() after the lost run\'s last call was re-attached to another run (issue 18): the grace ends nothing', () => {
    const owners = [gw];
    const { clock, lost, beat, liveness } = setup(owners);
    const other = { instanceId: 'gw-2', startedAt: 2000 };
    beat(gw, 2000);
    clock.advance(3 * INTERVAL + 1000); // gw-1 expired, grace running
    owners.splice(0, owners.length, other); // CallRegistry.reattach: gw-2 owns the call now
    for (let t = 0; t < GRACE + 3000; t += INTERVAL) {
      liveness.heartbeat({ ...other, at: clock.now(), intervalMs: INTERVAL });
      clock.advance(INTERVAL);
    }
    assert.deepEqual(lost, [], 'neither the former owner nor the new one is lost');
    liveness.close();
  });

  it('heartbeat() of the same instance with a newer startedAt makes the older run lost (restarted) after the grace', () => {
    const { clock, lost, beat, liveness } = setup([gw]);
    beat(gw, 2000);
    const restarted = { instanceId: 'gw-1', startedAt: 5000 };
    beat(restarted, 2000);
    clock.advance(GRACE);
    assert.equal(lost.length, 1);
    assert.deepEqual(lost[0]!.run, gw);
    assert.equal(lost[0]!.reason, 'restarted');
    liveness.close();
  });

  it('heartbeat() of an older run after a newer one is ignored', () => {
    const newer = { instanceId: 'gw-1', startedAt: 5000 };
    const { clock, lost, beat, liveness } = setup([newer]);
    beat(newer, 2000);
    liveness.heartbeat({ ...gw, at: clock.now(), intervalMs: INTERVAL });
    beat(newer, 10_000);
    assert.deepEqual(lost, []);
    liveness.close();
  });

  it('check() with a run never heard counts its silence from when a call first named it', () => {
    const { clock, lost, liveness } = setup([gw]);
    clock.advance(3 * INTERVAL + GRACE + 500);
    assert.equal(lost.length, 1);
    assert.equal(lost[0]!.reason, 'expired');
    liveness.close();
  });

  it('check() while our own bus is down, and for one interval after it is back, does not expire anything', () => {
    const { clock, bus, lost, beat, liveness } = setup([gw]);
    beat(gw, 2000);
    bus.set('reconnecting');
    clock.advance(30_000);
    assert.deepEqual(lost, [], 'silence while we are disconnected is no evidence');
    bus.set('connected');
    clock.advance(INTERVAL / 2);
    beat(gw, 5000);
    assert.deepEqual(lost, [], 'the gateway heard again after our reconnect');
    liveness.close();
  });

  it('check() after our reconnect counts the silence from the reconnect plus the time the others need to reconnect', () => {
    const { clock, bus, lost, beat, liveness } = setup([gw]);
    beat(gw, 2000);
    bus.set('reconnecting');
    clock.advance(30_000);
    bus.set('connected');
    clock.advance(DEFAULT_SETTLE_MS + 3 * INTERVAL + GRACE - 300);
    assert.deepEqual(lost, []);
    clock.advance(600);
    assert.equal(lost.length, 1);
    liveness.close();
  });

  it('close() stops the checks', () => {
    const { clock, lost, liveness } = setup([gw]);
    liveness.close();
    liveness.close();
    clock.advance(60_000);
    assert.deepEqual(lost, []);
    assert.equal(clock.pending, 0);
  });
});
