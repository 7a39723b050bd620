// 8 kHz ⇄ 16 kHz for G.711 participants of a 16 kHz mix. Small stateful filters, one per direction and
// participant, so frame boundaries are continuous. Voice band only: the 2:1 decimator is a [1 2 1]/4
// low-pass, enough to keep a wideband (opus) participant's 4–8 kHz content from folding loudly into a
// narrowband participant's feed.

/** Doubles the rate by linear interpolation (half a sample of delay). */
export class Upsampler2 {
  #previous = 0;

  /** Writes 2 × input.length samples into `out`. */
  process(input: Int16Array, out: Int16Array): void {
    let previous = this.#previous;
    for (let i = 0; i < input.length; i++) {
      const x = input[i]!;
      out[2 * i] = (previous + x) >> 1;
      out[2 * i + 1] = x;
      previous = x;
    }
    this.#previous = previous;
  }
}

/** Halves the rate with a [1 2 1]/4 low-pass. */
export class Downsampler2 {
  #previous = 0;

  /** Writes input.length / 2 samples into `out`. */
  process(input: Int16Array, out: Int16Array): void {
    let previous = this.#previous;
    const n = input.length >> 1;
    for (let i = 0; i < n; i++) {
      const a = input[2 * i]!;
      const b = input[2 * i + 1]!;
      out[i] = (previous + 2 * a + b) >> 2;
      previous = b;
    }
    this.#previous = previous;
  }
}
