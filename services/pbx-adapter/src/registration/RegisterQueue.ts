// Bounds the REGISTER transactions in flight, so 10 000 lines starting (or a registrar coming back)
// send a steady stream instead of a burst the registrar and the transaction layer cannot absorb.
import { AdapterClosedError } from '../errors.ts';

export interface RegisterQueueOptions {
  /**
   * Whether another REGISTER may start now besides the slot limit. The adapter holds REGISTERs back
   * while the transaction table is half full: a finished UDP REGISTER transaction lingers 5 s (Timer K)
   * and a digest exchange takes two, so at 10 000 lines the table would otherwise fill up, and incoming
   * INVITEs would get 503.
   */
  admit?: () => boolean;
  /** How soon a task held back by `admit` is tried again. Default 50 ms. */
  recheckMs?: number;
}

export class RegisterQueue {
  readonly limit: number;
  readonly #admit: () => boolean;
  readonly #recheckMs: number;
  #running = 0;
  readonly #waiting: Array<{ start: () => void; reject: (err: Error) => void }> = [];
  #recheck: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(limit: number, options: RegisterQueueOptions = {}) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`RegisterQueue limit must be a positive integer, got ${limit}`);
    this.limit = limit;
    this.#admit = options.admit ?? (() => true);
    this.#recheckMs = options.recheckMs ?? 50;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once a slot is free and admitted; rejects with AdapterClosedError when closed before it started. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new AdapterClosedError('register queue closed');
    if (this.#waiting.length > 0 || this.#running >= this.limit || !this.#admit()) {
      // #pump counts the task as running when it starts it.
      await new Promise<void>((start, reject) => {
        this.#waiting.push({ start, reject });
        this.#pump();
      });
    } else {
      this.#running += 1;
    }
    try {
      return await task();
    } finally {
      this.#running -= 1;
      this.#pump();
    }
  }

  /** Rejects every waiting task; running ones finish. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#recheck);
    for (const w of this.#waiting.splice(0)) w.reject(new AdapterClosedError('register queue closed'));
  }

  #pump(): void {
    while (!this.#closed && this.#waiting.length > 0 && this.#running < this.limit) {
      if (!this.#admit()) {
        // Nothing that finishes here frees transaction-table room; only time does.
        this.#recheck ??= setTimeout(() => {
          this.#recheck = undefined;
          this.#pump();
        }, this.#recheckMs);
        return;
      }
      this.#running += 1;
      this.#waiting.shift()!.start();
    }
  }
}
