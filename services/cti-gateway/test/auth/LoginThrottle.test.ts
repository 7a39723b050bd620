import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey, LoginThrottle } from '../../src/auth/LoginThrottle.ts';
import type { LoginAttempt, LoginThrottleOptions, LoginVerdict } from '../../src/auth/LoginThrottleTypes.ts';

/** A throttle on a hand-moved clock: maxFailures 5, base 250 ms, lockout 300 s, user slow after 20, address after 20. */
function setup(options: Partial<LoginThrottleOptions> = {}) {
  let now = 1_000_000;
  const throttle = new LoginThrottle({ maxFailures: 5, lockoutMs: 300_000, baseDelayMs: 250, now: () => now, ...options });
  return {
    throttle,
    advance: (ms: number) => {
      now += ms;
    },
    /** One attempt: reserved and settled at once as `outcome`; the verdict. */
    attempt(login: string, address: string, outcome: 'failed' | 'succeeded'): LoginVerdict {
      const v = throttle.reserve(login, address);
      if (v.kind === 'go') v.attempt[outcome]();
      return v;
    },
  };
}

function go(v: LoginVerdict): LoginAttempt {
  assert.equal(v.kind, 'go', `expected go, got ${JSON.stringify(v)}`);
  return (v as Extract<LoginVerdict, { kind: 'go' }>).attempt;
}

function refusedBy(v: LoginVerdict): string {
  return v.kind === 'refused' ? `${v.reason}:${v.retryAfterMs}` : `go:${v.waitMs}`;
}

