import type { CallEvent, Logger } from '@ucserver/shared';
import type { JournalReconcileReport, JournalReconcilerOptions } from './JournalReconcilerTypes.ts';

/**
 * At gateway start: asks the pbx-adapter which calls are live (PbxCommands.listCalls, retried with backoff
 * until it answers; never closing rows without its answer), puts them into the gateway's call table, lets
 * the journal consumer catch up with the CALLS stream (the 'disconnected' of a call that ended while the
 * gateway was down closes its row with the real cause), then closes the rows still open of calls that
 * started before the adapter's list and are not on it (cause 'lost').
 */
export class JournalReconciler {
  readonly #options: JournalReconcilerOptions;
  readonly #logger: Logger;

  constructor(options: JournalReconcilerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'journal-reconcile' });
  }

  /** Resolves with what was done; rejects only when `signal` aborts. */
  async run(signal: AbortSignal): Promise<JournalReconcileReport> {
    const { live, at } = await this.#liveCalls(signal);
    for (const event of live) this.#options.calls.applyCallEvent(event);
    await this.#catchUp(signal);
    const now = (this.#options.now ?? Date.now)();
    const closed = await this.#options.writer.closeLost(new Set(live.map((e) => e.callId)), new Date(at), new Date(now));
    this.#logger.info({ live: live.length, closed: closed.length }, 'journal reconciled with the pbx-adapter');
    return { live: live.length, closed };
  }

  async #liveCalls(signal: AbortSignal): Promise<{ live: CallEvent[]; at: number }> {
    const min = this.#options.retryMinMs ?? 500;
    const max = this.#options.retryMaxMs ?? 10_000;
    for (let attempt = 0; ; attempt++) {
      signal.throwIfAborted();
      try {
        const live: CallEvent[] = [];
        let at: number | undefined;
        let offset: number | null = 0;
        while (offset !== null) {
          const page = await this.#options.pbx.listCalls(offset, 500);
          // The first page's clock: every call started before it that is not listed had ended by then.
          at ??= page.at;
          live.push(...page.calls);
          offset = page.nextOffset;
        }
        return { live, at: at ?? 0 };
      } catch (err) {
        const delay = Math.min(max, min * 2 ** Math.min(attempt, 10));
        this.#logger.warn({ err: (err as Error).message, retryInMs: delay }, 'pbx-adapter did not list its calls; journal not reconciled yet');
        await sleep(delay, signal);
      }
    }
  }

  /** Waits (bounded) until the journal consumer has applied what the stream holds. */
  async #catchUp(signal: AbortSignal): Promise<void> {
    const until = Date.now() + (this.#options.catchUpMs ?? 10_000);
    for (;;) {
      signal.throwIfAborted();
      const backlog = await this.#options.writer.backlog().catch(() => 0);
      if (backlog === 0) return;
      if (Date.now() >= until) {
        this.#logger.warn({ backlog }, 'journal consumer still behind; reconciling anyway');
        return;
      }
      await sleep(100, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
