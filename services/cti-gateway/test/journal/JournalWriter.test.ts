import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallTopics, type BusClient, type CallEvent } from '@ucserver/shared';
import { check, createTestDatabase, testLogger } from '@ucserver/testkit';
import { dbSchema, openDatabase } from '@ucserver/shared/db';
import { JournalWriter } from '../../src/journal/JournalWriter.ts';
import { LineStore } from '../../src/lines/LineStore.ts';
import { journalEntry } from '../../src/journal/JournalService.ts';
import { AsnNetDatabaseJournalCallType } from '../../src/protocol/mod.ts';
import { peerBus, startGateway, withGateway } from '../support.ts';

function events(callId: string, lineId: string, t0: number): CallEvent[] {
  const base = { callId, lineId, lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };
  return [
    { ...base, seq: 1, at: t0, state: 'dialing' },
    { ...base, seq: 2, at: t0 + 1000, state: 'ringback' },
    { ...base, seq: 3, at: t0 + 3000, state: 'connected', mediaNodeId: 'node-a' },
    { ...base, seq: 4, at: t0 + 65_000, state: 'disconnected', cause: 'normal', sipStatus: 200 },
  ];
}

async function publish(bus: BusClient, list: CallEvent[]): Promise<void> {
  for (const e of list) await bus.publishDurable(CallTopics.event, e);
}

