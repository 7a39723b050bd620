// A small seeded PRNG: every fuzz input is a pure function of (seed, target, index), so a finding is
// replayed with `--seed S --replay target:index` without running the inputs before it.

/** mulberry32 over a 32-bit state; fast, good enough for mutation choices (not for secrets). */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The generator of input `index` of `target` in the run with `seed`. */
  static forInput(seed: number, target: string, index: number): Rng {
    let h = 2166136261 ^ (seed >>> 0);
    for (const ch of `${target}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    return new Rng(Math.imul(h ^ (h >>> 15), 2246822507) ^ Math.imul(seed, 3266489909));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick(): empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** Printable ASCII of length n. */
  ascii(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(32 + Math.floor(this.next() * 95));
    return s;
  }
}
