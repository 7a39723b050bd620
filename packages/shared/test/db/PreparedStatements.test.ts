// Prepared statements (PreparedStatements, StatementValues) on both drivers: the same rows as the
// statement built each time, one execution counted per run, PostgreSQL really holding the named statement.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asc, eq, sql } from 'drizzle-orm';
import { dbSchema, openDatabase, PreparedStatements, statementName, StatementValues, type Database } from '@ucserver/shared/db';
import { createTestDatabase, testLogger } from '@ucserver/testkit';

const { lines, lineRouting } = dbSchema;

function suite(name: string, open: () => Promise<{ database: Database; dispose(): Promise<void> }>): void {
  describe(`db - prepared statements on ${name}`, () => {
    let database: Database;
    let dispose: () => Promise<void>;
    const ids: string[] = [];
    before(async () => {
      ({ database, dispose } = await open());
      for (const n of ['100', '101', '102']) {
        const [row] = await database.db.insert(lines).values({ number: n, registrar: 'pbx', sipUri: `sip:${n}@pbx`, displayName: n, authUser: n }).returning();
        ids.push(row!.id);
      }
      await database.db.insert(lineRouting).values({ lineId: ids[1]!, dnd: true, forwards: [{ mode: 'busy', destination: '200', noAnswerS: 20 }] });
    });
    after(async () => {
      await database.close();
      await dispose();
    });

    it('a prepared select gives the rows of the same select built each time, for every value; one statement per run', async () => {
      const prepared = new PreparedStatements();
      const byId = (id: string) => prepared.run('by-id', () => database.db.select().from(lineRouting).where(eq(lineRouting.lineId, sql.placeholder('lineId'))), { lineId: id });
      for (const id of [...ids, ...ids]) {
        const q = database.queries;
        const rows = await byId(id);
        assert.equal(database.queries - q, 1);
        assert.deepEqual(rows, await database.db.select().from(lineRouting).where(eq(lineRouting.lineId, id)));
      }
      assert.equal((await byId(ids[1]!))[0]?.dnd, true);
      assert.deepEqual((await byId(ids[1]!))[0]?.forwards, [{ mode: 'busy', destination: '200', noAnswerS: 20 }]);
      assert.equal(prepared.size, 1, 'one shape, prepared once');
    });

    it('an update built with StatementValues: one shape per set of bound names, the rows of the unprepared update; past maxShapes unprepared', async () => {
      const prepared = new PreparedStatements(2);
      const rename = (id: string, displayName: string, enabled?: boolean) => {
        const v = new StatementValues('rename');
        const set: { displayName: ReturnType<typeof sql>; enabled?: ReturnType<typeof sql> } = { displayName: sql`${v.bind('displayName', displayName)}` };
        if (enabled !== undefined) set.enabled = sql`${v.bind('enabled', enabled)}::boolean`;
        const where = eq(lines.id, sql`${v.bind('id', id)}::uuid`);
        return { shape: v.shape, rows: prepared.run(v.shape, () => database.db.update(lines).set(set).where(where).returning({ id: lines.id, displayName: lines.displayName, enabled: lines.enabled }), v.values) };
      };
      const a = rename(ids[0]!, 'Alice');
      assert.deepEqual(await a.rows, [{ id: ids[0], displayName: 'Alice', enabled: true }]);
      const b = rename(ids[1]!, 'Bob', false);
      assert.notEqual(a.shape, b.shape);
      assert.deepEqual(await b.rows, [{ id: ids[1], displayName: 'Bob', enabled: false }]);
      assert.deepEqual(await rename(ids[2]!, 'Carol').rows, [{ id: ids[2], displayName: 'Carol', enabled: true }]);
      assert.equal(prepared.size, 2);
      // A third shape: the cache is full, the statement runs unprepared and still writes.
      const v = new StatementValues('other');
      const rows = await prepared.run(v.shape, () => database.db.update(lines).set({ registrar: sql`${v.bind('registrar', 'pbx2')}` }).where(eq(lines.id, sql`${v.bind('id', ids[2]!)}::uuid`)).returning({ registrar: lines.registrar }), v.values);
      assert.deepEqual(rows, [{ registrar: 'pbx2' }]);
      assert.equal(prepared.size, 2);
      const all = await database.db.select({ displayName: lines.displayName, enabled: lines.enabled, registrar: lines.registrar }).from(lines).orderBy(asc(lines.number));
      assert.deepEqual(all, [{ displayName: 'Alice', enabled: true, registrar: 'pbx' }, { displayName: 'Bob', enabled: false, registrar: 'pbx' }, { displayName: 'Carol', enabled: true, registrar: 'pbx2' }]);
    });

    it('two caches over one connection agree on the name of a text (no "prepared statement already exists")', async () => {
      const run = (cache: PreparedStatements, id: string) => cache.run('x', () => database.db.select({ n: lines.number }).from(lines).where(eq(lines.id, sql.placeholder('id'))), { id });
      const one = new PreparedStatements();
      const two = new PreparedStatements();
      assert.deepEqual(await run(one, ids[0]!), [{ n: '100' }]);
      assert.deepEqual(await run(two, ids[1]!), [{ n: '101' }]);
      assert.deepEqual(await run(one, ids[2]!), [{ n: '102' }]);
    });

    if (name === 'PostgreSQL') {
      it('PostgreSQL holds the statement under the name derived from its text', async () => {
        const prepared = new PreparedStatements();
        const query = () => database.db.select({ n: lines.number }).from(lines).where(eq(lines.number, sql.placeholder('n')));
        assert.deepEqual(await prepared.run('named', query, { n: '101' }), [{ n: '101' }]);
        // The pool hands the idle connection back: the one that prepared it.
        const held = await database.db.execute(sql`select name from pg_prepared_statements`);
        const names = (held as unknown as { rows: Array<{ name: string }> }).rows.map((r) => r.name);
        assert.ok(names.includes(statementName(query().toSQL().sql)), `prepared: ${names.join(', ')}`);
      });
    }
  });
}

suite('PGlite', async () => ({ database: await openDatabase({ pgliteDir: 'memory://', logger: testLogger() }), dispose: async () => {} }));
suite('PostgreSQL', async () => {
  const db = await createTestDatabase();
  return { database: await openDatabase({ url: db.url, logger: testLogger() }), dispose: () => db.drop() };
});
