import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineCommands, LineTopics, openLineConfig, parseSealingKey, type LineChanged } from '@ucserver/shared';
import { check, Latch, testLineCredentialsKey } from '@ucserver/testkit';
import { withGateway } from '../support.ts';

describe('lines over the bus', () => {
  it('lines.list returns every line with its password sealed for the adapter; CRUD is announced on lines.changed', async () => {
    await withGateway(async (app, adapter) => {
      await app.context.users.create({ login: 'alice', password: 'pw' });
      const created = await app.context.lines.create({ number: '100', registrar: '127.0.0.1:5060', authUser: 'u100', authPassword: 'p100', ownerLogin: 'alice' });
      const { lines, total, nextOffset } = await adapter.lines.request(LineCommands.list, {});
      assert.equal(lines.length, 1);
      assert.equal(total, 1);
      assert.equal(nextOffset, null);
      // sealed: only LINE_CREDENTIALS_KEY opens it, and the clear password is nowhere in the reply
      assert.equal(openLineConfig(parseSealingKey(testLineCredentialsKey), lines[0]!).authPassword, 'p100');
      assert.doesNotMatch(JSON.stringify(lines), /p100/);
      assert.equal(lines[0]?.ownerUserId, created.ownerUserId);

      const changes: LineChanged[] = [];
      const latch = new Latch(3, 5000, 'three line changes');
      adapter.subscribe(LineTopics.changed, (c) => {
        changes.push(c);
        latch.unlock();
      });
      await adapter.flush();
      await app.context.lines.create({ number: '101', registrar: '127.0.0.1:5060' });
      await app.context.lines.update('100', { enabled: false });
      await app.context.lines.remove('101');
      await latch.done;
      assert.deepEqual(changes.map((c) => (c.kind === 'upsert' ? `upsert ${c.line.number} ${c.line.enabled}` : `remove`)), ['upsert 101 true', 'upsert 100 false', 'remove']);
    });
  });

  it('lines.list is paged: offset/limit walk every line in number order', async () => {
    await withGateway(async (app, adapter) => {
      for (const n of ['103', '101', '104', '100', '102']) await app.context.lines.create({ number: n, registrar: 'pbx' });
      const seen: string[] = [];
      let offset: number | null = 0;
      let pages = 0;
      while (offset !== null) {
        const page: { lines: Array<{ number: string }>; total: number; nextOffset: number | null } = await adapter.lines.request(LineCommands.list, { offset, limit: 2 });
        assert.equal(page.total, 5);
        seen.push(...page.lines.map((l) => l.number));
        offset = page.nextOffset;
        pages += 1;
      }
      assert.deepEqual(seen, ['100', '101', '102', '103', '104']);
      assert.equal(pages, 3);
      await assert.rejects(adapter.lines.request(LineCommands.list, { offset: 0, limit: 5000 }), /Too big|limit|BusPayload/);
    });
  });

  it('registration states reported by the adapter show up per line; stale reports are ignored', async () => {
    await withGateway(async (app, adapter) => {
      const line = await app.context.lines.create({ number: '100', registrar: 'pbx' });
      adapter.publish(LineTopics.registration, { lineId: line.id, status: 'registered', at: 2000, expiresAt: 600_000, sipStatus: 200 });
      adapter.publish(LineTopics.registration, { lineId: line.id, status: 'failed', at: 1000, sipStatus: 403 });
      // a marker published last: once it is applied, the stale report before it has been processed too
      adapter.publish(LineTopics.registration, { lineId: 'marker', status: 'unregistered', at: 3000 });
      await check(() => app.context.registrations.get('marker'), 5000, { name: 'marker state' });
      // the older 'failed' report must not overwrite the newer state
      assert.equal(app.context.registrations.get(line.id)?.status, 'registered');
    });
  });
});
