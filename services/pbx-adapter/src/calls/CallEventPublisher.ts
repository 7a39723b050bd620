// Publishes the call lifecycle into the CALLS stream (`calls.event.<lineId>`, publishDurable): `seq`
// grows per call from 1 and is assigned when the event is created, and the events of one call are
// stored one after the other, so the journal sees them in order even when NATS reconnects in between.
// A failed publish is logged and counted; it never fails the call.
import { CallTopics, type BusClient, type CallEvent, type Logger } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { CallEventBase, CallEventChange, CallEventHooks, CallEventPublisherOptions } from './CallEventPublisherTypes.ts';

interface Track {
  seq: number;
  tail: Promise<void>;
  last: CallEvent | undefined;
}

export class CallEventPublisher {
  readonly #bus: BusClient;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #deadlineMs: number;
  readonly #maxCalls: number;
  readonly #now: () => number;
  readonly #hooks: CallEventHooks | undefined;
  readonly #tracks = new Map<string, Track>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: CallEventPublisherOptions) {
    this.#bus = options.bus;
    this.#logger = options.logger.child({ component: 'call-events' });
    this.#metrics = options.metrics;
    this.#deadlineMs = options.deadlineMs ?? 30_000;
    this.#maxCalls = options.maxCalls ?? 100_000;
    this.#now = options.now ?? Date.now;
    this.#hooks = options.hooks;
  }

  /** The newest event of a running call (undefined once its 'disconnected' was queued). */
  lastEvent(callId: string): CallEvent | undefined {
    return this.#tracks.get(callId)?.last;
  }

  /** Calls with events not yet ended by 'disconnected'. */
  get size(): number {
    return this.#tracks.size;
  }

  /** Queues one event of a call; resolves once it is stored (or given up, which is logged). */
  publish(base: CallEventBase, change: CallEventChange): Promise<void> {
    let track = this.#tracks.get(base.callId);
    if (!track) {
      if (this.#tracks.size >= this.#maxCalls) this.#evictOldest();
      track = { seq: 0, tail: Promise.resolve(), last: undefined };
      this.#tracks.set(base.callId, track);
    }
    track.seq += 1;
    const event: CallEvent = { ...base, ...change, seq: track.seq, at: this.#now() };
    track.last = event;
    const run = track.tail.then(async () => {
      await this.#hooks?.beforeStore(event);
      let stored = false;
      try {
        await this.#bus.publishDurable(CallTopics.event, event, this.#deadlineMs);
        stored = true;
      } catch (err) {
        this.#metrics.callEventPublishFailures.inc();
        this.#logger.error({ callId: base.callId, lineId: base.lineId, seq: event.seq, state: event.state, err: (err as Error).message }, 'call event not stored');
      }
      this.#hooks?.afterStore(event, stored);
    });
    track.tail = run;
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
    if (change.state === 'disconnected') this.#tracks.delete(base.callId);
    return run;
  }

  /** Resolves when every queued event is stored or given up (shutdown waits for this). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #evictOldest(): void {
    const oldest = this.#tracks.keys().next().value;
    if (oldest === undefined) return;
    this.#tracks.delete(oldest);
    this.#logger.warn({ callId: oldest, maxCalls: this.#maxCalls }, 'call event tracking full; oldest call forgotten');
  }
}
