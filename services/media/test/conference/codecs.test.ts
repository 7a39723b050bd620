// The mixer's codecs at 16 kHz: G.711 and opus carry a tone through encode → decode, and conceal a lost
// frame (G.711 by fading repetition, opus by libopus PLC), falling silent after maxConcealedFrames.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rmsLevel, tonePower } from '@ucserver/testkit';
import { codecFor } from '../../src/conference/codecFor.ts';
import { frameSamples, maxConcealedFrames, mixRate } from '../../src/conference/ConferenceCodecTypes.ts';
import { NoCommonCodecError } from '../../src/errors.ts';

function toneFrame(frequency: number, index: number, amplitude = 8000): Int16Array {
  return Int16Array.from({ length: frameSamples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (index * frameSamples + i)) / mixRate)));
}

for (const name of ['PCMU', 'PCMA', 'opus'] as const) {
  describe(`${name} for the mix`, () => {
    test('a tone survives encode → decode', (t) => {
      const enc = codecFor(name);
      const dec = codecFor(name);
      t.after(() => {
        enc.close();
        dec.close();
      });
      const decoded: Int16Array[] = [];
      for (let k = 0; k < 25; k++) {
        const payload = enc.encode(toneFrame(800, k));
        assert.equal(payload.length > 0, true);
        if (name !== 'opus') assert.equal(payload.length, frameSamples / 2);
        decoded.push(dec.decode(payload));
      }
      const tail = Int16Array.from(decoded.slice(5).flatMap((f) => [...f]));
      assert.equal(tail.length, 20 * frameSamples);
      assert.ok(tonePower(tail, 800, mixRate) > 0.8, `800 Hz share ${tonePower(tail, 800, mixRate)}`);
    });

    test('conceals lost frames, fading, then falls silent', (t) => {
      const enc = codecFor(name);
      const dec = codecFor(name);
      t.after(() => {
        enc.close();
        dec.close();
      });
      for (let k = 0; k < 10; k++) dec.decode(enc.encode(toneFrame(600, k)));
      const concealed: (Int16Array | null)[] = [];
      for (let k = 0; k < maxConcealedFrames + 2; k++) concealed.push(dec.conceal());
      const first = concealed[0];
      assert.ok(first && first.length === frameSamples);
      assert.ok(rmsLevel(first) > 0.01, `first concealed frame level ${rmsLevel(first)}`);
      assert.ok(tonePower(first, 600, mixRate) > 0.5, `concealment keeps the tone: ${tonePower(first, 600, mixRate)}`);
      const last = concealed[maxConcealedFrames - 1];
      assert.ok(!last || rmsLevel(last) < rmsLevel(first), 'concealment fades');
      assert.equal(concealed[maxConcealedFrames], null);
      // A packet after the gap resets concealment.
      dec.decode(enc.encode(toneFrame(600, 20)));
      assert.ok(dec.conceal());
    });
  });
}

test('G.722 is refused with a clear error, not mixed', () => {
  assert.throws(() => codecFor('G722'), (err: unknown) => err instanceof NoCommonCodecError && /cannot mix G722/.test(err.message));
});

test('opus: concealment in one conference leaves the other codecs of the shared WebAssembly heap working', (t) => {
  // opusscript's own PLC (decoding an empty packet) overran its output buffer into the next codec's
  // state ("Encode error: Bad argument"); concealment must not touch libopus.
  const codecs = Array.from({ length: 3 }, () => codecFor('opus'));
  t.after(() => codecs.forEach((c) => c.close()));
  for (let k = 0; k < 200; k++) {
    for (const [i, c] of codecs.entries()) {
      const payload = c.encode(toneFrame(500 + 100 * i, k));
      if ((k + i) % 7 === 0) c.conceal();
      else c.decode(payload);
    }
  }
});
