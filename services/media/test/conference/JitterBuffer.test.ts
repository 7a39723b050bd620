// The per-participant jitter buffer: playout depth, reordering, late and duplicate packets, loss,
// underrun, the capacity bound, sequence wrap and a restarted stream.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JitterBuffer } from '../../src/conference/JitterBuffer.ts';
import type { JitterPop } from '../../src/conference/JitterBufferTypes.ts';

function drain(jb: JitterBuffer<string>, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p: JitterPop<string> = jb.pop();
    out.push(p.kind === 'packet' ? p.item : p.kind);
  }
  return out;
}

describe('JitterBuffer', () => {
  test('holds playout until the target depth, then plays in order', () => {
    const jb = new JitterBuffer<string>({ capacity: 8, targetDepth: 3 });
    jb.push(10, 'a');
    jb.push(11, 'b');
    assert.deepEqual(drain(jb, 1), ['empty']);
    jb.push(12, 'c');
    assert.deepEqual(drain(jb, 4), ['a', 'b', 'c', 'empty']);
    assert.equal(jb.stats.underruns, 1);
  });

  test('reorders packets that arrive out of order, including one before the first', () => {
    const jb = new JitterBuffer<string>({ capacity: 8, targetDepth: 3 });
    jb.push(21, 'b');
    jb.push(20, 'a');
    jb.push(23, 'd');
    jb.push(22, 'c');
    assert.deepEqual(drain(jb, 4), ['a', 'b', 'c', 'd']);
  });

  test('drops a packet whose turn has passed as late, and a duplicate', () => {
    const jb = new JitterBuffer<string>({ capacity: 8, targetDepth: 2 });
    jb.push(1, 'a');
    jb.push(3, 'c');
    assert.deepEqual(drain(jb, 2), ['a', 'lost']);
    assert.equal(jb.push(2, 'b'), 'late');
    assert.equal(jb.push(3, 'c again'), 'duplicate');
    assert.deepEqual(drain(jb, 1), ['c']);
    assert.equal(jb.stats.late, 1);
    assert.equal(jb.stats.duplicates, 1);
    assert.equal(jb.stats.lost, 1);
  });

  test('reports each missing sequence number as lost', () => {
    const jb = new JitterBuffer<string>({ capacity: 8, targetDepth: 2 });
    jb.push(100, 'a');
    jb.push(104, 'e');
    assert.deepEqual(drain(jb, 5), ['a', 'lost', 'lost', 'lost', 'e']);
  });

  test('never holds more than its capacity: the oldest go', () => {
    const jb = new JitterBuffer<string>({ capacity: 4, targetDepth: 2 });
    for (let s = 0; s < 7; s++) jb.push(s, `p${s}`);
    assert.equal(jb.size, 4);
    assert.equal(jb.stats.overflows, 3);
    assert.deepEqual(drain(jb, 4), ['p3', 'p4', 'p5', 'p6']);
  });

  test('a sender running ahead (fast clock) is trimmed back to maxDepth instead of growing the delay', () => {
    const jb = new JitterBuffer<string>({ capacity: 16, targetDepth: 2, maxDepth: 4 });
    let next = 0;
    const played: string[] = [];
    // Two packets arrive per pop for a while.
    for (let tick = 0; tick < 10; tick++) {
      jb.push(next, `p${next}`);
      next += 1;
      jb.push(next, `p${next}`);
      next += 1;
      const p = jb.pop();
      if (p.kind === 'packet') played.push(p.item);
      assert.ok(jb.size <= 5, `held ${jb.size} after tick ${tick}`);
    }
    assert.ok(jb.stats.trimmed >= 5, `trimmed ${jb.stats.trimmed}`);
    assert.equal(jb.stats.overflows, 0);
    // What plays stays in order.
    const seqs = played.map((p) => Number(p.slice(1)));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  });

  test('plays across the 16-bit sequence wrap', () => {
    const jb = new JitterBuffer<string>({ capacity: 8, targetDepth: 3 });
    jb.push(65534, 'a');
    jb.push(0, 'c');
    jb.push(65535, 'b');
    jb.push(1, 'd');
    assert.deepEqual(drain(jb, 4), ['a', 'b', 'c', 'd']);
  });

  test('a jump far ahead (a restarted stream) starts over from the new packet', () => {
    const jb = new JitterBuffer<string>({ capacity: 4, targetDepth: 1 });
    jb.push(5, 'a');
    assert.deepEqual(drain(jb, 1), ['a']);
    assert.equal(jb.push(30000, 'x'), 'resync');
    jb.push(30001, 'y');
    assert.deepEqual(drain(jb, 2), ['x', 'y']);
    assert.equal(jb.stats.resyncs, 1);
  });

  test('rebuilds its depth after an underrun before playing on', () => {
    const jb = new JitterBuffer<string>({ capacity: 8, targetDepth: 2 });
    jb.push(1, 'a');
    jb.push(2, 'b');
    assert.deepEqual(drain(jb, 3), ['a', 'b', 'empty']);
    jb.push(3, 'c');
    assert.deepEqual(drain(jb, 1), ['empty']);
    jb.push(4, 'd');
    assert.deepEqual(drain(jb, 2), ['c', 'd']);
  });

  test('rejects a depth beyond its capacity', () => {
    assert.throws(() => new JitterBuffer({ capacity: 2, targetDepth: 3 }), RangeError);
    assert.throws(() => new JitterBuffer({ capacity: 0, targetDepth: 0 }), RangeError);
  });
});
