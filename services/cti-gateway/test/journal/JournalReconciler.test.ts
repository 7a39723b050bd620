// The gateway's journal reconciliation at start, on PGlite through a real gateway: the pbx-adapter is
// played on the bus (it serves PbxCommands.listCalls when the test says so).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallTopics, PbxCommands, UcsError, type BusClient, type CallEvent } from '@ucserver/shared';
import { check } from '@ucserver/testkit';
import type { GatewayApp } from '../../src/app.ts';
import { peerBus, startGateway } from '../support.ts';

const base = { lineNumber: '100', direction: 'outbound' as const, remoteNumber: '101' };

function call(callId: string, lineId: string, startedAt: number, answeredAt?: number): CallEvent[] {
  const list: CallEvent[] = [{ ...base, callId, lineId, seq: 1, at: startedAt, state: 'dialing' }];
  if (answeredAt !== undefined) list.push({ ...base, callId, lineId, seq: 2, at: answeredAt, state: 'connected' });
  return list;
}

async function publish(bus: BusClient, list: CallEvent[]): Promise<void> {
  for (const e of list) await bus.publishDurable(CallTopics.event, e);
}

/** A gateway whose journal holds open rows written by `events` before any adapter answers listCalls. */
async function gatewayWithOpenRows(events: CallEvent[]): Promise<{ app: GatewayApp; peer: BusClient; lineId: string; close(): Promise<void> }> {
  const app = await startGateway();
  const peer = await peerBus(app);
  await app.context.users.create({ login: 'alice', password: 'pw' });
  const line = await app.context.lines.create({ number: '100', registrar: '127.0.0.1:5060', ownerLogin: 'alice' });
  const list = events.map((e) => ({ ...e, lineId: line.id }));
  await publish(peer, list);
  const ids = [...new Set(list.map((e) => e.callId))];
  await check(async () => (await Promise.all(ids.map((id) => app.context.journal.get(id)))).every((r) => r !== undefined), 5000, { name: 'journal rows written' });
  return {
    app, peer, lineId: line.id,
    async close() {
      await peer.close();
      await app.stop();
    },
  };
}

describe('journal - reconciliation with the pbx-adapter at gateway start', () => {
  it('closes the open rows of calls the adapter does not list (cause lost, duration from the answer) and keeps the live ones, listed in the call table', async () => {
    const now = Date.now();
    const t = await gatewayWithOpenRows([...call('gone', 'x', now - 90_000, now - 60_000), ...call('live', 'x', now - 30_000, now - 20_000), ...call('unanswered', 'x', now - 5000)]);
    try {
      const liveEvent: CallEvent = { ...base, callId: 'live', lineId: t.lineId, seq: 2, at: now - 20_000, state: 'connected' };
      const served = t.peer.pbx.serve(PbxCommands.listCalls, () => ({ at: Date.now(), calls: [liveEvent], nextOffset: null }));
      try {
        const report = await t.app.reconciled;
        assert.deepEqual(report.closed.map((r) => r.callId).sort(), ['gone', 'unanswered']);
        assert.equal(report.live, 1);
      } finally {
        served.unsubscribe();
      }
      const gone = await t.app.context.journal.get('gone');
      assert.equal(gone?.disconnectCause, 'lost');
      assert.ok(gone?.endedAt && gone.endedAt.getTime() >= now, 'ended now');
      const answeredFor = ((gone?.endedAt?.getTime() ?? 0) - (now - 60_000)) / 1000;
      assert.ok(Math.abs((gone?.durationS ?? 0) - answeredFor) <= 1 && answeredFor >= 60, `duration ${gone?.durationS} s from the answer (${answeredFor} s)`);
      const unanswered = await t.app.context.journal.get('unanswered');
      assert.equal(unanswered?.durationS, 0);
      assert.equal(unanswered?.disconnectCause, 'lost');
      const live = await t.app.context.journal.get('live');
      assert.equal(live?.endedAt, null, 'the live call stays open');
      assert.equal(t.app.context.calls.get('live')?.state, 'connected', 'the live call is in the gateway\'s call table');
    } finally {
      await t.close();
    }
  });

  it('closes nothing while the adapter does not answer; retries until it does', async () => {
    const now = Date.now();
    const t = await gatewayWithOpenRows(call('open', 'x', now - 10_000, now - 9000));
    try {
      let asked = 0;
      const served = t.peer.pbx.serve(PbxCommands.listCalls, () => {
        asked += 1;
        if (asked < 3) throw new UcsError('UCS_ERR_PBX_CLOSED', 'the adapter is shutting down');
        return { at: Date.now(), calls: [], nextOffset: null };
      });
      try {
        await check(() => asked >= 2, 10_000, { name: 'two refused listCalls' });
        assert.equal((await t.app.context.journal.get('open'))?.endedAt, null, 'no row closed without the adapter\'s answer');
        const report = await t.app.reconciled;
        assert.equal(asked, 3);
        assert.deepEqual(report.closed.map((r) => r.callId), ['open']);
      } finally {
        served.unsubscribe();
      }
    } finally {
      await t.close();
    }
  });

  it('leaves the rows of calls started after the adapter\'s list open', async () => {
    const now = Date.now();
    const t = await gatewayWithOpenRows(call('newer', 'x', now + 60_000));
    try {
      const served = t.peer.pbx.serve(PbxCommands.listCalls, () => ({ at: now, calls: [], nextOffset: null }));
      try {
        assert.deepEqual((await t.app.reconciled).closed, []);
      } finally {
        served.unsubscribe();
      }
      assert.equal((await t.app.context.journal.get('newer'))?.endedAt, null);
    } finally {
      await t.close();
    }
  });

  it('a later disconnected of a row closed as lost replaces the guess with the adapter\'s time and cause; a later connected does not reopen it', async () => {
    const now = Date.now();
    const t = await gatewayWithOpenRows(call('late', 'x', now - 30_000));
    try {
      const served = t.peer.pbx.serve(PbxCommands.listCalls, () => ({ at: Date.now(), calls: [], nextOffset: null }));
      try {
        await t.app.reconciled;
      } finally {
        served.unsubscribe();
      }
      assert.equal((await t.app.context.journal.get('late'))?.disconnectCause, 'lost');
      const ev = { ...base, callId: 'late', lineId: t.lineId };
      await publish(t.peer, [{ ...ev, seq: 2, at: now - 20_000, state: 'connected' }]);
      const stillClosed = await check(async () => {
        const r = await t.app.context.journal.get('late');
        return r?.lastSeq === 2 ? r : undefined;
      }, 5000, { name: 'connected applied' });
      assert.ok(stillClosed.endedAt, 'not reopened');
      assert.equal(stillClosed.disconnectCause, 'lost');
      await publish(t.peer, [{ ...ev, seq: 3, at: now - 5000, state: 'disconnected', cause: 'gateway-lost' }]);
      const row = await check(async () => {
        const r = await t.app.context.journal.get('late');
        return r?.lastSeq === 3 ? r : undefined;
      }, 5000, { name: 'disconnected applied' });
      assert.equal(row.disconnectCause, 'gateway-lost');
      assert.equal(row.endedAt?.getTime(), now - 5000);
      assert.equal(row.durationS, 15);
    } finally {
      await t.close();
    }
  });
});