describe('LoginThrottle', () => {
  describe('(user, address) pair', () => {
    it('reserve() counts attempts before their outcome: 200 concurrent reservations give 5 checks and 195 refusals', () => {
      const { throttle } = setup();
      const verdicts = Array.from({ length: 200 }, () => throttle.reserve('alice', '127.0.0.5'));
      assert.equal(verdicts.filter((v) => v.kind === 'go').length, 5);
      assert.deepEqual(new Set(verdicts.slice(5).map(refusedBy)), new Set(['pair:250']));
    });

    it('reserve() after n failures backs off 250·2^(n−1) ms, and the 5th failure locks out for 300 s', () => {
      const t = setup();
      const waits: string[] = [];
      for (let n = 1; n <= 4; n++) {
        go(t.attempt('alice', '10.0.0.1', 'failed'));
        waits.push(refusedBy(t.throttle.reserve('alice', '10.0.0.1')));
        t.advance(250 * 2 ** (n - 1) - 1);
        assert.equal(t.throttle.reserve('alice', '10.0.0.1').kind, 'refused', `1 ms before the end of back-off ${n}`);
        t.advance(1);
      }
      assert.deepEqual(waits, ['pair:250', 'pair:500', 'pair:1000', 'pair:2000']);
      go(t.attempt('alice', '10.0.0.1', 'failed'));
      assert.equal(refusedBy(t.throttle.reserve('alice', '10.0.0.1')), 'pair:300000');
      t.advance(299_999);
      assert.equal(refusedBy(t.throttle.reserve('alice', '10.0.0.1')), 'pair:1');
      t.advance(1);
      assert.equal(refusedBy(t.throttle.reserve('alice', '10.0.0.1')), 'go:0', 'the failures are forgotten after the lockout');
    });

    it('a success clears the pair; a released attempt is not counted; settling twice counts once', () => {
      const t = setup();
      for (let i = 0; i < 4; i++) {
        go(t.attempt('alice', '10.0.0.1', 'failed'));
        t.advance(10_000);
      }
      go(t.attempt('alice', '10.0.0.1', 'succeeded'));
      for (let i = 0; i < 4; i++) {
        go(t.attempt('alice', '10.0.0.1', 'failed'));
        t.advance(10_000);
      }
      const a = go(t.throttle.reserve('alice', '10.0.0.1'));
      a.release();
      a.failed();
      assert.equal(refusedBy(t.throttle.reserve('alice', '10.0.0.1')), 'go:0', 'still 4 failures: the release settled it');
    });

    it("a locked pair refuses neither the same user from another address nor another user from the same address", () => {
      const t = setup();
      for (let i = 0; i < 5; i++) {
        go(t.attempt('alice', '10.0.0.5', 'failed'));
        t.advance(10_000);
      }
      assert.equal(t.throttle.reserve('alice', '10.0.0.5').kind, 'refused');
      assert.equal(refusedBy(t.throttle.reserve('alice', '10.0.0.6')), 'go:0');
      assert.equal(refusedBy(t.throttle.reserve('bob', '10.0.0.5')), 'go:0');
    });

    it('user names are compared case-insensitively', () => {
      const t = setup();
      for (let i = 0; i < 5; i++) {
        go(t.attempt(i % 2 ? 'Alice' : 'ALICE', '10.0.0.5', 'failed'));
        t.advance(10_000);
      }
      assert.equal(t.throttle.reserve('alice', '10.0.0.5').kind, 'refused');
    });
  });

  describe('user over all addresses', () => {
    it('after 20 failures from 20 addresses, those addresses wait 250·2^(n−20) ms after the last one; a fresh address goes at once', () => {
      const t = setup();
      for (let i = 1; i <= 20; i++) go(t.attempt('carol', `10.1.0.${i}`, 'failed'));
      t.advance(300); // past every pair's own 250 ms back-off
      assert.equal(refusedBy(t.throttle.reserve('carol', '10.1.0.1')), 'go:0', '20 failures: 250·2^0 = 250 ms have passed');
      const t2 = setup();
      for (let i = 1; i <= 24; i++) go(t2.attempt('carol', `10.1.0.${i}`, 'failed'));
      t2.advance(300);
      assert.equal(refusedBy(t2.throttle.reserve('carol', '10.1.0.1')), `user:${250 * 2 ** 4 - 300}`, '24 failures: 4000 ms after the last');
      assert.equal(refusedBy(t2.throttle.reserve('carol', '10.2.0.1')), 'go:0', 'an address with no failure for carol');
      t2.advance(250 * 2 ** 4 - 300);
      assert.equal(refusedBy(t2.throttle.reserve('carol', '10.1.0.1')), 'go:0');
    });

    it('the per-user back-off is capped at the lockout and never holds an address the user logged in from', () => {
      const t = setup();
      go(t.attempt('carol', '10.9.9.9', 'succeeded'));
      go(t.attempt('carol', '10.9.9.9', 'failed'));
      for (let i = 1; i <= 60; i++) go(t.attempt('carol', `10.1.0.${i}`, 'failed'));
      t.advance(1000);
      assert.equal(refusedBy(t.throttle.reserve('carol', '10.1.0.1')), 'user:299000', 'capped at 300 s after the last failure');
      assert.equal(refusedBy(t.throttle.reserve('carol', '10.9.9.9')), 'go:0', 'known good: its own one failure has backed off already');
    });
  });

  describe('address over all users (NAT)', () => {
    it('after 20 distinct users failed from an address, its checks for other users wait 250 ms apart; a known user passes unspaced', () => {
      const t = setup();
      go(t.attempt('dave', '10.7.0.1', 'succeeded'));
      for (let i = 0; i < 20; i++) go(t.attempt(`user${i}`, '10.7.0.1', 'failed'));
      const waits = Array.from({ length: 4 }, (_, i) => refusedBy(t.throttle.reserve(`new${i}`, '10.7.0.1')));
      assert.deepEqual(waits, ['go:0', 'go:250', 'go:500', 'go:750']);
      assert.equal(refusedBy(t.throttle.reserve('dave', '10.7.0.1')), 'go:0', 'dave logged in from here before');
      assert.equal(refusedBy(t.throttle.reserve('erin', '10.7.0.2')), 'go:0', 'another address');
    });

    it('19 distinct users do not slow the address; only failures count', () => {
      const t = setup();
      for (let i = 0; i < 19; i++) go(t.attempt(`user${i}`, '10.7.0.1', 'failed'));
      for (let i = 0; i < 50; i++) go(t.attempt(`ok${i}`, '10.7.0.1', 'succeeded'));
      assert.equal(refusedBy(t.throttle.reserve('someone', '10.7.0.1')), 'go:0');
    });

    it('a spaced check that would wait longer than maxWaitMs is refused; the queue drains with time', () => {
      const t = setup({ maxWaitMs: 1000 });
      for (let i = 0; i < 20; i++) go(t.attempt(`user${i}`, '10.7.0.1', 'failed'));
      const waits = Array.from({ length: 6 }, (_, i) => refusedBy(t.throttle.reserve(`new${i}`, '10.7.0.1')));
      assert.deepEqual(waits, ['go:0', 'go:250', 'go:500', 'go:750', 'go:1000', 'address:250']);
      t.advance(1250);
      assert.equal(refusedBy(t.throttle.reserve('later', '10.7.0.1')), 'go:0');
    });
  });

  describe('bearer tokens', () => {
    it('20 forged tokens lock bearer logins from that address for 300 s; one forged token delays nothing', () => {
      const t = setup();
      t.throttle.bearerForged('10.8.0.1');
      assert.equal(t.throttle.bearerRetryAfter('10.8.0.1'), 0);
      assert.equal(refusedBy(t.throttle.reserve('grace', '10.8.0.1')), 'go:0', 'password logins are not affected');
      for (let i = 1; i < 20; i++) t.throttle.bearerForged('10.8.0.1');
      assert.equal(t.throttle.bearerRetryAfter('10.8.0.1'), 300_000);
      assert.equal(t.throttle.bearerRetryAfter('10.8.0.2'), 0);
      assert.equal(refusedBy(t.throttle.reserve('grace', '10.8.0.1')), 'go:0', 'password logins are still not affected');
      t.advance(300_000);
      assert.equal(t.throttle.bearerRetryAfter('10.8.0.1'), 0);
    });
  });

  it('every table is bounded by maxEntries (least recently used forgotten)', () => {
    const t = setup({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) go(t.attempt(`u${i}`, `10.${i >> 8}.${i & 255}.1`, 'failed'));
    for (let i = 0; i < 1000; i++) t.throttle.bearerForged(`10.9.${i >> 8}.${i & 255}`);
    assert.deepEqual(t.throttle.dump(), { pairs: 100, users: 100, addresses: 100, bearerAddresses: 100 });
  });

  const keys: Array<{ input: string; expected: string }> = [
    { input: '127.0.0.5', expected: '127.0.0.5' },
    { input: '::ffff:127.0.0.5', expected: '127.0.0.5' },
    { input: '2001:db8:1:2:3:4:5:6', expected: '2001:db8:1:2::/64' },
    { input: '2001:DB8:0001:0002::7', expected: '2001:db8:1:2::/64' },
    { input: '2001:db8::1', expected: '2001:db8:0:0::/64' },
    { input: 'fe80::1%eth0', expected: 'fe80:0:0:0::/64' },
    { input: '::1', expected: '0:0:0:0::/64' },
  ];
  for (const k of keys) {
    it(`addressKey(${k.input}) is ${k.expected}`, () => {
      assert.equal(addressKey(k.input), k.expected);
    });
  }
});
