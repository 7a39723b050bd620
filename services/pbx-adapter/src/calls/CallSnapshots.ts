// The crash-recovery copy of the running calls (PbxBuckets.calls, key = bus callId): for each call that
// published an event, its last event, its owner and its SIP teardown. The write naming an event is issued
// before that event is stored (CallEventHooks), on the same NATS connection, so the server receives the
// snapshot first and a recovery's 'disconnected' always follows the last stored seq; the event does not
// wait for the write's acknowledgement (issue 16: one bus round trip fewer before each event, 'connected'
// among them, reaches the gateway). Writes of one call go out in order and are stored in that order (one
// connection, one stream); the entry is deleted once the call's 'disconnected' is stored and its last
// write acknowledged (a purge is a JetStream API request, which could overtake a write still queued for
// the stream). A failed write or delete is logged and counted and never fails the call; an entry the
// adapter forgets anyway (a failed delete) dies with the bucket's TTL or is ended again, harmlessly, by
// the next recovery. A crash between a write and its event leaves the snapshot one event ahead: the
// recovery's 'disconnected' then skips a seq, which the gateway and the journal take (they order by seq).
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
  /** Settles when the last write issued is acknowledged (or failed). */
  acked: Promise<void>;
  /** What the last write issued held (event and teardown, JSON), unless it failed: a write of the same is skipped. */
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
    this.#entries.set(callId, { callId, source, event: undefined, acked: Promise.resolve(), written: undefined });
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

  /** Issues the write naming `event` (resolves once it is on the connection, not once it is acknowledged). */
  beforeStore(event: CallEvent): Promise<void> {
    const entry = this.#entries.get(event.callId);
    if (!entry) return Promise.resolve();
    entry.event = event;
    // This write reads the teardown now: a dialog change of this turn so far rides on it.
    this.#dirty.delete(event.callId);
    this.#write(entry);
    return Promise.resolve();
  }

  afterStore(event: CallEvent, stored: boolean): void {
    if (event.state !== 'disconnected') return;
    const entry = this.#entries.get(event.callId);
    if (!entry) return;
    this.#entries.delete(event.callId);
    // Not stored: the snapshot (holding this 'disconnected') stays, so the next recovery stores it.
    if (!stored) return;
    this.#track(entry.acked.then(async () => {
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
      if (entry) this.#write(entry);
    }
    this.#dirty.clear();
  }

  /** Issues one write of the call's current state (the put is on the connection when this returns). */
  #write(entry: Entry): void {
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
    entry.written = content;
    // KvStore.put issues its publish before its first await, so nothing published after this line (the
    // event) reaches the server before it.
    let put: Promise<void>;
    try {
      put = this.#options.store.put(entry.callId, { event, ...(owner ? { owner } : {}), teardown, savedAt: this.#now() });
    } catch (err) {
      put = Promise.reject(err);
    }
    const run = put.then(() => undefined, (err: unknown) => {
      // Not taken for written: the same content is written again by the next write.
      if (entry.written === content) entry.written = undefined;
      this.#failed(entry.callId, 'write', err);
    });
    entry.acked = run;
    this.#track(run);
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
