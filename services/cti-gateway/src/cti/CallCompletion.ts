import { EventEmitter } from 'node:events';
import { excerpt, type CallEvent } from '@ucserver/shared';
import type { UserRow } from '@ucserver/shared/db';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { LineView } from '../lines/LineStore.ts';
import { CtiError, CtiRequestError } from '../session/CtiRequestError.ts';
import {
  COMPLETABLE_CAUSES,
  type CallCompletionDeps,
  type CallCompletionEvents,
  type CallCompletionOptions,
  type CompletionMode,
  type PendingCompletion,
} from './CallCompletionTypes.ts';

/** An unsuccessful outbound call that may still be completed. */
interface Candidate {
  lineId: string;
  target: string;
  mode: CompletionMode;
  endedAt: number;
}

/** Callbacks placed and not yet seen on the bus: callId → the completion's id (a new call reports `callbackFor`). */
const PLACED_TTL_MS = 60_000;

/**
 * asnCtiCompleteCall (ENetUC_CTI: "call back the caller automatically if the called party / line is free
 * again"). Our PBX offers no call completion, so the server does it for calls between its own lines, whose
 * every call it sees on the bus: a call that ended busy (or rang unanswered) may be completed for
 * `offerMs`; the request waits up to `waitMs` until the called line has no call and no DND (CCNR: until its
 * user next finishes a call) and the caller's line is free too, then asks the caller's softphone to dial it
 * (as asnCtiMakeCall does) — that call carries iCallType CALLBACK. A caller without a connected softphone
 * keeps the request; the sweep retries it. Callbacks live in this gateway's memory: a restart forgets them
 * (the client may ask again). asnCtiDropCall on the unsuccessful call's id cancels one.
 */
export class CallCompletion extends EventEmitter<CallCompletionEvents> {
  readonly #deps: CallCompletionDeps;
  readonly #waitMs: number;
  readonly #offerMs: number;
  readonly #maxPerLine: number;
  readonly #maxPending: number;
  readonly #candidates = new Map<string, Candidate>();
  readonly #pending = new Map<string, PendingCompletion>();
  readonly #evaluating = new Set<string>();
  readonly #placed = new Map<string, { completionId: string; until: number }>();
  readonly #timer: NodeJS.Timeout;
  readonly #onRouting = (lineId: string): void => {
    for (const p of this.#pending.values()) if (p.targetLineId === lineId) void this.#evaluate(p);
  };

