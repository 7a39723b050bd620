import { EventEmitter } from 'node:events';
import { and, eq, isNull, like, lt, lte, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { CallTopics, type BusClient, type CallEvent, type DurableConsumer, type MediaCallEvent, type Logger } from '@ucserver/shared';
import { dbSchema, PreparedStatements, StatementValues, type CallRow, type Db } from '@ucserver/shared/db';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { JournalRetryError } from '../errors.ts';
import { JournalQueue } from './JournalQueue.ts';
import { foldCallUnit, type FoldedCall, type JournalInput } from './journalUnits.ts';
import type { JournalWriterOptions } from './JournalWriterTypes.ts';

const { calls, lines } = dbSchema;

export interface JournalWriterEvents {
  /** A journal row was created or changed (after commit). */
  entrychanged: [row: CallRow, kind: 'added' | 'modified'];
}

/** Events the consumer holds unacknowledged at most (the write-behind queue's bound). */
const IN_FLIGHT = 512;

/**
 * The journal row of a call on the line it was picked up to: the bus call id stays the call's, the row
 * the ringing line had keeps it (closed, 'picked-up'), so the picker's row is `<callId>~<line number>`.
 */
export function pickupRowId(callId: string, lineNumber: string): string {
  return `${callId}~${lineNumber}`;
}

/**
 * Writes the call journal from the CALLS stream through a durable consumer, so a restarted gateway
 * picks up where it stopped. Each call event carries a per-call `seq`; rows remember the last one
 * applied, which makes redelivery harmless. Rows of calls no live service carries are closed by
 * {@link closeLost} (cause 'lost', the gateway's reconciliation at start); such a row keeps its `lastSeq`,
 * so a 'disconnected' of the call that arrives later still applies and replaces the guess with the
 * adapter's own time and cause, while no other event reopens a closed row (none touches `endedAt`).
 */
export class JournalWriter extends EventEmitter<JournalWriterEvents> {
  readonly #db: Db;
  readonly #bus: BusClient;
  readonly #logger: Logger;
  #consumer: DurableConsumer | undefined;
  /** The durable consumer's backlog at the server, also while this gateway does not consume (another one does). */
  #pending: (() => Promise<number>) | undefined;
  readonly #ownerOf: JournalWriterOptions['ownerOf'];
  readonly #flushMs: number;
  readonly #ackWaitMs: number;
  #queue: JournalQueue | undefined;
  /**
   * The per-event statements, prepared per shape (which columns an event sets): drizzle builds each SQL
   * text once, PostgreSQL parses and plans it once per connection. A few dozen shapes occur (call states ×
   * optional fields × folded units); more than 128 run unprepared.
   */
  readonly #prepared = new PreparedStatements(128);

  constructor(db: Db, bus: BusClient, logger: Logger, options: JournalWriterOptions = {}) {
    super();
    this.#db = db;
    this.#bus = bus;
    this.#logger = logger.child({ component: 'journal' });
    this.#ownerOf = options.ownerOf;
    this.#flushMs = options.flushMs ?? 100;
    this.#ackWaitMs = options.ackWaitMs ?? 5000;
  }

  async start(durable = 'journal-writer'): Promise<void> {
    await this.#bus.ensureCallStream();
    // Write-behind: an event is acknowledged once the batch holding it is written (a crash loses nothing:
    // the stream delivers it again). A queue per run, so a stopped run's writes finish on their own.
    const queue = new JournalQueue({ write: (unit) => this.applyUnit(unit), flushMs: this.#flushMs, maxBatch: 256 });
    this.#queue = queue;
    this.#consumer = await this.#bus.consume(
      // A media event may come before the call's first event wrote the row (or for a call that never
      // gets one: an INVITE cancelled before it was offered): an expected wait, not an error record.
      { durable, retryDelayMs: 500, maxDeliver: 20, expected: (err) => err instanceof JournalRetryError, inFlight: IN_FLIGHT, ackWaitMs: this.#ackWaitMs },
      [CallTopics.event, CallTopics.media],
      (input) => queue.push(input),
    );
    this.#pending = this.#consumer.pending;
  }

  /** Stops consuming; resolves once what was queued is written (and acknowledged) rather than redelivered after the ack wait. */
  async stop(): Promise<void> {
    this.#consumer?.stop();
    this.#consumer = undefined;
    const queue = this.#queue;
    this.#queue = undefined;
    await queue?.drain();
  }

  /** Events of the stream the journal has not applied yet (0 once it caught up). */
  async backlog(): Promise<number> {
    return this.#pending ? this.#pending() : 0;
  }

  /**
   * Closes every open row of a call started at or before `cutoff` that is not in `live` (the calls the
   * pbx-adapter carried at `cutoff`): ended `at`, cause 'lost', duration from its answer. Returns them.
   */
  async closeLost(live: ReadonlySet<string>, cutoff: Date, at: Date): Promise<CallRow[]> {
    const atIso = at.toISOString();
    const rows = await this.#db.update(calls)
      .set({
        endedAt: at,
        durationS: sql`case when ${calls.answeredAt} is null then 0 else greatest(0, round(extract(epoch from (${atIso}::timestamptz - ${calls.answeredAt}))))::int end`,
        disconnectCause: 'lost',
        transactionId: sql`nextval('journal_transaction_seq')`,
      })
      .where(and(isNull(calls.endedAt), lte(calls.startedAt, cutoff), live.size > 0 ? notInArray(sql`split_part(${calls.callId}, '~', 1)`, [...live]) : undefined))
      .returning();
    for (const row of rows) this.emit('entrychanged', row, 'modified');
    if (rows.length > 0) this.#logger.warn({ calls: rows.map((r) => r.callId) }, 'journal rows of calls nobody carries closed as lost');
    return rows;
  }

  async apply(input: JournalInput): Promise<void> {
    if ('type' in input) await this.#applyMedia(input);
    else await this.#applyCall(input);
  }

  /**
   * Writes one unit of the queue (journalUnits): a lone event as {@link apply}; a call's events (with its
   * media events) folded into one statement that leaves the row applying them one by one would leave —
   * the insert for a unit starting with the call's first event, else an update guarded by the unit's
   * first `seq`. A row whose stored `seq` is not older (a redelivery), or that was picked up, takes them
   * one by one. Resolves per event: undefined when written, else its error.
   */
  async applyUnit(unit: readonly JournalInput[]): Promise<unknown[]> {
    // A unit may open with media events that came before its call events (journalUnits).
    const head = unit.find((e) => !('type' in e));
    // A pickup's event (always alone) ends the ringing line's row too: apply() knows how.
    if (head && !('type' in head) && !head.pickup && (await this.#applyFolded(foldCallUnit(unit), unit.some((e) => 'type' in e)))) return unit.map(() => undefined);
    const results: unknown[] = [];
    for (const e of unit) results.push(await this.apply(e).then(() => undefined, (err: unknown) => err ?? new Error('journal write failed')));
    return results;
  }

  /** One statement for a folded unit: true when written, false to apply its events one by one. */
  async #applyFolded(f: FoldedCall, withMedia: boolean): Promise<boolean> {
    const { first, last } = f;
    // The call's first event: nothing to update (the insert is the one statement).
    if (first.seq > 1) {
      // Values are placeholders (prepared statements): the SQL text follows only from which are bound.
      const v = new StatementValues('fold');
      const p = (name: string, value: unknown): SQL => sql`${v.bind(name, value)}`;
      const answered = f.answeredAt !== undefined ? sql`coalesce(${calls.answeredAt}, ${p('answeredAt', iso(f.answeredAt))}::timestamptz)` : sql`${calls.answeredAt}`;
      const set: PgUpdateSetSource<typeof calls> = { lastSeq: sql`${p('lastSeq', last.seq)}::int` };
      if (f.remoteName) set.remoteName = p('remoteName', f.remoteName);
      if (f.mediaNode) set.mediaNode = p('mediaNode', f.mediaNode);
      // A call event's path only fills a row without one; the node's newest report wins (as #applyMedia).
      const callPath = f.callPath ? sql`coalesce(${calls.mediaPath}, ${p('callPath', f.callPath)})` : sql`${calls.mediaPath}`;
      if (f.nodePath) {
        const at = sql`${p('nodePathAt', iso(f.nodePath.at))}::timestamptz`;
        const newer = sql`(${calls.mediaPathAt} is null or ${calls.mediaPathAt} <= ${at})`;
        set.mediaPath = sql`case when ${newer} then ${p('nodePath', f.nodePath.path)} else ${callPath} end`;
        set.mediaPathAt = sql`case when ${newer} then ${at} else ${calls.mediaPathAt} end`;
      } else if (f.callPath) {
        set.mediaPath = callPath;
      }
      if (f.answeredAt !== undefined) set.answeredAt = answered;
      if (f.ended) {
        const end = sql`${p('endedAt', iso(f.ended.at))}::timestamptz`;
        set.endedAt = end;
        set.durationS = sql`case when ${answered} is null then 0 else greatest(0, round(extract(epoch from (${end} - ${answered}))))::int end`;
        set.disconnectCause = p('cause', f.ended.cause);
        if (f.ended.sipStatus !== undefined) set.sipStatus = sql`${p('sipStatus', f.ended.sipStatus)}::int`;
      }
      if (f.quality) setQuality(set, f.quality, p);
      if (f.video) {
        v.mark('video');
        set.video = true;
      }
      // Media events skip a picked-up row (#applyMedia): such a row takes the unit one by one. (A
      // `<callId>~<number>` row exists only after a pickup, which marked this row picked up.)
      if (withMedia) v.mark('withMedia');
      const where = and(eq(calls.callId, p('callId', first.callId)), lt(calls.lastSeq, sql`${p('firstSeq', first.seq)}::int`), withMedia ? isNull(calls.pickedUpBy) : undefined);
      const [updated] = await this.#prepared.run(v.shape, () => this.#db.update(calls)
        .set({ ...set, transactionId: sql`nextval('journal_transaction_seq')` })
        .where(where)
        .returning(), v.values);
      if (updated) {
        this.emit('entrychanged', updated, 'modified');
        return true;
      }
    }
    const owner = await this.#lineOwner(first.lineId);
    const path = f.nodePath?.path ?? f.callPath;
    const v = new StatementValues('fold-insert');
    const values = v.bindAll({
      callId: first.callId,
      lineId: owner ? first.lineId : null,
      lineNumber: first.lineNumber,
      ownerUserId: owner?.owner ?? null,
      direction: first.direction,
      remoteNumber: first.remoteNumber,
      remoteName: f.remoteName ?? first.remoteName ?? '',
      startedAt: new Date(first.at),
      lastSeq: last.seq,
      ...(f.mediaNode ? { mediaNode: f.mediaNode } : {}),
      ...(path ? { mediaPath: path } : {}),
      ...(f.nodePath ? { mediaPathAt: new Date(f.nodePath.at) } : {}),
      ...(f.answeredAt !== undefined ? { answeredAt: new Date(f.answeredAt) } : {}),
      ...(f.ended
        ? {
          endedAt: new Date(f.ended.at),
          // As the database computes it for a row answered before (round half away from zero, at least 0).
          durationS: f.answeredAt === undefined ? 0 : Math.max(0, Math.round((f.ended.at - f.answeredAt) / 1000)),
          disconnectCause: f.ended.cause,
          ...(f.ended.sipStatus !== undefined ? { sipStatus: f.ended.sipStatus } : {}),
        }
        : {}),
      ...(f.quality ? { lossPercent: f.quality.lossPercent, jitterMs: f.quality.jitterMs, ...(f.quality.rttMs !== undefined ? { rttMs: f.quality.rttMs } : {}) } : {}),
      ...(f.video ? { video: true } : {}),
    });
    const [row] = await this.#prepared.run(v.shape, () => this.#db.insert(calls).values(values).onConflictDoNothing().returning(), v.values);
    if (!row) return false;
    this.emit('entrychanged', row, 'added');
    this.#logger.debug({ callId: first.callId, seq: last.seq }, 'journal row written');
    return true;
  }

  /** The line's owner (null: no owner), undefined for a line that does not exist (the row names no line). */
  async #lineOwner(lineId: string): Promise<{ owner: string | null } | undefined> {
    if (this.#ownerOf) {
      const owner = await this.#ownerOf(lineId);
      return owner === undefined ? undefined : { owner };
    }
    const [line] = await this.#db.select({ owner: lines.ownerUserId }).from(lines).where(eq(lines.id, lineId));
    return line;
  }

  /**
   * One statement for an event of a call that has its row (the common case): an update guarded by the
   * per-call `seq`, whose values depend on the row only through SQL (an answer time is kept once set,
   * the duration runs from the stored answer). No row changed: the call's first event (insert it) or a
   * duplicate (the insert conflicts and the stored `seq` is not older: ignore it).
   */
  async #applyCall(event: CallEvent): Promise<void> {
    const log = this.#logger.child({ callId: event.callId, lineId: event.lineId });
    // A picked-up call's events on the picker's line go to its own row (pickupRowId).
    const rowId = event.pickup ? pickupRowId(event.callId, event.lineNumber) : event.callId;
    const at = new Date(event.at);
    // Values are placeholders (prepared statements): the SQL text follows only from which are bound.
    const v = new StatementValues('event');
    const p = (name: string, value: unknown): SQL => sql`${v.bind(name, value)}`;
    const seq = sql`${p('seq', event.seq)}::int`;
    const guarded: PgUpdateSetSource<typeof calls> = { lastSeq: seq };
    if (event.remoteName) guarded.remoteName = p('remoteName', event.remoteName);
    if (event.mediaNodeId) guarded.mediaNode = p('mediaNode', event.mediaNodeId);
    // The media node's own path events (#applyMedia) are the authority; the pbx-adapter's copy in a call
    // event can be older than one already applied (the two streams are consumed independently), so it
    // only fills a row that has no path yet.
    if (event.mediaPath) guarded.mediaPath = sql`coalesce(${calls.mediaPath}, ${p('mediaPath', event.mediaPath)})`;
    if (event.state === 'connected') guarded.answeredAt = sql`coalesce(${calls.answeredAt}, ${p('answeredAt', at.toISOString())}::timestamptz)`;
    if (event.state === 'disconnected') {
      const end = sql`${p('endedAt', at.toISOString())}::timestamptz`;
      guarded.endedAt = end;
      guarded.durationS = sql`case when ${calls.answeredAt} is null then 0 else greatest(0, round(extract(epoch from (${end} - ${calls.answeredAt}))))::int end`;
      guarded.disconnectCause = p('cause', event.cause ?? 'normal');
      if (event.sipStatus !== undefined) guarded.sipStatus = sql`${p('sipStatus', event.sipStatus)}::int`;
    }
    const where = and(eq(calls.callId, p('rowId', rowId)), lt(calls.lastSeq, seq));
    const [updated] = await this.#prepared.run(v.shape, () => this.#db.update(calls)
      .set({ ...guarded, transactionId: sql`nextval('journal_transaction_seq')` })
      .where(where)
      .returning(), v.values);
    if (updated) {
      this.emit('entrychanged', updated, 'modified');
      log.debug({ state: event.state, seq: event.seq }, 'journal updated');
      return;
    }
    // The picked-up call's first event on the picker's line: the ringing line's row ends first.
    if (event.pickup) await this.#closePickedUp(event);
    const line = await this.#lineOwner(event.lineId);
    const insert = new StatementValues('event-insert');
    const values = insert.bindAll({
      callId: rowId,
      lineId: line ? event.lineId : null,
      lineNumber: event.lineNumber,
      ownerUserId: line?.owner ?? null,
      direction: event.direction,
      remoteNumber: event.remoteNumber,
      remoteName: event.remoteName ?? '',
      startedAt: at,
      lastSeq: event.seq,
      ...(event.mediaNodeId ? { mediaNode: event.mediaNodeId } : {}),
      ...(event.mediaPath ? { mediaPath: event.mediaPath } : {}),
      ...(event.state === 'connected' ? { answeredAt: at } : {}),
      ...(event.state === 'disconnected' ? { endedAt: at, durationS: 0, disconnectCause: event.cause ?? 'normal', ...(event.sipStatus !== undefined ? { sipStatus: event.sipStatus } : {}) } : {}),
    });
    const [row] = await this.#prepared.run(insert.shape, () => this.#db.insert(calls).values(values).onConflictDoNothing().returning(), insert.values);
    if (row) {
      this.emit('entrychanged', row, 'added');
      log.debug({ state: event.state, seq: event.seq }, 'journal updated');
      return;
    }
    const [stored] = await this.#db.select({ lastSeq: calls.lastSeq }).from(calls).where(eq(calls.callId, rowId));
    if (stored && event.seq <= stored.lastSeq) {
      if (event.state === 'connected' && (await this.#lateAnswer(rowId, at))) return;
      log.debug({ seq: event.seq, lastSeq: stored.lastSeq }, 'journal: duplicate event ignored');
      return;
    }
    throw new JournalRetryError(`journal row for ${event.callId} appeared concurrently; retrying`);
  }

  /**
   * A call's 'connected' that comes after a later event of the call was applied (older `seq`): a stream
   * message a consumer received and never acknowledged — it died, or stopped with messages still in its
   * client's buffer (the journal's hand-over between gateways) — is delivered again after the ack wait,
   * behind the call's later events. A duplicate finds the answer time set; a late one fills it (and the
   * duration, if the row ended after it). True when it did.
   */
  async #lateAnswer(rowId: string, at: Date): Promise<boolean> {
    const atIso = at.toISOString();
    const [row] = await this.#db.update(calls)
      .set({
        answeredAt: at,
        durationS: sql`case when ${calls.endedAt} is null then ${calls.durationS} else greatest(0, round(extract(epoch from (${calls.endedAt} - ${atIso}::timestamptz))))::int end`,
        transactionId: sql`nextval('journal_transaction_seq')`,
      })
      .where(and(eq(calls.callId, rowId), isNull(calls.answeredAt), or(isNull(calls.endedAt), lte(sql`${atIso}::timestamptz`, calls.endedAt))))
      .returning();
    if (!row) return false;
    this.emit('entrychanged', row, 'modified');
    this.#logger.info({ callId: rowId }, 'journal: an answer that came after the call\'s later events filled in');
    return true;
  }

  /** The first event of a picked-up call on the picker's line: the ringing line's row ends, saying who took it. */
  async #closePickedUp(event: CallEvent): Promise<void> {
    const at = new Date(event.at);
    const [row] = await this.#db.update(calls)
      .set({ endedAt: at, durationS: 0, disconnectCause: 'picked-up', pickedUpBy: event.lineNumber, transactionId: sql`nextval('journal_transaction_seq')` })
      .where(and(eq(calls.callId, event.callId), eq(calls.lineNumber, event.pickup!.fromLineNumber), isNull(calls.endedAt)))
      .returning();
    if (row) this.emit('entrychanged', row, 'modified');
  }

  async #applyMedia(event: MediaCallEvent): Promise<void> {
    const update: PgUpdateSetSource<typeof calls> = {};
    const v = new StatementValues(`media-${event.type}`);
    const p = (name: string, value: unknown): SQL => sql`${v.bind(name, value)}`;
    if (event.type === 'path') {
      // A path report retried after its row appeared (JournalRetryError below) comes after newer ones:
      // the newest report by the node's clock wins, whatever the order of arrival.
      const at = sql`${p('at', new Date(event.at).toISOString())}::timestamptz`;
      const newer = sql`(${calls.mediaPathAt} is null or ${calls.mediaPathAt} <= ${at})`;
      update.mediaPath = sql`case when ${newer} then ${p('path', event.path)} else ${calls.mediaPath} end`;
      update.mediaPathAt = sql`case when ${newer} then ${at} else ${calls.mediaPathAt} end`;
    }
    if (event.type === 'closed') {
      setQuality(update, event.quality, p);
      // Only ever set: a call that carried video stays a video call, whatever a later report says.
      if (event.video) {
        v.mark('video');
        update.video = true;
      }
    }
    update.mediaNode = p('nodeId', event.nodeId);
    // A picked-up call's media is the picker's row's (`<callId>~<number>`); the ringing line's row ended.
    const where = and(or(eq(calls.callId, p('callId', event.callId)), like(calls.callId, p('picked', `${event.callId.replaceAll('_', '\\_')}~%`))), isNull(calls.pickedUpBy));
    const [row] = await this.#prepared.run(v.shape, () => this.#db.update(calls)
      .set({ ...update, transactionId: sql`nextval('journal_transaction_seq')` })
      .where(where)
      .returning(), v.values);
    // The media node may report before the pbx-adapter's first call event is written: retry later.
    if (!row) throw new JournalRetryError(`no journal row yet for call ${event.callId}`);
    this.emit('entrychanged', row, 'modified');
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The quality columns of a closed media report: loss and jitter, the round-trip time when one was measured. */
function setQuality(set: PgUpdateSetSource<typeof calls>, quality: { lossPercent: number; jitterMs: number; rttMs?: number | undefined }, p: (name: string, value: unknown) => SQL): void {
  set.lossPercent = sql`${p('lossPercent', quality.lossPercent)}::real`;
  set.jitterMs = sql`${p('jitterMs', quality.jitterMs)}::real`;
  if (quality.rttMs !== undefined) set.rttMs = sql`${p('rttMs', quality.rttMs)}::real`;
}
