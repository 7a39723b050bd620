// The N-1 mix: each output is everyone else's sum, silence contributes nothing, sums saturate at
// 16 bits (no wrap-around), and the resamplers keep a tone's frequency.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dominantFrequency, tonePower } from '@ucserver/testkit';
import { clamp16, mixMinusOne } from '../../src/conference/mix.ts';
import { Downsampler2, Upsampler2 } from '../../src/conference/resample.ts';

describe('mixMinusOne', () => {
  test('each participant gets the others, not itself', () => {
    const inputs = [Int16Array.of(100, 1), Int16Array.of(20, 2), Int16Array.of(3, 4)];
    const outputs = inputs.map(() => new Int16Array(2));
    mixMinusOne(inputs, outputs, new Int32Array(2));
    assert.deepEqual(outputs.map((o) => [...o]), [[23, 6], [103, 5], [120, 3]]);
  });

  test('a silent participant (null) adds nothing and hears everyone', () => {
    const inputs = [Int16Array.of(7), null, Int16Array.of(-2)];
    const outputs = inputs.map(() => new Int16Array(1));
    mixMinusOne(inputs, outputs, new Int32Array(1));
    assert.deepEqual(outputs.map((o) => o[0]), [-2, 5, 7]);
  });

  test('sums beyond 16 bits saturate instead of wrapping', () => {
    const inputs = [Int16Array.of(30000, -30000), Int16Array.of(30000, -30000), Int16Array.of(30000, -30000)];
    const outputs = inputs.map(() => new Int16Array(2));
    mixMinusOne(inputs, outputs, new Int32Array(2));
    for (const o of outputs) assert.deepEqual([...o], [32767, -32768]);
    assert.equal(clamp16(40000), 32767);
    assert.equal(clamp16(-40000), -32768);
    assert.equal(clamp16(123), 123);
  });

  test('two participants hear each other exactly (a two-party call through the mixer)', () => {
    const a = Int16Array.from({ length: 320 }, (_, i) => (i * 37) % 2000 - 1000);
    const b = Int16Array.from({ length: 320 }, (_, i) => (i * 11) % 500);
    const outputs = [new Int16Array(320), new Int16Array(320)];
    mixMinusOne([a, b], outputs, new Int32Array(320));
    assert.deepEqual(outputs[0], b);
    assert.deepEqual(outputs[1], a);
  });
});

describe('2:1 resamplers', () => {
  const tone = (f: number, rate: number, n: number): Int16Array => Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * f * i) / rate)));

  test('8 → 16 kHz keeps a 1 kHz tone', () => {
    const out = new Int16Array(1600);
    new Upsampler2().process(tone(1000, 8000, 800), out);
    assert.equal(dominantFrequency(out.subarray(100), [500, 1000, 2000, 7000], 16000).frequency, 1000);
    assert.ok(tonePower(out.subarray(100), 1000, 16000) > 0.9);
  });

  test('16 → 8 kHz keeps a 1 kHz tone and damps a 7 kHz one', () => {
    const out = new Int16Array(800);
    new Downsampler2().process(tone(1000, 16000, 1600), out);
    assert.ok(tonePower(out.subarray(50), 1000, 8000) > 0.9);
    const high = new Int16Array(800);
    new Downsampler2().process(tone(7000, 16000, 1600), high);
    let peak = 0;
    for (const s of high.subarray(50)) peak = Math.max(peak, Math.abs(s));
    assert.ok(peak < 8000 * 0.2, `7 kHz folded at ${peak} of 8000`);
  });

  test('frame boundaries are continuous (state carries over)', () => {
    const whole = new Int16Array(640);
    new Upsampler2().process(tone(440, 8000, 320), whole);
    const up = new Upsampler2();
    const parts = new Int16Array(640);
    const input = tone(440, 8000, 320);
    up.process(input.subarray(0, 160), parts.subarray(0, 320));
    up.process(input.subarray(160), parts.subarray(320));
    assert.deepEqual(parts, whole);
  });
});
