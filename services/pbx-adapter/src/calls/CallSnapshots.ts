// The crash-recovery copy of the running calls (PbxBuckets.calls, key = bus callId): for each call that
// published an event, its last event, its owner and its SIP teardown. A call's writes run one after the
// other and coalesce (a write queued behind a running one writes the newest state once); the write naming
// an event is awaited before that event is stored (CallEventHooks), so a recovery's 'disconnected' always
// follows the last stored seq; the entry is deleted once the call's 'disconnected' is stored. A failed
// write or delete is logged and counted and never fails the call; an entry the adapter forgets anyway
// (a failed delete) dies with the bucket's TTL or is ended again, harmlessly, by the next recovery.
// Each write is a JetStream publish and its ack (issue 16: ~half the adapter's bus messages per call), so
// a write is skipped when the event and the teardown are those last written (a 180's early dialog while
// the CANCEL of our INVITE stays the teardown, the ACK of our 200, a changed owner): nothing a recovery
// reads changed. The owner is not read by the recovery (it only describes the call): it rides the next
// write. A dialog change (changed()) is written at the end of the event-loop turn, so that the event it
// often comes with (a 180 and 'ringback', a BYE and 'disconnected') shares one write; a crash in
// that turn loses what a crash just before the change would have.
import type { CallEvent, Logger } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { CallEventHooks } from './CallEventPublisherTypes.ts';
import type { CallSnapshotsOptions, SnapshotSource } from './CallSnapshotsTypes.ts';

interface Entry {
  callId: string;
  source: SnapshotSource;
  /** The last event handed to beforeStore; nothing is written before the first. */
  event: CallEvent | undefined;
  tail: Promise<void>;
  /** A write queued behind `tail` that has not started: later changes ride on it. */
  queued: Promise<void> | undefined;
  /** What the last successful write held (event and teardown, JSON): a write of the same is skipped. */
  written: string | undefined;
}

export class CallSnapshots implements CallEventHooks {
  readonly #options: CallSnapshotsOptions;
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Set<Promise<void>>();
  /** Calls whose dialog changed in this loop turn: written once at its end (unless an event's write took it). */
  readonly #dirty = new Set<string>();
  #turnEnd: NodeJS.Immediate | undefined;

  constructor(options: CallSnapshotsOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'call-snapshots' });
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
  }

  /** Calls followed (bounded by the calls the adapter carries). */
  get size(): number {
    return this.#entries.size;
  }

  /** Follows a new call; nothing is written until its first event. */
  attach(callId: string, source: SnapshotSource): void {
    if (this.#entries.has(callId)) return;
    this.#entries.set(callId, { callId, source, event: undefined, tail: Promise.resolve(), queued: undefined, written: undefined });
  }

  /** A call that ended without publishing anything: forget it (nothing was written). */
  detach(callId: string): void {
    const entry = this.#entries.get(callId);
    if (entry && entry.event === undefined) this.#entries.delete(callId);
  }

  /** The owner or the teardown of a call changed: write it again (once its first event exists) at the end of this turn. */
  changed(callId: string): void {
    if (!this.#entries.get(callId)?.event) return;
    this.#dirty.add(callId);
    this.#turnEnd ??= setImmediate(() => this.#writeDirty());
  }

  async beforeStore(event: CallEvent): Promise<void> {
    const entry = this.#entries.get(event.callId);
    if (!entry) return;
    entry.event = event;
    // This write reads the teardown when it starts, after this turn: a dialog change of the turn rides on it.
    this.#dirty.delete(event.callId);
    await this.#write(entry);
  }

  afterStore(event: CallEvent, stored: boolean): void {
    if (event.state !== 'disconnected') return;
    const entry = this.#entries.get(event.callId);
    if (!entry) return;
    this.#entries.delete(event.callId);
    // Not stored: the snapshot (holding this 'disconnected') stays, so the next recovery stores it.
    if (!stored) return;
    this.#track(entry.tail.then(async () => {
      try {
        await this.#options.store.delete(entry.callId);
      } catch (err) {
        this.#failed(entry.callId, 'delete', err);
      }
    }));
  }

  /** Resolves once every write and delete started so far has finished (shutdown, tests). */
  async flush(): Promise<void> {
    this.#writeDirty();
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #writeDirty(): void {
    if (this.#turnEnd) clearImmediate(this.#turnEnd);
    this.#turnEnd = undefined;
    for (const callId of this.#dirty) {
      const entry = this.#entries.get(callId);
      if (entry) void this.#write(entry);
    }
    this.#dirty.clear();
  }

  #write(entry: Entry): Promise<void> {
    if (entry.queued) return entry.queued;
    const run = entry.tail.then(async () => {
      entry.queued = undefined;
      const event = entry.event;
      if (!event) return;
      let teardown;
      try {
        teardown = entry.source.teardown();
      } catch (err) {
        // A teardown we cannot describe is a bug; the snapshot still closes the call's events.
        this.#logger.error({ callId: entry.callId, err }, 'call teardown not describable; recovery will only close its events');
        teardown = { kind: 'none' as const };
      }
      const content = `${event.seq}|${JSON.stringify(teardown)}`;
      if (content === entry.written) return;
      const owner = entry.source.owner();
      try {
        await this.#options.store.put(entry.callId, { event, ...(owner ? { owner } : {}), teardown, savedAt: this.#now() });
        entry.written = content;
      } catch (err) {
        this.#failed(entry.callId, 'write', err);
      }
    });
    entry.queued = run;
    entry.tail = run;
    this.#track(run);
    return run;
  }

  #track(run: Promise<void>): void {
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
  }

  #failed(callId: string, what: 'write' | 'delete', err: unknown): void {
    this.#metrics.snapshotWriteFailures.inc();
    this.#logger.warn({ callId, err: (err as Error).message }, `call snapshot ${what} failed`);
  }
}