  constructor(deps: CallCompletionDeps, options: CallCompletionOptions = {}) {
    super();
    this.#deps = deps;
    this.#waitMs = options.waitMs ?? 30 * 60_000;
    this.#offerMs = options.offerMs ?? 120_000;
    this.#maxPerLine = options.maxPerLine ?? 5;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#timer = setInterval(() => this.#sweep(), options.sweepMs ?? 10_000);
    this.#timer.unref();
    deps.routing.on('changed', this.#onRouting);
  }

  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /**
   * A call changed (before its monitors hear of it): marks a completable end and a callback's own call on the
   * call itself (CTI renders both), notes a CCNR target's activity, and looks at the callbacks of its line.
   */
  observe(call: ActiveCall, event: CallEvent, previous: CallEvent['state'] | undefined): void {
    const placed = this.#placed.get(call.callId);
    if (placed) call.callbackFor = placed.completionId;
    // The caller hanging up while it rang is "not answered" as well: the PBX here has no ring timeout.
    const mode = event.cause === 'cancelled' ? (previous === 'ringback' ? 'no-answer' : undefined) : event.cause ? COMPLETABLE_CAUSES[event.cause] : undefined;
    if (event.state === 'disconnected' && call.direction === 'outbound' && call.connectedAt === undefined && mode && call.remoteNumber) {
      call.completion = mode;
      if (this.#candidates.size >= this.#maxPending) this.#candidates.delete(this.#candidates.keys().next().value!);
      this.#candidates.set(call.callId, { lineId: call.lineId, target: call.remoteNumber, mode, endedAt: event.at });
    }
    for (const p of this.#pending.values()) {
      if (p.targetLineId === call.lineId && event.state === 'connected') p.targetWasActive = true;
      if (p.targetLineId === call.lineId || p.callerLineId === call.lineId) void this.#evaluate(p);
    }
  }

  /**
   * asnCtiCompleteCall on the unsuccessful call `id`. `mayUse` throws when the user may not use the caller's
   * line. The called number must be one of our lines; a repeated request for the same pair replaces the old.
   */
  async request(id: string, user: UserRow, mayUse: (user: UserRow, line: LineView) => void): Promise<PendingCompletion> {
    const candidate = this.#candidates.get(id);
    if (!candidate || Date.now() - candidate.endedAt > this.#offerMs) {
      throw new CtiRequestError(CtiError.generalerror, `call '${excerpt(id)}' cannot be completed: only an outbound call that ended busy or unanswered in the last ${Math.round(this.#offerMs / 1000)} s can`);
    }
    const caller = await this.#deps.lines.getById(candidate.lineId);
    if (!caller) throw new CtiRequestError(CtiError.invalidline, `the line of call '${excerpt(id)}' no longer exists`);
    mayUse(user, caller);
    const target = await this.#deps.lines.get(candidate.target);
    if (!target) {
      throw new CtiRequestError(CtiError.generalerror, `${excerpt(candidate.target)} is not a line of this server: the PBX offers no call completion, the server completes calls between its own lines only`);
    }
    for (const p of this.#pending.values()) if (p.callerLineId === caller.id && p.targetLineId === target.id) this.#pending.delete(p.id);
    const ofLine = [...this.#pending.values()].filter((p) => p.callerLineId === caller.id).length;
    if (ofLine >= this.#maxPerLine) throw new CtiRequestError(CtiError.generalerror, `line ${caller.number} has ${ofLine} callbacks pending already (at most ${this.#maxPerLine})`);
    if (this.#pending.size >= this.#maxPending) throw new CtiRequestError(CtiError.generalerror, 'too many callbacks pending on this server');
    const now = Date.now();
    const completion: PendingCompletion = {
      id, mode: candidate.mode, callerLineId: caller.id, callerNumber: caller.number, targetLineId: target.id, targetNumber: target.number,
      requestedAt: now, expiresAt: now + this.#waitMs, targetWasActive: false,
    };
    this.#candidates.delete(id);
    this.#pending.set(id, completion);
    this.#deps.logger.info({ id, mode: completion.mode, caller: caller.number, target: target.number }, 'callback requested');
    // A line that is free already (a busy that ended meanwhile) is called back at once.
    void this.#evaluate(completion);
    return completion;
  }

  /** asnCtiDropCall on a pending callback's id; `mayUse` as for request. */
  async cancel(id: string, user: UserRow, mayUse: (user: UserRow, line: LineView) => void): Promise<boolean> {
    const p = this.#pending.get(id);
    if (!p) return false;
    const caller = await this.#deps.lines.getById(p.callerLineId);
    if (caller) mayUse(user, caller);
    this.#pending.delete(id);
    this.#deps.logger.info({ id, caller: p.callerNumber, target: p.targetNumber }, 'callback cancelled');
    return true;
  }

  async #evaluate(p: PendingCompletion): Promise<void> {
    if (this.#evaluating.has(p.id)) return;
    this.#evaluating.add(p.id);
    try {
      if (Date.now() > p.expiresAt) {
        if (this.#pending.delete(p.id)) this.emit('expired', p);
        return;
      }
      if (!(await this.#free(p))) return;
      const caller = await this.#deps.lines.getById(p.callerLineId);
      if (!caller || !this.#pending.has(p.id)) {
        this.#pending.delete(p.id);
        return;
      }
      // Taken out before dialling: the dial's own events must not fire it a second time.
      this.#pending.delete(p.id);
      let callId: string;
      try {
        callId = await this.#deps.devices.remoteMakeCall(caller, p.targetNumber);
      } catch (err) {
        // No softphone of the caller right now: kept, the sweep tries again until it expires.
        if (!this.#pending.has(p.id)) this.#pending.set(p.id, p);
        this.#deps.logger.info({ id: p.id, caller: p.callerNumber, err: (err as Error).message }, 'callback deferred');
        return;
      }
      this.#placed.set(callId, { completionId: p.id, until: Date.now() + PLACED_TTL_MS });
      this.#deps.logger.info({ id: p.id, callId, caller: p.callerNumber, target: p.targetNumber }, 'callback placed');
      this.emit('fired', p, callId);
    } catch (err) {
      this.#deps.logger.warn({ err, id: p.id }, 'callback check failed');
    } finally {
      this.#evaluating.delete(p.id);
    }
  }

  /** Both lines idle, the called one not on DND, and (CCNR) its user finished a call since the request. */
  async #free(p: PendingCompletion): Promise<boolean> {
    if (p.mode === 'no-answer' && !p.targetWasActive) return false;
    if (this.#deps.calls.onLine(p.targetLineId).length > 0 || this.#deps.calls.onLine(p.callerLineId).length > 0) return false;
    return !(await this.#deps.routing.get(p.targetLineId)).dnd;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, c] of this.#candidates) if (now - c.endedAt > this.#offerMs) this.#candidates.delete(id);
    for (const [id, placed] of this.#placed) if (placed.until < now) this.#placed.delete(id);
    for (const p of this.#pending.values()) void this.#evaluate(p);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#deps.routing.off('changed', this.#onRouting);
    this.#pending.clear();
    this.#candidates.clear();
    this.#placed.clear();
  }
}
