/**
 * Polls `fn` until it returns a truthy value, at most `ms`; the error names what it waited for.
 * The bounded alternative to sleeping in tests.
 */
export async function check<T>(fn: () => T | Promise<T>, ms: number, options: { name: string; intervalMs?: number }): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until) {
      throw new Error(`timed out after ${ms} ms waiting for ${options.name}${last ? ` (last error: ${(last as Error).message})` : ''}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}

/** A countdown latch that rejects after `ms` (nats.js's Lock): await `latch.done` instead of sleeping. */
export class Latch {
  readonly done: Promise<void>;
  #count: number;
  #resolve!: () => void;
  #timer: NodeJS.Timeout;

  constructor(count: number, ms: number, name = 'latch') {
    this.#count = count;
    let reject!: (e: Error) => void;
    this.done = new Promise<void>((res, rej) => {
      this.#resolve = res;
      reject = rej;
    });
    this.#timer = setTimeout(() => reject(new Error(`${name}: ${this.#count} of ${count} still missing after ${ms} ms`)), ms);
    if (count <= 0) this.#finish();
  }

  unlock(): void {
    this.#count -= 1;
    if (this.#count <= 0) this.#finish();
  }

  #finish(): void {
    clearTimeout(this.#timer);
    this.#resolve();
  }
}
