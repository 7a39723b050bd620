// The N-1 mix: each participant hears the sum of everyone else. Pure, integer, clip-safe (32-bit sums,
// each output saturated to 16 bits, never wrapped).

/** Saturates a sum to the 16-bit range. */
export function clamp16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/**
 * Mixes one frame: `inputs[i]` is participant i's audio (null: silent this frame), `outputs[i]` receives
 * the sum of all inputs but its own. Every array has `sum.length` samples; `sum` is scratch.
 */
export function mixMinusOne(inputs: readonly (Int16Array | null)[], outputs: readonly Int16Array[], sum: Int32Array): void {
  sum.fill(0);
  for (const input of inputs) {
    if (!input) continue;
    for (let s = 0; s < sum.length; s++) sum[s]! += input[s]!;
  }
  for (let i = 0; i < outputs.length; i++) {
    const own = inputs[i];
    const out = outputs[i]!;
    if (own) for (let s = 0; s < sum.length; s++) out[s] = clamp16(sum[s]! - own[s]!);
    else for (let s = 0; s < sum.length; s++) out[s] = clamp16(sum[s]!);
  }
}
