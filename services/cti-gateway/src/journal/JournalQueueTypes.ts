// Contract of JournalQueue: what it writes with and how long it gathers.
import type { JournalInput } from './journalUnits.ts';

export interface JournalQueueOptions {
  /**
   * Writes one unit (journalUnits: events of one call that fold into one row write, or a single event);
   * resolves per event: undefined when written, else the error that event failed with.
   */
  write: (unit: JournalInput[]) => Promise<Array<unknown>>;
  /** How long the first queued event waits for more (of its call, to fold with) before the batch is written. */
  flushMs: number;
  /** A batch is written at once when this many events wait; also the most one write takes. */
  maxBatch: number;
}
