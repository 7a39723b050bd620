// Registration timing: retry backoff (exponential, equal jitter, bounded) and refresh delay.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, refreshDelay } from '../../src/registration/backoff.ts';

const opts = { minMs: 1000, maxMs: 60_000 };

describe('backoffDelay()', () => {
  it('backoffDelay() with random 0 doubles from min and never goes below min', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((a) => backoffDelay(a, opts, () => 0));
    assert.deepEqual(schedule, [1000, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
  it('backoffDelay() with random just below 1 reaches the ceiling min·2^(n−1), capped at max', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((a) => backoffDelay(a, opts, () => 0.999999));
    assert.deepEqual(schedule, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });
  it('backoffDelay() with random 0.5 lies at three quarters of the ceiling', () => {
    assert.deepEqual([3, 4, 7].map((a) => backoffDelay(a, opts, () => 0.5)), [3000, 6000, 45_000]);
  });
  it('backoffDelay() with a huge attempt number stays at max', () => assert.equal(backoffDelay(10_000, opts, () => 1), 60_000));
  it('backoffDelay() with min = max is constant', () => assert.deepEqual([1, 5].map((a) => backoffDelay(a, { minMs: 500, maxMs: 500 }, Math.random)), [500, 500]));
  it('backoffDelay() with wrong arguments throws TypeError', () => {
    assert.throws(() => backoffDelay(0, opts), TypeError);
    assert.throws(() => backoffDelay(1.5, opts), TypeError);
    assert.throws(() => backoffDelay(1, { minMs: 0, maxMs: 10 }), TypeError);
    assert.throws(() => backoffDelay(1, { minMs: 10, maxMs: 5 }), TypeError);
  });
});

describe('refreshDelay()', () => {
  it('refreshDelay() is between 80 % and 90 % of the granted lifetime', () => {
    assert.equal(refreshDelay(600, () => 0), 480_000);
    assert.equal(refreshDelay(600, () => 1), 540_000);
    assert.equal(refreshDelay(30, () => 0.5), 25_500);
  });
  it('refreshDelay() of a non-positive lifetime throws TypeError', () => assert.throws(() => refreshDelay(0), TypeError));
});
