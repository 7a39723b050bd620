import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { MigrationError } from '@ucserver/shared';
import { dbSchema, hashPassword, openDatabase, verifyPassword, type Database } from '@ucserver/shared/db';
import { createTestDatabase, testLogger } from '@ucserver/testkit';

const { users, lines, calls, lineRouting } = dbSchema;

/** drizzle wraps driver errors ("Failed query: …"); the constraint's name is in the cause. */
function dbError(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    const cause = (err as Error & { cause?: Error }).cause;
    assert.match(String(cause?.message ?? (err as Error).message), pattern);
    return true;
  };
}

/** One suite, run against each driver: the same schema and migrations must behave the same. */
function suite(name: string, open: () => Promise<{ database: Database; dispose(): Promise<void> }>): void {
  describe(`db - ${name}`, () => {
    let database: Database;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ database, dispose } = await open());
    });
    after(async () => {
      await database.close();
      await dispose();
    });

    it('openDatabase() applies the migrations: every table exists and ping() answers', async () => {
      assert.equal(await database.ping(), true);
      const rows = await database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`);
      const names = (rows as unknown as { rows: Array<{ table_name: string }> }).rows.map((r) => r.table_name);
      assert.deepEqual(names, ['calls', 'client_content', 'line_capture', 'line_routing', 'lines', 'pickup_group_members', 'pickup_groups', 'server_secrets', 'user_presence', 'users']);
    });

    it('users, lines and calls round-trip through drizzle', async () => {
      const [alice] = await database.db.insert(users).values({ login: 'alice', displayName: 'Alice', passwordHash: 'x', role: 'admin' }).returning();
      assert.ok(alice);
      // migration 0002: a new user is enabled, at credential version 0
      assert.equal(alice.disabled, false);
      assert.equal(alice.tokenVersion, 0);
      const [line] = await database.db.insert(lines).values({ number: '100', sipUri: 'sip:100@pbx', registrar: '127.0.0.1:5060', authUser: '100', authPassword: 'pw', ownerUserId: alice.id }).returning();
      assert.ok(line);
      assert.equal(line.transport, 'udp');
      assert.equal(line.enabled, true);
      const startedAt = new Date('2026-11-26T10:00:00.000Z');
      await database.db.insert(calls).values({ callId: 'c1', lineId: line.id, lineNumber: '100', ownerUserId: alice.id, direction: 'outbound', remoteNumber: '101', startedAt });
      await database.db.insert(calls).values({ callId: 'c2', lineId: line.id, lineNumber: '100', direction: 'inbound', startedAt });
      const rows = await database.db.select().from(calls).where(eq(calls.lineId, line.id)).orderBy(calls.transactionId);
      assert.deepEqual(rows.map((r) => r.callId), ['c1', 'c2']);
      assert.equal(rows[0]!.startedAt.toISOString(), startedAt.toISOString());
      assert.ok(rows[1]!.transactionId > rows[0]!.transactionId, 'transaction ids grow');
    });

    it('the unique login constraint rejects a duplicate user', async () => {
      await database.db.insert(users).values({ login: 'bob', passwordHash: 'x' });
      await assert.rejects(database.db.insert(users).values({ login: 'bob', passwordHash: 'y' }), dbError(/users_login_unique/));
    });

    it('the role check rejects an unknown role', async () => {
      await assert.rejects(database.db.insert(users).values({ login: 'eve', passwordHash: 'x', role: 'root' as 'admin' }), dbError(/users_role_check/));
    });

    it('deleting a line keeps its journal rows (line_id set null)', async () => {
      const [line] = await database.db.insert(lines).values({ number: '900', sipUri: 'sip:900@pbx', registrar: 'pbx:5060' }).returning();
      await database.db.insert(calls).values({ callId: 'c900', lineId: line!.id, lineNumber: '900', direction: 'inbound', startedAt: new Date() });
      await database.db.delete(lines).where(eq(lines.id, line!.id));
      const [row] = await database.db.select().from(calls).where(eq(calls.callId, 'c900'));
      assert.equal(row?.lineId, null);
      assert.equal(row?.lineNumber, '900');
    });

    it('line_routing (migration 0004): DND off and no forwards by default, forwards as jsonb, deleted with its line', async () => {
      const [line] = await database.db.insert(lines).values({ number: '901', sipUri: 'sip:901@pbx', registrar: 'pbx:5060' }).returning();
      const [fresh] = await database.db.insert(lineRouting).values({ lineId: line!.id }).returning();
      assert.equal(fresh?.dnd, false);
      assert.deepEqual(fresh?.forwards, []);
      const forwards = [{ mode: 'no-answer' as const, destination: '102', noAnswerS: 5 }];
      await database.db.update(lineRouting).set({ dnd: true, forwards }).where(eq(lineRouting.lineId, line!.id));
      const [set] = await database.db.select().from(lineRouting).where(eq(lineRouting.lineId, line!.id));
      assert.deepEqual([set?.dnd, set?.forwards], [true, forwards]);
      await database.db.delete(lines).where(eq(lines.id, line!.id));
      assert.equal((await database.db.select().from(lineRouting).where(eq(lineRouting.lineId, line!.id))).length, 0);
    });
  });
}

suite('PostgreSQL (node-postgres)', async () => {
  const testDb = await createTestDatabase();
  const database = await openDatabase({ url: testDb.url, logger: testLogger() });
  return { database, dispose: testDb.drop };
});

suite('PGlite (in memory)', async () => {
  const database = await openDatabase({ pgliteDir: 'memory://', logger: testLogger() });
  return { database, dispose: async () => {} };
});

describe('db - migrations', () => {
  it('openDatabase() on an existing PostgreSQL database migrates once and keeps data across reopen', async () => {
    const testDb = await createTestDatabase();
    try {
      const first = await openDatabase({ url: testDb.url });
      await first.db.insert(users).values({ login: 'keep', passwordHash: 'x' });
      await first.close();
      const second = await openDatabase({ url: testDb.url });
      const rows = await second.db.select().from(users);
      assert.deepEqual(rows.map((r) => r.login), ['keep']);
      await second.close();
    } finally {
      await testDb.drop();
    }
  });

  it('openDatabase() with an on-disk PGlite directory persists across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ucs-pglite-'));
    try {
      const first = await openDatabase({ pgliteDir: dir });
      await first.db.insert(users).values({ login: 'disk', passwordHash: 'x' });
      await first.close();
      const second = await openDatabase({ pgliteDir: dir });
      const rows = await second.db.select().from(users);
      assert.deepEqual(rows.map((r) => r.login), ['disk']);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openDatabase() with an unreachable PostgreSQL rejects with MigrationError', async () => {
    await assert.rejects(openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', connectAttempts: 2 }), MigrationError);
  });
});

describe('db - passwords', () => {
  it('verifyPassword() accepts the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('s3cret-ä');
    assert.match(hash, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('s3cret-ä', hash), true);
    assert.equal(await verifyPassword('s3cret-a', hash), false);
  });

  it('hashPassword() salts: the same password hashes differently', async () => {
    assert.notEqual(await hashPassword('x'), await hashPassword('x'));
  });

  for (const stored of ['', 'plain', 'scrypt$1$8$1$a$b', 'bcrypt$x$y$z$a$b', 'scrypt$99999999$8$1$a$b']) {
    it(`verifyPassword() against malformed hash ${JSON.stringify(stored)} is false`, async () => {
      assert.equal(await verifyPassword('x', stored), false);
    });
  }
});
