// The per-line capture policy: a call on a line with the policy on is captured; the lines with the
// policy on are read once per cacheMs (not per call leg), a change through this gateway counts at once,
// one through another gateway's policy within cacheMs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallEvent } from '@ucserver/shared';
import { check, testLogger } from '@ucserver/testkit';
import { openDatabase } from '@ucserver/shared/db';
import type { CaptureClient } from '../../src/bus/CaptureClient.ts';
import { CallRegistry } from '../../src/calls/CallRegistry.ts';
import { LineCapturePolicy } from '../../src/lines/LineCapturePolicy.ts';
import { LineStore } from '../../src/lines/LineStore.ts';

function ringing(callId: string, lineId: string): CallEvent {
  return { callId, lineId, lineNumber: '100', direction: 'inbound', remoteNumber: '101', seq: 1, at: Date.now(), state: 'offering', mediaNodeId: 'node-a' };
}

describe('lines - LineCapturePolicy', () => {
  it('captures calls of lines with the policy on; reads the policy once per cacheMs; a set here counts at once, one elsewhere within cacheMs', async () => {
    const database = await openDatabase({ pgliteDir: 'memory://', logger: testLogger() });
    try {
      const store = new LineStore(database.db);
      const [a, b] = [await store.create({ number: '100', registrar: 'pbx' }), await store.create({ number: '101', registrar: 'pbx' })];
      const started: string[] = [];
      const captures = { start: async (nodeId: string, r: { callId: string }) => (started.push(`${r.callId}@${nodeId}`), { captureId: `cap-${r.callId}` }) } as unknown as CaptureClient;
      const calls = new CallRegistry();
      const here = new LineCapturePolicy({ db: database.db, calls, captures: () => captures, logger: testLogger(), cacheMs: 400 });
      const elsewhere = new LineCapturePolicy({ db: database.db, calls: new CallRegistry(), captures: () => undefined, logger: testLogger() });

      await here.set(a!.id, true, 'admin');
      calls.applyCallEvent(ringing('c1', a!.id));
      calls.applyCallEvent(ringing('c2', b!.id));
      await check(() => started.length === 1 || undefined, 2000, { name: 'policy capture started' });
      assert.deepEqual(started, ['c1@node-a'], 'only the line with the policy on');

      // Within cacheMs: no statement per call leg.
      const q = database.queries;
      for (let i = 3; i < 13; i++) calls.applyCallEvent(ringing(`c${i}`, i % 2 ? a!.id : b!.id));
      await check(() => started.length === 6 || undefined, 2000, { name: 'five more captures' });
      assert.equal(database.queries - q, 0, 'ten call legs, no statement');

      // Off through another gateway: seen once the cache is older than cacheMs.
      await elsewhere.set(a!.id, false, 'admin');
      await elsewhere.set(b!.id, true, 'admin');
      await new Promise((r) => setTimeout(r, 450));
      calls.applyCallEvent(ringing('c20', a!.id));
      calls.applyCallEvent(ringing('c21', b!.id));
      await check(() => started.length === 7 || undefined, 2000, { name: 'capture on the newly enabled line' });
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(started.slice(6), ['c21@node-a']);
      assert.deepEqual(await here.get(a!.id).then((p) => p.enabled), false);
    } finally {
      await database.close();
    }
  });
});
