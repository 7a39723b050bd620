import { journalUnits, type JournalInput } from './journalUnits.ts';
import type { JournalQueueOptions } from './JournalQueueTypes.ts';

interface Entry {
  input: JournalInput;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The journal's write-behind queue: events wait up to `flushMs` (one timer per batch, not per call) so
 * that a call's setup events (dialing, ringback, connected) fold into one row write, then are written in
 * arrival order, one batch at a time. Each event's promise settles once its write did: the durable
 * consumer acknowledges it only then, so nothing queued is lost with the process (the stream delivers it
 * again). The consumer's in-flight bound (ConsumeOptions.inFlight) bounds the queue.
 */
export class JournalQueue {
  readonly #o: JournalQueueOptions;
  #entries: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing = false;
  #stopped = false;
  readonly #idle: Array<() => void> = [];

  constructor(options: JournalQueueOptions) {
    this.#o = options;
  }

  /** Queues an event; resolves once it is written, rejects with the error its write failed with. */
  push(input: JournalInput): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#entries.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  /** Events queued or being written. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Writes what waits at once, and every later push without waiting (the consumer stopped: nothing more
   * to fold with); resolves when nothing is queued, or after `timeoutMs` (what is left is delivered again).
   */
  drain(timeoutMs = 5000): Promise<void> {
    this.#stopped = true;
    this.#schedule();
    if (this.#entries.length === 0 && !this.#writing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#idle.push(done);
    });
  }

  #schedule(): void {
    if (this.#writing || this.#entries.length === 0) return;
    if (this.#stopped || this.#entries.length >= this.#o.maxBatch) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#o.flushMs);
  }

  async #flush(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    const batch = this.#entries.splice(0, this.#o.maxBatch);
    try {
      let first = true;
      for (const unit of journalUnits(batch.map((e) => e.input))) {
        // Between two writes, the loop's I/O first: an embedded database (PGlite) runs a statement in
        // this thread and settles it without a turn of the loop, so a batch's writes back to back would
        // hold every call's messages until the whole batch is written.
        if (!first) await new Promise<void>((resolve) => setImmediate(resolve));
        first = false;
        const entries = unit.map((i) => batch[i]!);
        let results: unknown[];
        try {
          results = await this.#o.write(entries.map((e) => e.input));
        } catch (err) {
          results = entries.map(() => err);
        }
        entries.forEach((e, i) => (results[i] === undefined ? e.resolve() : e.reject(results[i])));
      }
    } finally {
      this.#writing = false;
      this.#schedule();
      if (this.#entries.length === 0 && !this.#writing) for (const done of this.#idle.splice(0)) done();
    }
  }
}
