import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatsLedger } from '../../src/calls/StatsLedger.ts';

describe('StatsLedger', () => {
  test('increments per sample, resets count from zero, and a replaced stream keeps its figures', () => {
    const l = new StatsLedger();
    const s = (key: string, direction: 'in' | 'out', packets: number, lost = 0, jitterMs = 0, rttMs?: number) =>
      ({ key, leg: 'pbx' as const, direction, packets, bytes: packets * 172, lost, jitterMs, rttMs });
    assert.deepEqual(l.recordStream(s('p1', 'in', 100)), { packets: 100, bytes: 17200 });
    assert.deepEqual(l.recordStream(s('p1', 'in', 150, 10, 3)), { packets: 50, bytes: 8600 });
    assert.deepEqual(l.recordStream(s('p1', 'in', 20)), { packets: 20, bytes: 3440 }, 'a counter going backwards restarted');
    l.recordStream(s('p1', 'in', 150, 10, 3));
    l.recordStream(s('p2', 'in', 40, 0, 9)); // a replacement producer
    l.recordStream(s('c1', 'out', 190, 0, 0, 42));
    assert.deepEqual(l.quality(), { packetsIn: 190, packetsOut: 190, bytesIn: 190 * 172, bytesOut: 190 * 172, lossPercent: 5, jitterMs: 9, rttMs: 42 });
    assert.deepEqual(l.recordTransport({ key: 't', leg: 'pbx', bytesIn: 10, bytesOut: 5 }), { bytesIn: 10, bytesOut: 5 });
    assert.deepEqual(l.recordTransport({ key: 't', leg: 'pbx', bytesIn: 30, bytesOut: 5 }), { bytesIn: 20, bytesOut: 0 });
  });

  test('an empty ledger summarises to zeros without rtt', () => {
    assert.deepEqual(new StatsLedger().quality(), { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, lossPercent: 0, jitterMs: 0 });
  });
});
