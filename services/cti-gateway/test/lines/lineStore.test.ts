// LineStore.getById's cache without the bus (no change notices: entries live 5 s; with them see
// test/cluster/callReadsCache.test.ts): the lookup every call event makes is served from memory,
// and the store's own writes (and a user change, through forget()) end it at once. Counted in SQL statements.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type Database } from '@ucserver/shared/db';
import { testLogger } from '@ucserver/testkit';
import { LineStore } from '../../src/lines/LineStore.ts';
import { UserStore } from '../../src/users/UserStore.ts';

describe('LineStore.getById cache', () => {
  let database: Database;
  let lines: LineStore;
  let users: UserStore;
  before(async () => {
    database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    lines = new LineStore(database.db);
    users = new UserStore(database.db);
    users.on('userchanged', () => lines.forget());
  });
  after(() => database.close());

  it('a second read within 5 s sends no statement; an update, a removal and a user change are seen at once', async () => {
    await users.create({ login: 'alice', password: 'alice-secret' });
    const line = await lines.create({ number: '100', registrar: 'pbx', ownerLogin: 'alice' });
    lines.forget();
    const q0 = database.queries;
    assert.equal((await lines.getById(line.id))?.displayName, '100');
    const q1 = database.queries;
    assert.equal((await lines.getById(line.id))?.displayName, '100');
    assert.equal(database.queries, q1, 'served from the cache');
    assert.ok(q1 > q0);

    await lines.update('100', { displayName: 'Alice' });
    assert.equal((await lines.getById(line.id))?.displayName, 'Alice', 'an update is seen at once');

    await users.remove('alice');
    assert.equal((await lines.getById(line.id))?.ownerLogin, null, 'the removed owner is gone at once');

    await lines.remove('100');
    assert.equal(await lines.getById(line.id), undefined, 'a removed line is gone at once');
    assert.equal(await lines.getById('00000000-0000-0000-0000-000000000000'), undefined);
  });

  it('reads of one line at the same moment share one statement', async () => {
    const line = await lines.create({ number: '102', registrar: 'pbx' });
    lines.forget();
    const q = database.queries;
    const views = await Promise.all([lines.getById(line.id), lines.getById(line.id), lines.getById(line.id)]);
    assert.equal(database.queries, q + 1);
    assert.deepEqual(views.map((v) => v?.number), ['102', '102', '102']);
  });

  it('a read older than 5 s goes to the database again', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const line = await lines.create({ number: '101', registrar: 'pbx' });
    await lines.getById(line.id);
    const q = database.queries;
    t.mock.timers.tick(4999);
    await lines.getById(line.id);
    assert.equal(database.queries, q);
    t.mock.timers.tick(2);
    await lines.getById(line.id);
    assert.equal(database.queries, q + 1);
  });
});
