import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type Database } from '@ucserver/shared/db';
import { testLogger } from '@ucserver/testkit';
import { Authenticator } from '../../src/auth/Authenticator.ts';
import type { LoginOutcome } from '../../src/auth/AuthenticatorTypes.ts';
import { LoginThrottle } from '../../src/auth/LoginThrottle.ts';
import { TokenService } from '../../src/auth/TokenService.ts';
import { AccountDisabledError, AuthenticationError, LockedOutError } from '../../src/errors.ts';
import { UserStore } from '../../src/users/UserStore.ts';

describe('Authenticator (PGlite users, real scrypt)', () => {
  let database: Database;
  let users: UserStore;
  before(async () => {
    database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    users = new UserStore(database.db);
    for (const login of ['alice', 'bob', 'carol', 'dave', 'erin']) await users.create({ login, password: `${login}-pw` });
  });
  after(async () => {
    await database.close();
  });

  /** A fresh authenticator (own throttle) that records its password checks, outcomes and waits. */
  function auth(options: { baseDelayMs?: number; addressSlowAfter?: number; adminToken?: string } = {}) {
    const waits: number[] = [];
    const a = new Authenticator({
      users,
      tokens: new TokenService('secret', 3600),
      throttle: new LoginThrottle({ maxFailures: 5, lockoutMs: 300_000, baseDelayMs: options.baseDelayMs ?? 0, ...(options.addressSlowAfter ? { addressSlowAfter: options.addressSlowAfter } : {}) }),
      logger: testLogger(),
      adminToken: options.adminToken,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const checks = { n: 0 };
    const outcomes: LoginOutcome[] = [];
    a.on('passwordcheck', () => checks.n++);
    a.on('login', (o) => outcomes.push(o));
    return { a, checks, outcomes, waits };
  }

  it('authenticate() with 50 concurrent wrong passwords checks 5 and refuses 45 with LockedOutError unchecked', async () => {
    const { a, checks, outcomes } = auth();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => a.authenticate({ kind: 'basic', login: 'alice', password: `guess${i}` }, '10.0.0.5')));
    assert.equal(checks.n, 5);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof AuthenticationError).length, 5);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockedOutError).length, 45);
    assert.equal(outcomes.filter((o) => o.result === 'throttled').length, 45);
    // the right password from another address, and another user from this one, go through
    assert.equal((await a.authenticate({ kind: 'basic', login: 'alice', password: 'alice-pw' }, '10.0.0.6')).user.login, 'alice');
    assert.equal((await a.authenticate({ kind: 'basic', login: 'bob', password: 'bob-pw' }, '10.0.0.5')).user.login, 'bob');
  });

  it('authenticate() with an oversized login or password fails without a check', async () => {
    const { a, checks } = auth();
    await assert.rejects(a.authenticate({ kind: 'basic', login: 'x'.repeat(1_000_000), password: 'p' }, '10.0.0.7'), AuthenticationError);
    await assert.rejects(a.authenticate({ kind: 'basic', login: 'alice', password: 'p'.repeat(5000) }, '10.0.0.7'), AuthenticationError);
    assert.equal(checks.n, 0);
  });

  it('authenticate() from an address spraying 20 users waits its turn (injected sleep) and still lets a right password in', async () => {
    const { a, waits } = auth({ baseDelayMs: 100, addressSlowAfter: 20 });
    for (let i = 0; i < 20; i++) await assert.rejects(a.authenticate({ kind: 'basic', login: `ghost${i}`, password: 'x' }, '10.0.0.8'), AuthenticationError);
    const [first, second] = await Promise.all([
      a.authenticate({ kind: 'basic', login: 'carol', password: 'carol-pw' }, '10.0.0.8'),
      a.authenticate({ kind: 'basic', login: 'dave', password: 'dave-pw' }, '10.0.0.8'),
    ]);
    assert.equal(first.user.login, 'carol');
    assert.equal(second.user.login, 'dave');
    assert.equal(waits.length, 1, 'the second check waited for the first one\'s slot');
    assert.ok(waits[0]! > 0 && waits[0]! <= 100, `waited ${waits[0]} ms`);
  });

  it('a token is accepted until the password changes, then refused; the new password gives a working token', async () => {
    const { a } = auth();
    const { token } = await a.authenticate({ kind: 'basic', login: 'bob', password: 'bob-pw' }, '10.0.1.1');
    assert.equal((await a.authenticate({ kind: 'bearer', token }, '10.0.1.1')).user.login, 'bob');
    await users.update('bob', { password: 'bob-pw2' });
    await assert.rejects(a.authenticate({ kind: 'bearer', token }, '10.0.1.1'), AuthenticationError);
    const fresh = await a.authenticate({ kind: 'basic', login: 'bob', password: 'bob-pw2' }, '10.0.1.1');
    assert.equal((await a.authenticate({ kind: 'bearer', token: fresh.token }, '10.0.1.1')).user.login, 'bob');
  });

  it('a disabled user gets AccountDisabledError for the right password, AuthenticationError for a wrong one or a token', async () => {
    const { a, outcomes } = auth();
    const { token } = await a.authenticate({ kind: 'basic', login: 'erin', password: 'erin-pw' }, '10.0.2.1');
    const revoked: string[] = [];
    users.once('credentialsrevoked', (u, reason) => revoked.push(`${u.login}:${reason}`));
    await users.update('erin', { disabled: true });
    assert.deepEqual(revoked, ['erin:account disabled']);
    await assert.rejects(a.authenticate({ kind: 'basic', login: 'erin', password: 'erin-pw' }, '10.0.2.1'), AccountDisabledError);
    await assert.rejects(a.authenticate({ kind: 'basic', login: 'erin', password: 'wrong' }, '10.0.2.1'), AuthenticationError);
    await assert.rejects(a.authenticate({ kind: 'bearer', token }, '10.0.2.1'), AuthenticationError);
    await users.update('erin', { disabled: false });
    assert.equal((await a.authenticate({ kind: 'basic', login: 'erin', password: 'erin-pw' }, '10.0.2.1')).user.login, 'erin');
    await assert.rejects(a.authenticate({ kind: 'bearer', token }, '10.0.2.1'), AuthenticationError, 'a token of before the disable stays dead');
    assert.ok(outcomes.some((o) => o.method === 'password' && o.result === 'disabled'));
  });

  it('isAdminToken() compares in constant time; a wrong one delays no login; 20 forged tokens lock bearer logins of that address only', async () => {
    const { a } = auth({ adminToken: 'the-admin-token' });
    assert.equal(a.isAdminToken('the-admin-token', '10.0.3.1'), true);
    assert.equal(a.isAdminToken('the-admin-tokeN', '10.0.3.1'), false);
    await assert.rejects(a.authenticate({ kind: 'bearer', token: 'the-admin-tokeN' }, '10.0.3.1'), AuthenticationError);
    assert.equal((await a.authenticate({ kind: 'basic', login: 'dave', password: 'dave-pw' }, '10.0.3.1')).user.login, 'dave');
    for (let i = 1; i < 20; i++) await assert.rejects(a.authenticate({ kind: 'bearer', token: `forged.${i}` }, '10.0.3.1'), AuthenticationError);
    assert.throws(() => a.isAdminToken('the-admin-token', '10.0.3.1'), LockedOutError);
    await assert.rejects(a.authenticate({ kind: 'bearer', token: 'x' }, '10.0.3.1'), LockedOutError);
    assert.equal(a.isAdminToken('the-admin-token', '10.0.3.2'), true, 'another address');
    assert.equal((await a.authenticate({ kind: 'basic', login: 'dave', password: 'dave-pw' }, '10.0.3.1')).user.login, 'dave', 'passwords still work');
  });

  it('a database failure during the check releases the reservation uncounted', async () => {
    const gone = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    await gone.close();
    const throttle = new LoginThrottle({ maxFailures: 1, lockoutMs: 60_000, baseDelayMs: 0 });
    const a = new Authenticator({ users: new UserStore(gone.db), tokens: new TokenService('s', 60), throttle, logger: testLogger() });
    // with maxFailures 1, a counted attempt would lock the pair: the third one would be LockedOutError
    for (let i = 0; i < 3; i++) {
      await assert.rejects(a.authenticate({ kind: 'basic', login: 'alice', password: 'alice-pw' }, '10.0.4.1'), (e: unknown) => !(e instanceof LockedOutError) && !(e instanceof AuthenticationError));
    }
  });
});
