import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Audio assertions for tests: sine generation, WAV read/write (16-bit PCM, G.711 mu-law/A-law), G.711
 * decode/encode tables, and tone detection with the Goertzel algorithm.
 *
 * Typical check: `dominantFrequency(samples, [440, 1000, 1400], 8000).frequency === 1000` and
 * `tonePower(samples, 1000, 8000) > 0.5` (the share of the signal's energy at 1000 Hz).
 */

export type WavFormat = 'pcm16' | 'pcmu' | 'pcma';

export interface ToneOptions {
  frequency: number;
  seconds: number;
  /** Default 8000. */
  sampleRate?: number;
  /** Peak amplitude as a fraction of full scale, default 0.5 (-6 dBFS). */
  amplitude?: number;
}

/** A sine tone as 16-bit samples. */
export function sine(options: ToneOptions): Int16Array {
  const rate = options.sampleRate ?? 8000;
  const amplitude = Math.min(1, Math.max(0, options.amplitude ?? 0.5)) * 32767;
  const n = Math.round(options.seconds * rate);
  const out = new Int16Array(n);
  const w = (2 * Math.PI * options.frequency) / rate;
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin(w * i));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// G.711 (ITU-T G.711, the classic Sun reference conversions)

function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (!(a & 0x80)) magnitude = -magnitude;
  return magnitude;
}

/** PCMU (mu-law) byte → 16-bit linear sample. */
export const PCMU_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));
/** PCMA (A-law) byte → 16-bit linear sample. */
export const PCMA_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

export function decodePcmu(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PCMU_TO_LINEAR[bytes[i]!]!;
  return out;
}

export function decodePcma(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = PCMA_TO_LINEAR[bytes[i]!]!;
  return out;
}

