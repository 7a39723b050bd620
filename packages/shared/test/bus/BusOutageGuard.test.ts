// The rule every heartbeat judge shares (heartbeatSilent) and the service's view of its own bus
// (BusOutageGuard): table-driven for the pure rule, a fake bus and clock for the guard.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { BusOutageGuard, DEFAULT_SETTLE_MS, heartbeatSilent, type BusConnectionState } from '@ucserver/shared';

describe('heartbeatSilent()', () => {
  // A party beating every 1000 ms, gone after 3 missed intervals.
  const base = { intervalMs: 1000, missed: 3 };
  const rows: Array<{ name: string; now: number; lastSeen: number; connectedSince: number | undefined; settleMs?: number; silent: boolean }> = [
    { name: 'heard recently', now: 10_000, lastSeen: 9_500, connectedSince: 0, silent: false },
    { name: 'silent exactly 3 intervals (not more)', now: 10_000, lastSeen: 7_000, connectedSince: 0, silent: false },
    { name: 'silent just over 3 intervals', now: 10_001, lastSeen: 7_000, connectedSince: 0, silent: true },
    { name: 'our bus is down: never', now: 60_000, lastSeen: 0, connectedSince: undefined, silent: false },
    { name: 'back for less than one interval: not judged', now: 30_500, lastSeen: 0, connectedSince: 30_000, silent: false },
    { name: 'back for 2 intervals, silence counted from the reconnect', now: 32_000, lastSeen: 0, connectedSince: 30_000, silent: false },
    { name: 'back for over 3 intervals and still silent', now: 33_001, lastSeen: 0, connectedSince: 30_000, silent: true },
    { name: 'heard after the reconnect', now: 33_500, lastSeen: 33_000, connectedSince: 30_000, silent: false },
    { name: 'within the settle time after the reconnect', now: 36_000, lastSeen: 0, connectedSince: 30_000, settleMs: 7000, silent: false },
    { name: 'settle + 3 intervals, not more', now: 40_000, lastSeen: 0, connectedSince: 30_000, settleMs: 7000, silent: false },
    { name: 'past settle + 3 intervals', now: 40_001, lastSeen: 0, connectedSince: 30_000, settleMs: 7000, silent: true },
    { name: 'heard during the settle time, then silent', now: 39_001, lastSeen: 36_000, connectedSince: 30_000, settleMs: 7000, silent: false },
  ];
  for (const r of rows) {
    it(r.name, () => {
      assert.equal(heartbeatSilent({ ...base, now: r.now, lastSeen: r.lastSeen, connectedSince: r.connectedSince, settleMs: r.settleMs }), r.silent);
    });
  }
});

class FakeBus extends EventEmitter<{ state: [BusConnectionState] }> {
  connected = true;
  set(state: BusConnectionState): void {
    this.connected = state === 'connected';
    this.emit('state', state);
  }
}

/** A guard on a fake bus with a manual clock and timers. */
function setup(graceMs: number, connected = true) {
  let now = 1_000_000;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 0;
  const bus = new FakeBus();
  bus.connected = connected;
  const guard = new BusOutageGuard({
    bus,
    graceMs,
    now: () => now,
    setTimer: (fn, ms) => {
      timers.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimer: (h) => timers.delete(h as number),
  });
  const events: string[] = [];
  guard.on('down', () => events.push('down'));
  guard.on('graceexceeded', (ms) => events.push(`exceeded ${ms}`));
  guard.on('restored', (ms, exceeded) => events.push(`restored ${ms} ${exceeded}`));
  const advance = (ms: number): void => {
    now += ms;
    for (const [id, t] of [...timers]) {
      if (t.at > now) continue;
      timers.delete(id);
      t.fn();
    }
  };
  return { bus, guard, events, advance, timers, now: () => now };
}

describe('BusOutageGuard', () => {
  it('an outage shorter than the grace: down, restored, never exceeded; no timer left', () => {
    const { bus, guard, events, advance, timers } = setup(30_000);
    bus.set('reconnecting');
    advance(9_000);
    bus.set('connected');
    advance(60_000);
    assert.deepEqual(events, ['down', 'restored 9000 false']);
    assert.equal(guard.exceeded, false);
    assert.equal(timers.size, 0);
  });

  it('an outage longer than the grace: graceexceeded once, at the grace; restored says so', () => {
    const { bus, guard, events, advance } = setup(20_000);
    bus.set('reconnecting');
    advance(19_999);
    assert.deepEqual(events, ['down']);
    advance(1);
    assert.equal(guard.exceeded, true);
    advance(10_000);
    bus.set('connected');
    assert.deepEqual(events, ['down', 'exceeded 20000', 'restored 30000 true']);
    assert.equal(guard.exceeded, false);
  });

  it('repeated down states (reconnecting, then connecting) are one outage, timed from the first', () => {
    const { bus, events, advance } = setup(10_000);
    bus.set('reconnecting');
    advance(4_000);
    bus.set('connecting');
    advance(6_000);
    assert.deepEqual(events, ['down', 'exceeded 10000']);
  });

  it('silent(): nothing is judged while down; after the reconnect the others get the settle time', () => {
    const { bus, guard, advance, now } = setup(30_000);
    const lastSeen = now();
    advance(3_500);
    assert.equal(guard.silent(lastSeen, 1000, 3), true, 'connected since the start: no settle time');
    bus.set('reconnecting');
    advance(60_000);
    assert.equal(guard.silent(lastSeen, 1000, 3), false, 'down');
    bus.set('connected');
    advance(DEFAULT_SETTLE_MS + 3000);
    assert.equal(guard.silent(lastSeen, 1000, 3), false, 'within settle + 3 intervals of the reconnect');
    advance(1);
    assert.equal(guard.silent(lastSeen, 1000, 3), true);
    assert.equal(guard.silent(now() - 500, 1000, 3), false, 'heard just now');
  });

  it('a guard created while the bus is down starts the outage at once', () => {
    const { events, guard, advance } = setup(5_000, false);
    assert.notEqual(guard.downSince, undefined);
    advance(5_000);
    assert.deepEqual(events, ['exceeded 5000']);
  });

  it('an infinite grace arms no timer (a guard that only answers silence questions)', () => {
    const { bus, events, timers, advance } = setup(Number.POSITIVE_INFINITY);
    bus.set('reconnecting');
    assert.equal(timers.size, 0);
    advance(10 * 3_600_000);
    assert.deepEqual(events, ['down']);
  });

  it('close() stops listening and clears the timer; idempotent', () => {
    const { bus, guard, events, timers, advance } = setup(1_000);
    bus.set('reconnecting');
    guard.close();
    guard.close();
    assert.equal(timers.size, 0);
    advance(5_000);
    bus.set('connected');
    assert.deepEqual(events, ['down']);
    assert.equal(bus.listenerCount('state'), 0);
  });
});
