// The journal of a picked-up call: the line it rang on gets a row that ends at the pickup ('picked-up',
// picked_up_by the picker's line, never answered), the picker's line a row `<callId>~<line>` from the
// pickup on that carries the answer, the end and the media quality; redelivery changes nothing, and the
// reconciliation at start does not close the picker's row of a call that still runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallTopics, type CallEvent } from '@ucserver/shared';
import { check, testLogger } from '@ucserver/testkit';
import { JournalWriter, pickupRowId } from '../../src/journal/JournalWriter.ts';
import { withGateway } from '../support.ts';

describe('journal - a picked-up call', () => {
  it('the ringing line\'s row ends picked-up by 102; the picker\'s row has the answer, the end and the quality', async () => {
    await withGateway(async (app, peer) => {
      await app.context.users.create({ login: 'bob', password: 'pw' });
      await app.context.users.create({ login: 'carol', password: 'pw' });
      const bobLine = await app.context.lines.create({ number: '101', registrar: 'pbx', ownerLogin: 'bob' });
      const carolLine = await app.context.lines.create({ number: '102', registrar: 'pbx', ownerLogin: 'carol' });
      const t0 = Date.parse('2026-12-06T09:00:00.000Z');
      const at101 = { callId: 'call-p', lineId: bobLine.id, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
      const at102 = { ...at101, lineId: carolLine.id, lineNumber: '102', pickup: { fromLineId: bobLine.id, fromLineNumber: '101' } };
      const list: CallEvent[] = [
        { ...at101, seq: 1, at: t0, state: 'offering', mediaNodeId: 'node-a' },
        { ...at102, seq: 2, at: t0 + 2000, state: 'offering', mediaNodeId: 'node-a' },
        { ...at102, seq: 3, at: t0 + 3000, state: 'connected', mediaNodeId: 'node-a' },
        { ...at102, seq: 2, at: t0 + 2000, state: 'offering', mediaNodeId: 'node-a' }, // redelivered
        { ...at102, seq: 4, at: t0 + 10_000, state: 'disconnected', cause: 'normal' },
      ];
      for (const e of list) await peer.publishDurable(CallTopics.event, e);
      await peer.publishDurable(CallTopics.media, {
        type: 'closed', callId: 'call-p', nodeId: 'node-a', at: t0 + 10_100,
        quality: { packetsIn: 400, packetsOut: 400, bytesIn: 1, bytesOut: 1, lossPercent: 0.5, jitterMs: 2, rttMs: 9 },
      });
      const carolRow = await check(async () => {
        const r = await app.context.journal.get(pickupRowId('call-p', '102'));
        return r?.endedAt && r.lossPercent !== null ? r : undefined;
      }, 5000, { name: 'the picker\'s row, closed with quality' });
      assert.equal(carolRow.callId, 'call-p~102');
      assert.equal(carolRow.lineNumber, '102');
      assert.equal(carolRow.ownerUserId, carolLine.ownerUserId);
      assert.equal(carolRow.direction, 'inbound');
      assert.equal(carolRow.remoteNumber, '100');
      assert.equal(carolRow.startedAt.toISOString(), '2026-12-06T09:00:02.000Z');
      assert.equal(carolRow.answeredAt?.toISOString(), '2026-12-06T09:00:03.000Z');
      assert.equal(carolRow.durationS, 7);
      assert.equal(carolRow.disconnectCause, 'normal');
      assert.equal(carolRow.pickedUpBy, null);
      assert.equal(carolRow.lossPercent, 0.5);
      assert.equal(carolRow.lastSeq, 4);

      const bobRow = await app.context.journal.get('call-p');
      assert.equal(bobRow?.lineNumber, '101');
      assert.equal(bobRow?.ownerUserId, bobLine.ownerUserId);
      assert.equal(bobRow?.endedAt?.toISOString(), '2026-12-06T09:00:02.000Z');
      assert.equal(bobRow?.disconnectCause, 'picked-up');
      assert.equal(bobRow?.pickedUpBy, '102');
      assert.equal(bobRow?.answeredAt, null);
      assert.equal(bobRow?.durationS, 0);
      assert.equal(bobRow?.lossPercent, null, 'the media quality is the picker\'s');
      assert.equal(bobRow?.lastSeq, 1);
    });
  });

  it('the reconciliation keeps the picker\'s row of a call the adapter still carries open', async () => {
    await withGateway(async (app, peer) => {
      const l101 = await app.context.lines.create({ number: '101', registrar: 'pbx' });
      const l102 = await app.context.lines.create({ number: '102', registrar: 'pbx' });
      const at101 = { callId: 'call-live', lineId: l101.id, lineNumber: '101', direction: 'inbound' as const, remoteNumber: '100' };
      await peer.publishDurable(CallTopics.event, { ...at101, seq: 1, at: Date.now() - 5000, state: 'offering' });
      await peer.publishDurable(CallTopics.event, { ...at101, lineId: l102.id, lineNumber: '102', pickup: { fromLineId: l101.id, fromLineNumber: '101' }, seq: 2, at: Date.now() - 4000, state: 'offering' });
      await check(() => app.context.journal.get('call-live~102'), 5000, { name: 'picker\'s row' });
      // closeLost only reads and writes the table: a writer of its own on the gateway's database.
      const writer = new JournalWriter(app.context.database.db, peer, testLogger('journal'));
      const closed = await writer.closeLost(new Set(['call-live']), new Date(), new Date());
      assert.deepEqual(closed, []);
      assert.equal((await app.context.journal.get('call-live~102'))?.endedAt, null);
    });
  });
});
