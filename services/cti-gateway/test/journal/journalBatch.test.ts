// The journal's write-behind batch: which events fold into one row write (journalUnits), the queue that
// gathers them (JournalQueue), and that a folded write leaves the row applying the events one by one
// leaves (JournalWriter.applyUnit on PGlite).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import type { BusClient, CallEvent, MediaCallEvent } from '@ucserver/shared';
import { testLogger } from '@ucserver/testkit';
import { dbSchema, openDatabase, type CallRow } from '@ucserver/shared/db';
import { JournalQueue } from '../../src/journal/JournalQueue.ts';
import { JournalWriter } from '../../src/journal/JournalWriter.ts';
import { foldCallUnit, journalUnits, type JournalInput } from '../../src/journal/journalUnits.ts';
import { LineStore } from '../../src/lines/LineStore.ts';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');

function leg(callId: string, lineId: string): CallEvent[] {
  const base = { callId, lineId, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
  return [
    { ...base, seq: 1, at: T0, state: 'dialing', mediaNodeId: 'node-a', mediaPath: 'pbx' },
    { ...base, seq: 2, at: T0 + 800, state: 'ringback', remoteName: 'Bob' },
    { ...base, seq: 3, at: T0 + 3_500, state: 'connected', mediaNodeId: 'node-a' },
    { ...base, seq: 4, at: T0 + 65_000, state: 'disconnected', cause: 'normal', sipStatus: 200 },
  ];
}

const path = (callId: string, nodeId = 'node-a'): MediaCallEvent => ({ type: 'path', callId, nodeId, path: 'direct', at: T0 + 3_600 });
const closed = (callId: string, rttMs?: number): Extract<MediaCallEvent, { type: 'closed' }> => ({
  type: 'closed', callId, nodeId: 'node-a', at: T0 + 65_100,
  quality: { packetsIn: 10, packetsOut: 10, bytesIn: 1, bytesOut: 1, lossPercent: 0.5, jitterMs: 3, ...(rttMs !== undefined ? { rttMs } : {}) },
});

describe('journal - journalUnits', () => {
  it("folds a call's events and its media events, in arrival order, keeps other calls apart, units in first-event order", () => {
    const a = leg('a', 'l1');
    const b = leg('b', 'l2');
    const inputs: JournalInput[] = [a[0]!, b[0]!, a[1]!, path('a'), a[2]!, b[1]!, a[3]!, b[3]!, closed('a')];
    assert.deepEqual(journalUnits(inputs), [[0, 2, 3, 4, 6, 8], [1, 5, 7]]);
  });

  it("puts a media event that came before its call's first event behind that unit's call events", () => {
    const a = leg('a', 'l1');
    const b = leg('b', 'l2');
    assert.deepEqual(journalUnits([path('b'), a[0]!, b[0]!, b[1]!]), [[1], [2, 3, 0]]);
    // Into a unit of a call whose row exists already (its first event is not in the batch): at its front, in arrival order.
    assert.deepEqual(journalUnits([path('b'), b[1]!, b[2]!]), [[0, 1, 2]]);
    assert.deepEqual(journalUnits([closed('a'), path('b'), closed('a'), a[3]!, b[2]!]), [[0, 2, 3], [1, 4]], "the node's 'closed' before the adapter's 'disconnected'");
  });

  it('starts a new unit for a call event after a disconnect or with a seq that does not rise; a pickup is alone and ends the unit', () => {
    const a = leg('a', 'l1');
    assert.deepEqual(journalUnits([a[0]!, a[3]!, { ...a[3]!, seq: 5 }]), [[0, 1], [2]], 'after disconnected');
    assert.deepEqual(journalUnits([a[1]!, a[0]!]), [[0], [1]], 'seq 2 then 1 (a redelivery)');
    const picked: CallEvent = { ...a[1]!, pickup: { fromLineId: 'l9', fromLineNumber: '109' } };
    // The media event after it joins the next unit at its front (the picked-up row then takes that unit one by one).
    assert.deepEqual(journalUnits([a[0]!, picked, path('a'), a[2]!]), [[0], [1], [2, 3]], 'a pickup is alone and closes the unit');
  });
});

describe('journal - foldCallUnit', () => {
  it('keeps the last node named, the newest node path, the first call path, the first answer, the last quality (RTT the last reported), video once seen', () => {
    const a = leg('a', 'l1');
    const f = foldCallUnit([a[0]!, { ...path('a', 'node-b'), at: T0 + 4_000 }, path('a', 'node-c'), a[1]!, closed('a', 12), { ...closed('a'), video: true }]);
    assert.equal(f.mediaNode, 'node-a', 'the closed reports name node-a last');
    assert.deepEqual(f.nodePath, { path: 'direct', at: T0 + 4_000 });
    assert.equal(f.callPath, 'pbx');
    assert.deepEqual(f.quality, { lossPercent: 0.5, jitterMs: 3, rttMs: 12 });
    assert.equal(f.video, true);
    assert.equal(f.first.seq, 1);
    assert.equal(f.last.seq, 2);
  });
});

describe('journal - JournalQueue', () => {
  it('writes after the flush delay, in order, one unit per call; a failed unit rejects only its events', async () => {
    const units: JournalInput[][] = [];
    const queue = new JournalQueue({
      flushMs: 20,
      maxBatch: 100,
      write: async (unit) => {
        units.push([...unit]);
        return unit.map((e) => (e.callId === 'bad' ? new Error('no row') : undefined));
      },
    });
    const a = leg('a', 'l1');
    const bad = leg('bad', 'l2');
    const settled = Promise.allSettled([queue.push(a[0]!), queue.push(bad[0]!), queue.push(a[1]!)]);
    assert.equal(units.length, 0, 'nothing written before the delay');
    const results = await settled;
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(units.map((u) => u.map((e) => `${e.callId}`)), [['a', 'a'], ['bad']]);
    assert.equal(queue.size, 0);
  });

  it('writes at once when maxBatch events wait, and drain() writes the rest without waiting', async () => {
    let written = 0;
    const queue = new JournalQueue({ flushMs: 60_000, maxBatch: 3, write: async (unit) => ((written += unit.length), unit.map(() => undefined)) });
    const calls = ['x', 'y', 'z', 'w'].map((id) => leg(id, 'l1')[0]!);
    const first = Promise.all(calls.slice(0, 3).map((e) => queue.push(e)));
    await first;
    assert.equal(written, 3, 'a full batch is written without the delay');
    const last = queue.push(calls[3]!);
    await queue.drain(5000);
    await last;
    assert.equal(written, 4);
  });

  it("lets the loop's I/O in between two writes, as an embedded database's statements would not", async () => {
    const order: string[] = [];
    const queue = new JournalQueue({
      flushMs: 10,
      maxBatch: 100,
      // As PGlite: the statement runs in this thread and its promise settles without a turn of the loop.
      write: (unit) => {
        order.push(`write ${unit[0]!.callId}`);
        if (order.length === 1) setImmediate(() => order.push('I/O'));
        return Promise.resolve(unit.map(() => undefined));
      },
    });
    await Promise.all(['a', 'b', 'c'].map((id) => queue.push(leg(id, 'l1')[0]!)));
    assert.deepEqual(order, ['write a', 'I/O', 'write b', 'write c']);
  });
});

/** Every field of a row but its id and transaction id (a folded write takes one transaction id). */
function content(row: CallRow | undefined): Record<string, unknown> {
  assert.ok(row);
  const { callId: _id, transactionId: _tx, ...rest } = row;
  return rest;
}

describe('journal - folded writes leave the same rows', () => {
  it('a leg folded into one insert, or into insert + update, equals its events applied one by one; a redelivered unit changes nothing', async () => {
    const database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    try {
      const store = new LineStore(database.db);
      const line = await store.create({ number: '100', registrar: 'pbx' });
      const writer = new JournalWriter(database.db, undefined as unknown as BusClient, testLogger(), {
        ownerOf: async (id) => {
          const l = await store.getById(id);
          return l ? l.ownerUserId ?? null : undefined;
        },
      });
      const changes: string[] = [];
      writer.on('entrychanged', (row, kind) => changes.push(`${row.callId} ${kind} ${row.lastSeq}`));
      for (const e of leg('one-by-one', line.id)) await writer.apply(e);
      await writer.apply(path('one-by-one'));

      await store.getById(line.id);
      let q = database.queries;
      assert.deepEqual(await writer.applyUnit(leg('folded', line.id)), [undefined, undefined, undefined, undefined]);
      assert.equal(database.queries - q, 1, 'a whole leg: one insert');
      await writer.applyUnit([path('folded')]);

      const split = leg('split', line.id);
      q = database.queries;
      await writer.applyUnit(split.slice(0, 2));
      await writer.applyUnit([path('split')]);
      await writer.applyUnit(split.slice(2));
      assert.equal(database.queries - q, 3, 'insert, media update, folded update');

      const rows = new Map((await database.db.select().from(dbSchema.calls)).map((r) => [r.callId, r]));
      assert.deepEqual(content(rows.get('folded')), content(rows.get('one-by-one')));
      assert.deepEqual(content(rows.get('split')), content(rows.get('one-by-one')));
      assert.equal(rows.get('folded')?.durationS, 62);
      assert.equal(rows.get('folded')?.remoteName, 'Bob');
      assert.equal(rows.get('folded')?.mediaPath, 'direct');

      // A redelivery of the middle of the leg: the stored seq is newer, applied one by one, all ignored.
      const before = changes.length;
      assert.deepEqual(await writer.applyUnit(split.slice(1, 3)), [undefined, undefined]);
      assert.equal(changes.length, before, 'duplicates change nothing');
      const [again] = await database.db.select().from(dbSchema.calls).where(eq(dbSchema.calls.callId, 'split'));
      assert.deepEqual(content(again), content(rows.get('split')));
    } finally {
      await database.close();
    }
  });

  it("a leg with its media events folded (one insert; or insert, media, update) equals them applied one by one, also with the node's path first", async () => {
    const database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    try {
      const store = new LineStore(database.db);
      const line = await store.create({ number: '100', registrar: 'pbx' });
      const writer = new JournalWriter(database.db, undefined as unknown as BusClient, testLogger(), {
        ownerOf: async (id) => {
          const l = await store.getById(id);
          return l ? l.ownerUserId ?? null : undefined;
        },
      });
      const events = (id: string): JournalInput[] => {
        const [d, r, c, x] = leg(id, line.id);
        return [d!, r!, path(id), c!, x!, closed(id, 9)];
      };
      for (const e of events('seq')) await writer.apply(e);
      await store.getById(line.id);
      let q = database.queries;
      await writer.applyUnit(events('one'));
      assert.equal(database.queries - q, 1, 'the whole leg with its media: one insert');
      const [d, r, p, c, x, m] = events('split');
      q = database.queries;
      await writer.applyUnit([d!, r!]);
      await writer.applyUnit([p!]);
      await writer.applyUnit([c!, x!, m!]);
      assert.equal(database.queries - q, 3);
      // The node's 'closed' came before the pbx-adapter's 'disconnected' (a row that exists): one update.
      const [d3, r3, p3, c3, x3, m3] = events('closed-first');
      await writer.applyUnit([d3!, r3!, p3!, c3!]);
      q = database.queries;
      assert.deepEqual(await writer.applyUnit([m3!, x3!]), [undefined, undefined]);
      assert.equal(database.queries - q, 1, "the node's report and the call's end: one update");
      // Delivered again: the stored seq is not older; applied one by one, they change nothing.
      assert.deepEqual(await writer.applyUnit([m3!, x3!]), [undefined, undefined]);
      // The node reported the path before the pbx-adapter's first event: journalUnits puts it last.
      const [d2, r2, p2, c2] = events('early');
      await writer.applyUnit([d2!, r2!, c2!, p2!]);
      const rows = new Map((await database.db.select().from(dbSchema.calls)).map((row) => [row.callId, row]));
      for (const id of ['one', 'split', 'closed-first']) assert.deepEqual(content(rows.get(id)), content(rows.get('seq')), id);
      assert.equal(rows.get('one')?.rttMs, 9);
      assert.equal(rows.get('one')?.mediaPath, 'direct');
      assert.equal(rows.get('early')?.mediaPath, 'direct');
      assert.equal(rows.get('early')?.mediaPathAt?.getTime(), T0 + 3_600);
    } finally {
      await database.close();
    }
  });

  it('a connected and disconnected folded onto a row answered earlier keeps its answer time for the duration', async () => {
    const database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    try {
      const line = await new LineStore(database.db).create({ number: '100', registrar: 'pbx' });
      const writer = new JournalWriter(database.db, undefined as unknown as BusClient, testLogger());
      const [dialing, , connected, disconnected] = leg('c', line.id);
      await writer.applyUnit([dialing!, connected!]);
      // A second connected (after a hold, say) does not move the answer time; the duration runs from the first.
      await writer.applyUnit([{ ...connected!, seq: 5, at: T0 + 30_000 }, { ...disconnected!, seq: 6 }]);
      const [row] = await database.db.select().from(dbSchema.calls);
      assert.equal(row?.answeredAt?.toISOString(), new Date(T0 + 3_500).toISOString());
      assert.equal(row?.durationS, 62);
      assert.equal(row?.lastSeq, 6);
    } finally {
      await database.close();
    }
  });
});
