// The timer table (RFC 3261 Table 4, RFC 6026 Timers L/M).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIMER_CONFIG, timerValues } from '../../../src/sip/mod.ts';

describe('timerValues()', () => {
  const rows: Array<{ name: string; reliable: boolean; config?: Parameters<typeof timerValues>[0]; expected: Record<string, number> }> = [
    {
      name: 'UDP defaults',
      reliable: false,
      expected: { T1: 500, T2: 4000, T4: 5000, A: 500, B: 32000, C: 180000, D: 32000, E: 500, F: 32000, G: 500, H: 32000, I: 5000, J: 32000, K: 5000, L: 32000, M: 32000 },
    },
    {
      name: 'reliable transport zeroes D, I, J, K',
      reliable: true,
      expected: { T1: 500, T2: 4000, T4: 5000, A: 500, B: 32000, C: 180000, D: 0, E: 500, F: 32000, G: 500, H: 32000, I: 0, J: 0, K: 0, L: 32000, M: 32000 },
    },
    {
      name: 'T1 = 100 ms scales the 64*T1 timers',
      reliable: false,
      config: { T1: 100 },
      expected: { T1: 100, T2: 4000, T4: 5000, A: 100, B: 6400, C: 180000, D: 6400, E: 100, F: 6400, G: 100, H: 6400, I: 5000, J: 6400, K: 5000, L: 6400, M: 6400 },
    },
  ];
  for (const row of rows) it(`timerValues() with ${row.name}`, () => assert.deepEqual({ ...timerValues(row.config, row.reliable) }, row.expected));
  it('DEFAULT_TIMER_CONFIG is T1=500 ms, T2=4 s, T4=5 s and frozen', () => {
    assert.deepEqual({ ...DEFAULT_TIMER_CONFIG }, { T1: 500, T2: 4000, T4: 5000 });
    assert.ok(Object.isFrozen(DEFAULT_TIMER_CONFIG));
  });
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`timerValues() with T1=${bad} throws TypeError`, () => assert.throws(() => timerValues({ T1: bad }), TypeError));
  }
});