export function linearToPcmu(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.round(sample);
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; exponent > 0 && !(s & mask); mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function linearToPcma(sample: number): number {
  let s = Math.round(sample);
  let mask: number;
  if (s >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    s = -s - 1;
  }
  if (s > 32767) s = 32767;
  let exponent = 7;
  for (let m = 0x4000; exponent > 0 && !(s & m); m >>= 1) exponent--;
  const mantissa = exponent === 0 ? (s >> 4) & 0x0f : (s >> (exponent + 3)) & 0x0f;
  return ((exponent << 4) | mantissa) ^ mask;
}

export function encodePcmu(samples: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToPcmu(samples[i]!);
  return out;
}

export function encodePcma(samples: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToPcma(samples[i]!);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// WAV

/**
 * A mono WAV: 16-bit PCM (format 1) or 8-bit G.711 (format 7 mu-law, 6 A-law; the kind SIPp's
 * `rtp_stream` plays as RTP payload verbatim).
 */
export function encodeWav(samples: Int16Array, options: { sampleRate: number; format?: WavFormat }): Buffer {
  const format = options.format ?? 'pcm16';
  let data: Buffer;
  if (format === 'pcm16') {
    data = Buffer.alloc(samples.length * 2);
    for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  } else {
    data = Buffer.from(format === 'pcmu' ? encodePcmu(samples) : encodePcma(samples));
  }
  const bits = format === 'pcm16' ? 16 : 8;
  const blockAlign = bits / 8;
  const fmtLength = format === 'pcm16' ? 16 : 18;
  const header = Buffer.alloc(12 + 8 + fmtLength + 8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(header.length - 8 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(fmtLength, 16);
  header.writeUInt16LE(format === 'pcm16' ? 1 : format === 'pcmu' ? 7 : 6, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(options.sampleRate, 24);
  header.writeUInt32LE(options.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bits, 34);
  // (an 18-byte fmt chunk ends with cbSize = 0, already zero)
  const dataAt = 20 + fmtLength;
  header.write('data', dataAt, 'latin1');
  header.writeUInt32LE(data.length, dataAt + 4);
  return Buffer.concat([header, data]);
}

export interface DecodedWav {
  sampleRate: number;
  channels: number;
  format: WavFormat;
  /** The first channel as 16-bit linear samples (G.711 decoded). */
  samples: Int16Array;
}

/** Parses a WAV (PCM 16-bit, mu-law or A-law; any number of channels, the first is returned). */
export function decodeWav(buf: Buffer): DecodedWav {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('decodeWav: not a RIFF/WAVE file');
  }
  let pos = 12;
  let fmt: { code: number; channels: number; rate: number; bits: number } | undefined;
  let data: Buffer | undefined;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    let size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    // streaming writers (e.g. an unfinished recording) leave 0 or a too-large size: take what is there
    if (id === 'data' && (size === 0 || body + size > buf.length)) size = buf.length - body;
    if (id === 'fmt ') {
      let code = buf.readUInt16LE(body);
      if (code === 0xfffe && size >= 26) code = buf.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE
      fmt = { code, channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
    }
    pos = body + size + (size % 2);
  }
  if (!fmt) throw new Error('decodeWav: no fmt chunk');
  if (!data) throw new Error('decodeWav: no data chunk');
  const { code, channels, rate, bits } = fmt;
  let format: WavFormat;
  let all: Int16Array;
  if (code === 1 && bits === 16) {
    format = 'pcm16';
    const n = Math.floor(data.length / 2);
    all = new Int16Array(n);
    for (let i = 0; i < n; i++) all[i] = data.readInt16LE(i * 2);
  } else if (code === 7 && bits === 8) {
    format = 'pcmu';
    all = decodePcmu(data);
  } else if (code === 6 && bits === 8) {
    format = 'pcma';
    all = decodePcma(data);
  } else {
    throw new Error(`decodeWav: unsupported format ${code} with ${bits} bits`);
  }
  const frames = Math.floor(all.length / channels);
  const samples = channels === 1 ? all : Int16Array.from({ length: frames }, (_, i) => all[i * channels]!);
  return { sampleRate: rate, channels, format, samples };
}

export function readWav(path: string): DecodedWav {
  return decodeWav(readFileSync(path));
}

/** Writes a sine tone as a mono WAV (default: 8 kHz, 16-bit PCM). Returns the path. */
export function writeToneWav(path: string, options: ToneOptions & { format?: WavFormat }): string {
  const sampleRate = options.sampleRate ?? 8000;
  writeFileSync(path, encodeWav(sine({ ...options, sampleRate }), { sampleRate, format: options.format ?? 'pcm16' }));
  return path;
}

// ---------------------------------------------------------------------------------------------------
// Goertzel

/**
 * The share (0..1) of the signal's energy at `frequency`: Goertzel evaluated at exactly that frequency
 * (no bin rounding), normalised so that a pure sine at `frequency` gives ≈1 and silence 0.
 * Use a window of at least a few hundred samples; leading/trailing silence lowers nothing but the
 * absolute level (the share stays).
 */
export function tonePower(samples: ArrayLike<number>, frequency: number, sampleRate: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i]!;
    energy += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return Math.min(1, (2 * power) / (n * energy));
}

export interface DominantFrequency {
  /** The candidate with the highest share of the energy. */
  frequency: number;
  /** Its share (0..1). */
  power: number;
  /** The share of every candidate. */
  powers: Map<number, number>;
}

/** Which of `candidates` carries the most energy in `samples`. */
export function dominantFrequency(samples: ArrayLike<number>, candidates: readonly number[], sampleRate: number): DominantFrequency {
  if (candidates.length === 0) throw new Error('dominantFrequency: no candidate frequencies');
  const powers = new Map<number, number>();
  let best = candidates[0]!;
  for (const f of candidates) {
    const p = tonePower(samples, f, sampleRate);
    powers.set(f, p);
    if (p > powers.get(best)!) best = f;
  }
  return { frequency: best, power: powers.get(best)!, powers };
}

/** Root-mean-square level relative to full scale (0..1): "is there any sound at all". */
export function rmsLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length) / 32768;
}

/**
 * Samples with leading and trailing near-silence removed (|x| ≤ threshold), e.g. to ignore the quiet
 * start of a recording before the first packets arrived.
 */
export function trimSilence(samples: Int16Array, threshold = 64): Int16Array {
  let start = 0;
  let end = samples.length;
  while (start < end && Math.abs(samples[start]!) <= threshold) start++;
  while (end > start && Math.abs(samples[end - 1]!) <= threshold) end--;
  return samples.subarray(start, end);
}
