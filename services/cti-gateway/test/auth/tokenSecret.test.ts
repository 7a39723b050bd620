// The login tokens' key when AUTH_TOKEN_SECRET is unset: generated once, kept in the database, the same for
// every gateway on it (two starting at once included) and across restarts; a configured secret wins.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testLogger } from '@ucserver/testkit';
import { dbSchema, openDatabase } from '@ucserver/shared/db';
import { tokenSecret } from '../../src/auth/tokenSecret.ts';
import { TokenService } from '../../src/auth/TokenService.ts';

describe('tokenSecret', () => {
  it('PostgreSQL: two gateways starting at once get one key, a restart gets it again, tokens of one pass the other', async () => {
    const pg = await createTestDatabase();
    const first = await openDatabase({ url: pg.url, logger: testLogger() });
    const second = await openDatabase({ url: pg.url, logger: testLogger() });
    try {
      const [a, b] = await Promise.all([tokenSecret(first.db, undefined), tokenSecret(second.db, undefined)]);
      assert.equal(a, b);
      assert.match(a, /^[A-Za-z0-9_-]{43}$/, '32 random bytes');
      assert.equal(await tokenSecret(first.db, undefined), a, 'the same after a restart');
      assert.equal((await first.db.select().from(dbSchema.serverSecrets)).length, 1);
      const user = { id: '00000000-0000-4000-8000-000000000001', login: 'alice', tokenVersion: 0 };
      const token = new TokenService(a, 60).issue(user);
      assert.equal(new TokenService(b, 60).verify(token).ok, true, 'a token of one gateway passes the other');
      assert.equal(new TokenService('another secret', 60).verify(token).ok, false, 'and not a gateway with another key');
      assert.equal(await tokenSecret(first.db, 'configured'), 'configured', 'AUTH_TOKEN_SECRET wins');
    } finally {
      await first.close();
      await second.close();
      await pg.drop();
    }
  });

  it('PGlite: created on first use and kept', async () => {
    const database = await openDatabase({ pgliteDir: 'memory://', logger: testLogger() });
    try {
      const key = await tokenSecret(database.db, undefined);
      assert.equal(await tokenSecret(database.db, undefined), key);
    } finally {
      await database.close();
    }
  });
});
