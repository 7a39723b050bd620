// G.711 tables: known code words of ITU-T G.711 (Tables 1/2), the full round trip, and the testkit's
// independent decoder as a cross-check.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PCMA_TO_LINEAR, PCMU_TO_LINEAR } from '@ucserver/testkit';
import { alawToSample, decodeG711, encodeG711, linearToAlaw, linearToUlaw, ulawToSample } from '../../src/conference/g711.ts';

describe('G.711 µ-law', () => {
  const known: [code: number, sample: number][] = [
    [0xff, 0],
    [0x7f, 0],
    [0x80, 32124],
    [0x00, -32124],
    [0xf0, 120],
    [0x70, -120],
    [0xef, 132],
    [0xcf, 924],
    [0x8f, 16764],
  ];
  for (const [code, sample] of known) {
    test(`code 0x${code.toString(16)} decodes to ${sample}`, () => assert.equal(ulawToSample(code), sample));
  }

  test('encodes the edges and zero', () => {
    assert.equal(linearToUlaw(0), 0xff);
    assert.equal(linearToUlaw(32767), 0x80);
    assert.equal(linearToUlaw(-32768), 0x00);
    assert.equal(linearToUlaw(-1), 0x7f);
  });

  test('every code word survives decode → encode (except -0, which is +0)', () => {
    for (let code = 0; code < 256; code++) {
      const expected = code === 0x7f ? 0xff : code;
      assert.equal(linearToUlaw(ulawToSample(code)), expected, `code 0x${code.toString(16)}`);
    }
  });

  test('matches the testkit decoder for all 256 code words', () => {
    for (let code = 0; code < 256; code++) assert.equal(ulawToSample(code), PCMU_TO_LINEAR[code], `code 0x${code.toString(16)}`);
  });

  test('quantisation error stays within half a step of the segment', () => {
    for (let s = -32000; s <= 32000; s += 97) {
      const back = ulawToSample(linearToUlaw(s));
      const step = Math.max(8, 2 ** (Math.floor(Math.log2(Math.abs(s) + 132)) - 4));
      assert.ok(Math.abs(back - s) <= step, `sample ${s} → ${back} (step ${step})`);
    }
  });
});

describe('G.711 A-law', () => {
  const known: [code: number, sample: number][] = [
    [0xd5, 8],
    [0x55, -8],
    [0xaa, 32256],
    [0x2a, -32256],
    [0xc5, 264],
    [0xa5, 16896],
  ];
  for (const [code, sample] of known) {
    test(`code 0x${code.toString(16)} decodes to ${sample}`, () => assert.equal(alawToSample(code), sample));
  }

  test('encodes the edges and zero', () => {
    assert.equal(linearToAlaw(0), 0xd5);
    assert.equal(linearToAlaw(-1), 0x55);
    assert.equal(linearToAlaw(32767), 0xaa);
    assert.equal(linearToAlaw(-32768), 0x2a);
  });

  test('every code word survives decode → encode', () => {
    for (let code = 0; code < 256; code++) assert.equal(linearToAlaw(alawToSample(code)), code, `code 0x${code.toString(16)}`);
  });

  test('matches the testkit decoder for all 256 code words', () => {
    for (let code = 0; code < 256; code++) assert.equal(alawToSample(code), PCMA_TO_LINEAR[code], `code 0x${code.toString(16)}`);
  });
});

describe('G.711 buffers', () => {
  test('a payload decodes into the given array and encodes back', () => {
    const samples = Int16Array.from([0, 1000, -1000, 30000, -30000]);
    for (const law of ['ulaw', 'alaw'] as const) {
      const payload = encodeG711(law, samples);
      assert.equal(payload.length, 5);
      const out = new Int16Array(8);
      assert.equal(decodeG711(law, payload, out), 5);
      for (let i = 0; i < 5; i++) assert.ok(Math.abs(out[i]! - samples[i]!) <= 1024, `${law} sample ${i}: ${out[i]} vs ${samples[i]}`);
    }
  });

  test('a payload longer than the output is cut, not overrun', () => {
    const out = new Int16Array(4);
    assert.equal(decodeG711('ulaw', new Uint8Array(10).fill(0x80), out), 4);
    assert.deepEqual([...out], [32124, 32124, 32124, 32124]);
  });
});