describe('journal - JournalWriter from the CALLS stream', () => {
  it('call events become one journal row with answer time, duration, cause and media data', async () => {
    await withGateway(async (app, peer) => {
      await app.context.users.create({ login: 'alice', password: 'pw' });
      const line = await app.context.lines.create({ number: '100', registrar: '127.0.0.1:5060', ownerLogin: 'alice' });
      const t0 = Date.parse('2026-11-26T09:00:00.000Z');
      await publish(peer, events('call-1', line.id, t0).slice(0, 3));
      await peer.publishDurable(CallTopics.media, { type: 'path', callId: 'call-1', nodeId: 'node-a', path: 'direct', at: t0 + 3100 });
      await publish(peer, events('call-1', line.id, t0).slice(3));
      await peer.publishDurable(CallTopics.media, {
        type: 'closed', callId: 'call-1', nodeId: 'node-a', at: t0 + 65_100,
        quality: { packetsIn: 3100, packetsOut: 3100, bytesIn: 1, bytesOut: 1, lossPercent: 0.5, jitterMs: 3.2, rttMs: 12 },
      });
      const row = await check(async () => {
        const r = await app.context.journal.get('call-1');
        return r?.jitterMs !== null && r?.endedAt ? r : undefined;
      }, 5000, { name: 'journal row with quality' });
      assert.equal(row.lineNumber, '100');
      assert.equal(row.ownerUserId, line.ownerUserId);
      assert.equal(row.direction, 'outbound');
      assert.equal(row.startedAt.toISOString(), '2026-11-26T09:00:00.000Z');
      assert.equal(row.answeredAt?.toISOString(), '2026-11-26T09:00:03.000Z');
      assert.equal(row.durationS, 62);
      assert.equal(row.disconnectCause, 'normal');
      assert.equal(row.sipStatus, 200);
      assert.equal(row.mediaPath, 'direct');
      assert.equal(row.mediaNode, 'node-a');
      assert.equal(row.lossPercent, 0.5);
      assert.equal(row.rttMs, 12);
      assert.equal(row.lastSeq, 4);
    });
  });

  it('a media report with video marks the row as a video call (kept by a later report without it); the ENetUC entry says Video', async () => {
    await withGateway(async (app, peer) => {
      await app.context.users.create({ login: 'alice', password: 'pw' });
      const line = await app.context.lines.create({ number: '100', registrar: '127.0.0.1:5060', ownerLogin: 'alice' });
      const t0 = Date.parse('2026-11-26T11:00:00.000Z');
      const quality = { packetsIn: 10, packetsOut: 10, bytesIn: 1, bytesOut: 1, lossPercent: 0, jitterMs: 1 };
      await publish(peer, events('call-av', line.id, t0));
      await publish(peer, events('call-audio', line.id, t0));
      await peer.publishDurable(CallTopics.media, { type: 'closed', callId: 'call-audio', nodeId: 'node-a', at: t0 + 65_100, quality, video: false });
      await peer.publishDurable(CallTopics.media, { type: 'closed', callId: 'call-av', nodeId: 'node-a', at: t0 + 65_100, quality, video: true });
      // A node that knew nothing of video (an older one, or a retried report) must not clear the flag.
      await peer.publishDurable(CallTopics.media, { type: 'closed', callId: 'call-av', nodeId: 'node-a', at: t0 + 65_200, quality: { ...quality, jitterMs: 2 } });
      const av = await check(async () => {
        const r = await app.context.journal.get('call-av');
        return r?.jitterMs === 2 ? r : undefined;
      }, 5000, { name: 'video row after both reports' });
      const audio = await check(async () => {
        const r = await app.context.journal.get('call-audio');
        return r?.jitterMs === 1 ? r : undefined;
      }, 5000, { name: 'audio row' });
      assert.equal(av.video, true);
      assert.equal(audio.video, false);
      assert.equal(journalEntry(av, 'alice').optionalParams?.Video, 1);
      assert.equal(journalEntry(audio, 'alice').optionalParams?.Video, undefined);
      assert.equal(journalEntry(av, 'alice').optionalParams?.CallType, AsnNetDatabaseJournalCallType.eJOURNALCALLTYPESIPAVCALL);
    });
  });

  it("the newest media path report wins over older ones that arrive later, and over the path in call events", async () => {
    await withGateway(async (app, peer) => {
      await app.context.users.create({ login: 'alice', password: 'pw' });
      const line = await app.context.lines.create({ number: '100', registrar: '127.0.0.1:5060', ownerLogin: 'alice' });
      const t0 = Date.parse('2026-11-26T10:00:00.000Z');
      const [dialing, , connected, disconnected] = events('call-path', line.id, t0);
      await publish(peer, [{ ...dialing!, mediaPath: 'pbx' }]);
      await check(async () => (await app.context.journal.get('call-path'))?.mediaPath === 'pbx', 5000, { name: 'row with path pbx' });
      await peer.publishDurable(CallTopics.media, { type: 'path', callId: 'call-path', nodeId: 'node-a', path: 'direct', at: t0 + 2000 });
      await check(async () => (await app.context.journal.get('call-path'))?.mediaPath === 'direct', 5000, { name: 'row with path direct' });
      // The node's first report (pbx, before the row existed) comes back from its retry after the newer one.
      await peer.publishDurable(CallTopics.media, { type: 'path', callId: 'call-path', nodeId: 'node-a', path: 'pbx', at: t0 + 100 });
      // The pbx-adapter's connected event still says pbx (its media reply was older than the link).
      await publish(peer, [{ ...connected!, mediaPath: 'pbx' }, disconnected!]);
      const row = await check(async () => {
        const r = await app.context.journal.get('call-path');
        return r?.endedAt ? r : undefined;
      }, 5000, { name: 'ended row' });
      assert.equal(row.mediaPath, 'direct');
      assert.equal(row.lastSeq, 4);
    });
  });

  it('a call that never connected gets duration 0 and its cause; duplicates are ignored', async () => {
    await withGateway(async (app, peer) => {
      const line = await app.context.lines.create({ number: '101', registrar: 'pbx' });
      const base = { callId: 'call-2', lineId: line.id, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
      const list: CallEvent[] = [
        { ...base, seq: 1, at: 1000, state: 'offering' },
        { ...base, seq: 2, at: 9000, state: 'disconnected', cause: 'cancelled', sipStatus: 487 },
        { ...base, seq: 1, at: 1000, state: 'offering' },
      ];
      await publish(peer, list);
      const row = await check(async () => (await app.context.journal.get('call-2'))?.endedAt ? app.context.journal.get('call-2') : undefined, 5000, { name: 'closed row' });
      assert.equal(row?.durationS, 0);
      assert.equal(row?.answeredAt, null);
      assert.equal(row?.disconnectCause, 'cancelled');
      assert.equal(row?.ownerUserId, null);
    });
  });

  it("a call's 'connected' that comes after its 'disconnected' (redelivered after a writer's hand-over) fills the answer time and duration; a duplicate does not move it", async () => {
    await withGateway(async (app, peer) => {
      const line = await app.context.lines.create({ number: '102', registrar: 'pbx' });
      const base = { callId: 'call-late', lineId: line.id, lineNumber: '102', direction: 'outbound' as const, remoteNumber: '100' };
      await publish(peer, [{ ...base, seq: 1, at: 1000, state: 'dialing' }, { ...base, seq: 3, at: 31_000, state: 'disconnected', cause: 'normal', sipStatus: 200 }]);
      await check(async () => (await app.context.journal.get('call-late'))?.endedAt, 5000, { name: 'closed row' });
      assert.equal((await app.context.journal.get('call-late'))?.durationS, 0, 'no answer yet');
      await publish(peer, [{ ...base, seq: 2, at: 6000, state: 'connected' }, { ...base, seq: 2, at: 7000, state: 'connected' }]);
      const row = await check(async () => {
        const r = await app.context.journal.get('call-late');
        return r?.answeredAt ? r : undefined;
      }, 5000, { name: 'the late answer' });
      await new Promise((r) => setTimeout(r, 300));
      const settled = await app.context.journal.get('call-late');
      assert.equal(settled?.answeredAt?.getTime(), 6000, 'the first answer, not the duplicate');
      assert.equal(settled?.durationS, 25);
      assert.equal(row.lastSeq, 3);
      assert.equal(settled?.disconnectCause, 'normal');
    });
  });

  it('events published while the gateway is down are journaled after it restarts (PostgreSQL)', async () => {
    const db = await createTestDatabase();
    const app1 = await startGateway({ DATABASE_URL: db.url, KEEP_STREAM: '1' });
    const prefix = app1.context.config.BUS_PREFIX;
    const peer = await peerBus(app1);
    try {
      const line = await app1.context.lines.create({ number: '100', registrar: 'pbx' });
      const list = events('call-3', line.id, Date.parse('2026-11-26T10:00:00Z'));
      await publish(peer, list.slice(0, 2));
      await check(() => app1.context.journal.get('call-3'), 5000, { name: 'row from first events' });
      await app1.stop();
      await publish(peer, list.slice(2));
      const app2 = await startGateway({ DATABASE_URL: db.url, BUS_PREFIX: prefix });
      try {
        const row = await check(async () => (await app2.context.journal.get('call-3'))?.endedAt ? app2.context.journal.get('call-3') : undefined, 10_000, { name: 'row completed after restart' });
        assert.equal(row?.durationS, 62);
        assert.equal(row?.lastSeq, 4);
      } finally {
        await app2.stop();
      }
    } finally {
      await peer.close();
      await db.drop();
    }
  });
});

describe('journal - JournalWriter statements per event', () => {
  it('an event of a call that has its row is one statement; the first event inserts it; a duplicate changes nothing', async () => {
    const database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: testLogger() });
    try {
      const line = await new LineStore(database.db).create({ number: '100', registrar: 'pbx' });
      // apply() is the consumer's handler: the bus is only used by start().
      const writer = new JournalWriter(database.db, undefined as unknown as BusClient, testLogger());
      const changes: string[] = [];
      writer.on('entrychanged', (row, kind) => changes.push(`${kind} ${row.lastSeq}`));
      const [dialing, ringback, connected, disconnected] = events('call-count', line.id, Date.parse('2026-11-26T11:00:00.000Z'));
      let q = database.queries;
      await writer.apply(dialing!);
      assert.equal(database.queries - q, 3, 'first event: the guarded update finds no row, the line owner, the insert');
      for (const e of [ringback!, connected!, disconnected!]) {
        q = database.queries;
        await writer.apply(e);
        assert.equal(database.queries - q, 1, `${e.state}: one guarded update`);
      }
      await writer.apply(connected!);
      assert.deepEqual(changes, ['added 1', 'modified 2', 'modified 3', 'modified 4'], 'the duplicate changed nothing');
      const [row] = await database.db.select().from(dbSchema.calls);
      assert.equal(row?.durationS, 62);
      assert.equal(row?.answeredAt?.toISOString(), '2026-11-26T11:00:03.000Z');
    } finally {
      await database.close();
    }
  });
});
