// The journal's prepared statements write the same rows on PGlite and on PostgreSQL, events applied one
// by one and folded alike; two writers over one database (a leadership hand-over) share the statements.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asc } from 'drizzle-orm';
import type { BusClient, CallEvent, MediaCallEvent } from '@ucserver/shared';
import { createTestDatabase, testLogger } from '@ucserver/testkit';
import { dbSchema, openDatabase, type CallRow, type Database } from '@ucserver/shared/db';
import { JournalWriter } from '../../src/journal/JournalWriter.ts';
import type { JournalInput } from '../../src/journal/journalUnits.ts';
import { LineStore } from '../../src/lines/LineStore.ts';

const T0 = Date.parse('2026-12-07T10:00:00.000Z');

function leg(callId: string, lineId: string): CallEvent[] {
  const base = { callId, lineId, lineNumber: '100', direction: 'inbound' as const, remoteNumber: '101' };
  return [
    { ...base, seq: 1, at: T0, state: 'offering', mediaNodeId: 'node-a', mediaPath: 'pbx' },
    { ...base, seq: 2, at: T0 + 800, state: 'offering', remoteName: 'Bob' },
    { ...base, seq: 3, at: T0 + 3_500, state: 'connected', mediaNodeId: 'node-a' },
    { ...base, seq: 4, at: T0 + 65_400, state: 'disconnected', cause: 'normal', sipStatus: 200 },
  ];
}
const path = (callId: string, at: number): MediaCallEvent => ({ type: 'path', callId, nodeId: 'node-b', path: 'direct', at });
const closed = (callId: string, rttMs?: number, video?: boolean): MediaCallEvent => ({
  type: 'closed', callId, nodeId: 'node-a', at: T0 + 65_500, ...(video ? { video } : {}),
  quality: { packetsIn: 10, packetsOut: 10, bytesIn: 1, bytesOut: 1, lossPercent: 1.25, jitterMs: 3.5, ...(rttMs !== undefined ? { rttMs } : {}) },
});

/** Rows by call id without what differs between databases (generated ids, transaction ids). */
function content(rows: CallRow[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(rows.map(({ lineId, transactionId: _tx, ownerUserId: _o, ...rest }) => [rest.callId, { ...rest, hasLine: lineId !== null }]));
}

/** Every statement shape the writer has: lone events of each state, folded units, media events, a redelivery, an unknown line. */
async function scenario(database: Database): Promise<Record<string, Record<string, unknown>>> {
  const store = new LineStore(database.db);
  const line = await store.create({ number: '100', registrar: 'pbx' });
  const ownerOf = async (id: string): Promise<string | null | undefined> => (await store.getById(id)) ? null : undefined;
  const writer = new JournalWriter(database.db, undefined as unknown as BusClient, testLogger(), { ownerOf });
  const one = leg('one', line.id);
  for (const e of one) await writer.apply(e);
  await writer.apply(path('one', T0 + 3_600));
  await writer.apply(closed('one', 7, true));
  await writer.apply(one[2]!); // a redelivery: ignored
  const folded = leg('folded', line.id);
  await writer.applyUnit([folded[0]!, folded[1]!, path('folded', T0 + 3_600)]);
  await writer.applyUnit([folded[2]!, folded[3]!, closed('folded')]);
  // A second writer over the same database (leadership moved): the same statements, by name.
  const next = new JournalWriter(database.db, undefined as unknown as BusClient, testLogger(), { ownerOf });
  const whole = leg('whole', line.id) as JournalInput[];
  await next.applyUnit([...whole, closed('whole', 9)]);
  await next.applyUnit([path('whole', T0 + 1_000)]); // older than nothing stored: the path is set
  await next.applyUnit([path('whole', T0 + 500)]); // older than the stored report: loses
  await next.apply({ ...leg('nowhere', '00000000-0000-4000-8000-000000000000')[0]!, lineNumber: '999' });
  return content(await database.db.select().from(dbSchema.calls).orderBy(asc(dbSchema.calls.callId)));
}

describe('journal - prepared statements on both drivers', () => {
  it('PGlite and PostgreSQL end with the same rows, and the rows are right', async () => {
    const pglite = await openDatabase({ pgliteDir: 'memory://', logger: testLogger() });
    const pg = await createTestDatabase();
    const postgres = await openDatabase({ url: pg.url, logger: testLogger() });
    try {
      const a = await scenario(pglite);
      const b = await scenario(postgres);
      assert.deepEqual(b, a);
      assert.deepEqual(Object.keys(a), ['folded', 'nowhere', 'one', 'whole']);
      for (const id of ['one', 'folded', 'whole']) {
        assert.equal(a[id]!.durationS, 62, id);
        assert.equal((a[id]!.answeredAt as Date).getTime(), T0 + 3_500, id);
        assert.equal(a[id]!.remoteName, 'Bob', id);
        assert.equal(a[id]!.sipStatus, 200, id);
        assert.equal(a[id]!.lossPercent, 1.25, id);
        assert.equal(a[id]!.lastSeq, 4, id);
      }
      assert.equal(a.one!.mediaPath, 'direct');
      assert.equal(a.one!.video, true);
      assert.equal(a.one!.rttMs, 7);
      assert.equal(a.folded!.mediaNode, 'node-a', 'the closed report names node-a last');
      assert.equal((a.whole!.mediaPathAt as Date).getTime(), T0 + 1_000, 'the newest path report wins');
      assert.equal(a.whole!.mediaPath, 'direct');
      assert.equal(a.nowhere!.hasLine, false, 'a line that does not exist: no line id');
      assert.equal(a.nowhere!.endedAt, null);
    } finally {
      await pglite.close();
      await postgres.close();
      await pg.drop();
    }
  });
});
