// G.711 µ-law and A-law (ITU-T G.711) between 8-bit code words and 16-bit linear PCM. Pure; decoding
// is a 256-entry table each, encoding the segment arithmetic of the recommendation.

const ulawBias = 0x84;
const ulawClip = 32635;

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + ulawBias) << exponent) - ulawBias;
  return u & 0x80 ? -magnitude : magnitude;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  let magnitude = ((a & 0x0f) << 4) + 8;
  if (exponent !== 0) magnitude = (magnitude + 0x100) << (exponent - 1);
  // A-law's sign bit set means positive.
  return a & 0x80 ? magnitude : -magnitude;
}

const ulawTable = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));
const alawTable = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

/** Segment (exponent) of a biased µ-law magnitude from its bits 7..14. */
const ulawSegment = Uint8Array.from({ length: 256 }, (_, v) => (v < 2 ? 0 : Math.min(7, Math.floor(Math.log2(v)))));

/** One µ-law code word of a 16-bit sample. */
export function linearToUlaw(sample: number): number {
  let s = sample | 0;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > ulawClip) s = ulawClip;
  s += ulawBias;
  const exponent = ulawSegment[(s >> 7) & 0xff]!;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One A-law code word of a 16-bit sample. */
export function linearToAlaw(sample: number): number {
  let s = sample | 0;
  const sign = s >= 0 ? 0x80 : 0;
  // Negative values are encoded from their one's complement (G.711 Table 1a/1b: -1 is the smallest step).
  if (!sign) s = -s - 1;
  if (s > 32767) s = 32767;
  let code: number;
  if (s >= 256) {
    const exponent = Math.min(7, Math.floor(Math.log2(s >> 8)) + 1);
    code = (exponent << 4) | ((s >> (exponent + 3)) & 0x0f);
  } else {
    code = s >> 4;
  }
  return (sign | code) ^ 0x55;
}

/** The linear sample of a µ-law code word. */
export function ulawToSample(code: number): number {
  return ulawTable[code & 0xff]!;
}

/** The linear sample of an A-law code word. */
export function alawToSample(code: number): number {
  return alawTable[code & 0xff]!;
}

export type G711Law = 'ulaw' | 'alaw';

/** Decodes a G.711 payload into `out` (which must hold payload.length samples); returns the sample count. */
export function decodeG711(law: G711Law, payload: Uint8Array, out: Int16Array): number {
  const table = law === 'ulaw' ? ulawTable : alawTable;
  const n = Math.min(payload.length, out.length);
  for (let i = 0; i < n; i++) out[i] = table[payload[i]!]!;
  return n;
}

/** Encodes 16-bit samples into a new G.711 payload. */
export function encodeG711(law: G711Law, samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  const encode = law === 'ulaw' ? linearToUlaw : linearToAlaw;
  for (let i = 0; i < samples.length; i++) out[i] = encode(samples[i]!);
  return out;
}
