// RFC 4028 session timer negotiation (pure) and the running SessionTimer (fake clock).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTimer } from '../../src/calls/SessionTimer.ts';
import { requestSessionHeaders, sessionTimerDelays, uacSessionTimer, uasSessionTimer } from '../../src/calls/sessionTimers.ts';
import { SipHeaders } from '../../src/sip/mod.ts';
import { FakeClock } from '../sip/FakeClock.ts';

const headers = (lines: Array<[string, string]>): SipHeaders => new SipHeaders(lines);

describe('uasSessionTimer()', () => {
  const rows: Array<{ name: string; input: Array<[string, string]>; configured?: number; expected: unknown }> = [
    {
      name: 'an interval and Supported: timer, no refresher (we refresh)',
      input: [['Session-Expires', '1800'], ['Supported', 'timer']],
      expected: { kind: 'accept', spec: { interval: 1800, refresher: 'local' }, headers: [['Session-Expires', '1800;refresher=uas'], ['Require', 'timer']] },
    },
    {
      name: 'refresher=uac with Supported: timer (the caller refreshes)',
      input: [['Session-Expires', '600;refresher=uac'], ['Supported', 'timer, 100rel']],
      expected: { kind: 'accept', spec: { interval: 600, refresher: 'remote' }, headers: [['Session-Expires', '600;refresher=uac'], ['Require', 'timer']] },
    },
    {
      name: 'refresher=uac without Supported: timer (a UAC that cannot refresh: we must)',
      input: [['Session-Expires', '600;refresher=uac']],
      expected: { kind: 'accept', spec: { interval: 600, refresher: 'local' }, headers: [['Session-Expires', '600;refresher=uas']] },
    },
    {
      name: 'a longer interval than ours is lowered to ours',
      input: [['Session-Expires', '7200'], ['Supported', 'timer']],
      configured: 1800,
      expected: { kind: 'accept', spec: { interval: 1800, refresher: 'local' }, headers: [['Session-Expires', '1800;refresher=uas'], ['Require', 'timer']] },
    },
    {
      name: 'lowering never goes below the request Min-SE',
      input: [['Session-Expires', '7200'], ['Min-SE', '3600'], ['Supported', 'timer']],
      configured: 1800,
      expected: { kind: 'accept', spec: { interval: 3600, refresher: 'local' }, headers: [['Session-Expires', '3600;refresher=uas'], ['Require', 'timer']] },
    },
    {
      name: 'an interval below our Min-SE of 90 s',
      input: [['Session-Expires', '60'], ['Supported', 'timer']],
      expected: { kind: 'reject', status: 422, headers: [['Min-SE', '90']] },
    },
    {
      name: 'no Session-Expires but Supported: timer (we add one)',
      input: [['Supported', 'timer']],
      expected: { kind: 'accept', spec: { interval: 1800, refresher: 'local' }, headers: [['Session-Expires', '1800;refresher=uas'], ['Require', 'timer']] },
    },
    { name: 'neither Session-Expires nor timer support', input: [], expected: { kind: 'accept', spec: undefined, headers: [] } },
    { name: 'a malformed Session-Expires (treated as absent)', input: [['Session-Expires', 'soon']], expected: { kind: 'accept', spec: undefined, headers: [] } },
    { name: 'session timers disabled (SIP_SESSION_EXPIRES_S=0)', input: [['Session-Expires', '60'], ['Supported', 'timer']], configured: 0, expected: { kind: 'accept', spec: undefined, headers: [] } },
  ];
  for (const row of rows) {
    it(`uasSessionTimer() with ${row.name}`, () => assert.deepEqual(uasSessionTimer(headers(row.input), row.configured ?? 1800), row.expected));
  }
});

describe('uacSessionTimer()', () => {
  const rows: Array<{ name: string; input: Array<[string, string]>; expected: unknown }> = [
    { name: 'refresher=uac (we refresh)', input: [['Session-Expires', '900;refresher=uac']], expected: { interval: 900, refresher: 'local' } },
    { name: 'refresher=uas (the callee refreshes)', input: [['Session-Expires', '900;refresher=uas']], expected: { interval: 900, refresher: 'remote' } },
    { name: 'no refresher (we refresh)', input: [['Session-Expires', '900']], expected: { interval: 900, refresher: 'local' } },
    { name: 'no Session-Expires (no timer)', input: [], expected: undefined },
  ];
  for (const row of rows) it(`uacSessionTimer() with ${row.name}`, () => assert.deepEqual(uacSessionTimer(headers(row.input)), row.expected));
});

describe('requestSessionHeaders() / sessionTimerDelays()', () => {
  it('requestSessionHeaders() offers our interval and Min-SE, refresher=uac on refreshes', () => {
    assert.deepEqual(requestSessionHeaders(1800, false), [['Session-Expires', '1800'], ['Min-SE', '90']]);
    assert.deepEqual(requestSessionHeaders(30, true), [['Session-Expires', '90;refresher=uac'], ['Min-SE', '90']]);
    assert.deepEqual(requestSessionHeaders(0, false), []);
  });
  it('sessionTimerDelays() refreshes at half the interval and expires 32 s (or a third) before its end', () => {
    assert.deepEqual(sessionTimerDelays({ interval: 1800, refresher: 'local' }), { refreshMs: 900_000, expireMs: 1_768_000 });
    assert.deepEqual(sessionTimerDelays({ interval: 90, refresher: 'remote' }), { refreshMs: 45_000, expireMs: 60_000 });
  });
});

describe('SessionTimer', () => {
  it('arm() as refresher fires onRefresh at half the interval; re-arming restarts it', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const timer = new SessionTimer({ clock, onRefresh: () => fired.push(`refresh@${clock.now()}`), onExpire: () => fired.push(`expire@${clock.now()}`) });
    timer.arm({ interval: 90, refresher: 'local' });
    clock.advance(44_999);
    timer.arm({ interval: 90, refresher: 'local' });
    clock.advance(45_000);
    assert.deepEqual(fired, ['refresh@89999']);
  });
  it('arm() as the other side fires onExpire before the interval ends; stop() and arm(undefined) cancel', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const timer = new SessionTimer({ clock, onRefresh: () => fired.push('refresh'), onExpire: () => fired.push(`expire@${clock.now()}`) });
    timer.arm({ interval: 120, refresher: 'remote' });
    clock.advance(200_000);
    timer.arm({ interval: 120, refresher: 'remote' });
    timer.arm(undefined);
    timer.arm({ interval: 120, refresher: 'remote' });
    timer.stop();
    clock.advance(200_000);
    assert.deepEqual(fired, ['expire@88000']);
    assert.equal(clock.pending, 0);
  });
});
