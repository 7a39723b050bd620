// Bounds the REGISTER transactions in flight, so 10 000 lines starting (or a registrar coming back)
// send a steady stream instead of a burst the registrar and the transaction layer cannot absorb.
import { AdapterClosedError } from '../errors.ts';

export class RegisterQueue {
  readonly limit: number;
  #running = 0;
  readonly #waiting: Array<{ start: () => void; reject: (err: Error) => void }> = [];
  #closed = false;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`RegisterQueue limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once a slot is free; rejects with AdapterClosedError when closed before it started. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new AdapterClosedError('register queue closed');
    if (this.#running >= this.limit) {
      await new Promise<void>((start, reject) => this.#waiting.push({ start, reject }));
    }
    this.#running += 1;
    try {
      return await task();
    } finally {
      this.#running -= 1;
      this.#waiting.shift()?.start();
    }
  }

  /** Rejects every waiting task; running ones finish. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.reject(new AdapterClosedError('register queue closed'));
  }
}
