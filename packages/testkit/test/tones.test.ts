import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PCMA_TO_LINEAR, PCMU_TO_LINEAR, decodePcma, decodePcmu, decodeWav, dominantFrequency, encodePcma,
  encodePcmu, encodeWav, linearToPcma, linearToPcmu, readWav, rmsLevel, sine, tonePower, trimSilence,
  writeToneWav,
} from '@ucserver/testkit';

describe('G.711 tables', () => {
  const cases = [
    { name: 'PCMU 0xFF is +0', table: PCMU_TO_LINEAR, input: 0xff, expected: 0 },
    { name: 'PCMU 0x7F is -0', table: PCMU_TO_LINEAR, input: 0x7f, expected: 0 },
    { name: 'PCMU 0x80 is the positive maximum', table: PCMU_TO_LINEAR, input: 0x80, expected: 32124 },
    { name: 'PCMU 0x00 is the negative maximum', table: PCMU_TO_LINEAR, input: 0x00, expected: -32124 },
    { name: 'PCMU 0xFE is the smallest positive step', table: PCMU_TO_LINEAR, input: 0xfe, expected: 8 },
    { name: 'PCMA 0xD5 is +8', table: PCMA_TO_LINEAR, input: 0xd5, expected: 8 },
    { name: 'PCMA 0x55 is -8', table: PCMA_TO_LINEAR, input: 0x55, expected: -8 },
    { name: 'PCMA 0xAA is the positive maximum', table: PCMA_TO_LINEAR, input: 0xaa, expected: 32256 },
    { name: 'PCMA 0x2A is the negative maximum', table: PCMA_TO_LINEAR, input: 0x2a, expected: -32256 },
  ];
  for (const c of cases) {
    it(`decode table ${c.name}`, () => {
      assert.equal(c.table[c.input], c.expected);
    });
  }

  it('decode tables are odd-symmetric (sign bit flips the sign)', () => {
    for (let i = 0; i < 128; i++) {
      assert.equal(PCMU_TO_LINEAR[i]! + PCMU_TO_LINEAR[i | 0x80]!, 0, `PCMU ${i}`);
      assert.equal(PCMA_TO_LINEAR[i]! + PCMA_TO_LINEAR[i | 0x80]!, 0, `PCMA ${i}`);
    }
  });

  it('encode of every decoded value gives back the same code (idempotent round trip)', () => {
    for (let code = 0; code < 256; code++) {
      if (code === 0x7f) continue; // -0 encodes as +0
      assert.equal(linearToPcmu(PCMU_TO_LINEAR[code]!), code, `PCMU 0x${code.toString(16)}`);
      assert.equal(linearToPcma(PCMA_TO_LINEAR[code]!), code, `PCMA 0x${code.toString(16)}`);
    }
  });

  it('encode then decode stays within the quantisation error over the whole range', () => {
    for (let x = -32768; x <= 32767; x += 7) {
      const u = PCMU_TO_LINEAR[linearToPcmu(x)]!;
      const a = PCMA_TO_LINEAR[linearToPcma(x)]!;
      const tolerance = Math.max(16, Math.abs(x) / 16);
      assert.ok(Math.abs(u - x) <= tolerance + 1024 * Number(Math.abs(x) > 32124), `PCMU ${x} → ${u}`);
      assert.ok(Math.abs(a - x) <= tolerance + 1024 * Number(Math.abs(x) > 32256), `PCMA ${x} → ${a}`);
    }
  });

  it('decodePcmu/decodePcma map arrays through the tables', () => {
    assert.deepEqual([...decodePcmu(Uint8Array.of(0xff, 0x80, 0x00))], [0, 32124, -32124]);
    assert.deepEqual([...decodePcma(Uint8Array.of(0xd5, 0xaa))], [8, 32256]);
    assert.deepEqual([...encodePcmu(Int16Array.of(0, 32124))], [0xff, 0x80]);
    assert.deepEqual([...encodePcma(Int16Array.of(8, -8))], [0xd5, 0x55]);
  });
});

describe('Goertzel tone detection', () => {
  it('tonePower of a pure sine at its frequency is close to 1', () => {
    for (const f of [440, 697, 1000, 1633, 3000]) {
      const p = tonePower(sine({ frequency: f, seconds: 0.5 }), f, 8000);
      assert.ok(p > 0.95, `${f} Hz: ${p}`);
    }
  });

  it('tonePower at another frequency is close to 0', () => {
    const p = tonePower(sine({ frequency: 1000, seconds: 0.5 }), 1400, 8000);
    assert.ok(p < 0.01, `1000 Hz tone at 1400 Hz: ${p}`);
  });

  it('tonePower of silence and of nothing is 0', () => {
    assert.equal(tonePower(new Int16Array(800), 1000, 8000), 0);
    assert.equal(tonePower([], 1000, 8000), 0);
  });

  it('tonePower of a tone mixed with another splits the energy', () => {
    const a = sine({ frequency: 440, seconds: 1, amplitude: 0.4 });
    const b = sine({ frequency: 1000, seconds: 1, amplitude: 0.2 });
    const mix = a.map((x, i) => x + b[i]!);
    const p440 = tonePower(mix, 440, 8000);
    const p1000 = tonePower(mix, 1000, 8000);
    assert.ok(Math.abs(p440 - 0.8) < 0.02, `440: ${p440}`);
    assert.ok(Math.abs(p1000 - 0.2) < 0.02, `1000: ${p1000}`);
  });

  it('tonePower survives G.711 round trips and 48 kHz input', () => {
    const tone = sine({ frequency: 1000, seconds: 0.5 });
    assert.ok(tonePower(decodePcmu(encodePcmu(tone)), 1000, 8000) > 0.95);
    assert.ok(tonePower(decodePcma(encodePcma(tone)), 1000, 8000) > 0.95);
    assert.ok(tonePower(sine({ frequency: 1000, seconds: 0.2, sampleRate: 48000 }), 1000, 48000) > 0.95);
  });

  it('tonePower finds a tone in noise', () => {
    let seed = 1;
    const noise = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 8000;
    const tone = sine({ frequency: 697, seconds: 1, amplitude: 0.3 }).map((x) => x + noise());
    assert.equal(dominantFrequency(tone, [440, 697, 1000, 1400], 8000).frequency, 697);
  });

  it('dominantFrequency picks the strongest candidate and reports every share', () => {
    const d = dominantFrequency(sine({ frequency: 1000, seconds: 0.5 }), [440, 1000, 1400], 8000);
    assert.equal(d.frequency, 1000);
    assert.ok(d.power > 0.95);
    assert.deepEqual([...d.powers.keys()], [440, 1000, 1400]);
    assert.throws(() => dominantFrequency([1, 2], [], 8000), /no candidate/);
  });

  it('rmsLevel and trimSilence measure and cut the quiet parts', () => {
    const tone = sine({ frequency: 1000, seconds: 0.1, amplitude: 0.5 });
    assert.ok(Math.abs(rmsLevel(tone) - 0.5 / Math.SQRT2) < 0.01);
    assert.equal(rmsLevel([]), 0);
    const padded = new Int16Array(tone.length + 1000);
    padded.set(tone, 500);
    const trimmed = trimSilence(padded);
    assert.ok(trimmed.length <= tone.length && trimmed.length >= tone.length - 2);
  });
});

describe('WAV', () => {
  const cases = [
    { name: 'pcm16 at 8 kHz', format: 'pcm16' as const, sampleRate: 8000, headerBytes: 44, bytesPerSample: 2 },
    { name: 'pcm16 at 48 kHz', format: 'pcm16' as const, sampleRate: 48000, headerBytes: 44, bytesPerSample: 2 },
    { name: 'pcmu (SIPp rtp_stream)', format: 'pcmu' as const, sampleRate: 8000, headerBytes: 46, bytesPerSample: 1 },
    { name: 'pcma', format: 'pcma' as const, sampleRate: 8000, headerBytes: 46, bytesPerSample: 1 },
  ];
  for (const c of cases) {
    it(`encodeWav then decodeWav round-trips ${c.name}`, () => {
      const tone = sine({ frequency: 440, seconds: 0.25, sampleRate: c.sampleRate });
      const wav = encodeWav(tone, { sampleRate: c.sampleRate, format: c.format });
      assert.equal(wav.length, c.headerBytes + tone.length * c.bytesPerSample);
      const decoded = decodeWav(wav);
      assert.equal(decoded.sampleRate, c.sampleRate);
      assert.equal(decoded.channels, 1);
      assert.equal(decoded.format, c.format);
      assert.equal(decoded.samples.length, tone.length);
      if (c.format === 'pcm16') assert.deepEqual(decoded.samples, tone);
      else assert.ok(tonePower(decoded.samples, 440, c.sampleRate) > 0.95);
    });
  }

  it('decodeWav takes the first channel of a stereo file and tolerates a streaming data size', () => {
    const frames = 400;
    const data = Buffer.alloc(frames * 4);
    for (let i = 0; i < frames; i++) {
      data.writeInt16LE(i, i * 4);
      data.writeInt16LE(-i, i * 4 + 2);
    }
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.write('WAVE', 8, 'latin1');
    header.write('fmt ', 12, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(2, 22);
    header.writeUInt32LE(8000, 24);
    header.writeUInt32LE(32000, 28);
    header.writeUInt16LE(4, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(0, 40); // not yet finalised by the writer
    const decoded = decodeWav(Buffer.concat([header, data]));
    assert.equal(decoded.channels, 2);
    assert.equal(decoded.samples.length, frames);
    assert.equal(decoded.samples[10], 10);
  });

  it('decodeWav rejects what is not a WAV', () => {
    assert.throws(() => decodeWav(Buffer.from('hello world!')), /not a RIFF\/WAVE/);
  });

  it('writeToneWav writes a file readWav reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ucs-tones-'));
    try {
      const path = writeToneWav(join(dir, 't.wav'), { frequency: 1000, seconds: 0.5 });
      const wav = readWav(path);
      assert.equal(wav.sampleRate, 8000);
      assert.equal(wav.samples.length, 4000);
      assert.equal(dominantFrequency(wav.samples, [440, 1000], 8000).frequency, 1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
