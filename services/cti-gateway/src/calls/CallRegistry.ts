import { EventEmitter } from 'node:events';
import type { CallEvent, MediaCallEvent, MediaPath } from '@ucserver/shared';

/** What the gateway knows about one running call (one SIP dialog on one of our lines). */
export interface ActiveCall {
  callId: string;
  lineId: string;
  lineNumber: string;
  direction: CallEvent['direction'];
  state: CallEvent['state'];
  remoteNumber: string;
  remoteName: string | undefined;
  createdAt: number;
  connectedAt: number | undefined;
  disconnectedAt: number | undefined;
  cause: CallEvent['cause'];
  hold: CallEvent['hold'];
  mediaNodeId: string | undefined;
  mediaPath: MediaPath | undefined;
  lastSeq: number;
  /** Set by CTI while the call is mixed in its user's conference (CtiConference). */
  conferenceId?: string | undefined;
  /** Picked up from this line (number) to `lineNumber` (asnCtiPickupCall). */
  pickedUpFrom: string | undefined;
  /** The ringing line's view of a picked-up call: who took it (line number). */
  pickedUpBy?: string | undefined;
  /** An outbound call that ended busy or unanswered and may be completed (asnCtiCompleteCall). */
  completion?: 'busy' | 'no-answer' | undefined;
  /** A callback placed for asnCtiCompleteCall: the connection id of the call it completes. */
  callbackFor?: string | undefined;
}

export interface CallRegistryEvents {
  /**
   * A call changed state; `previous` is undefined for a new call. `remoteChanged`: the far end is another
   * party now (a transfer the line followed, or one that replaced it).
   */
  callchanged: [call: ActiveCall, event: CallEvent, previous: CallEvent['state'] | undefined, remoteChanged: boolean];
  /**
   * The call moved to another line (a pickup): emitted before the 'callchanged' of the event that moved
   * it, so the old line's clients learn the call left them before the new line's hear of it.
   */
  callmoved: [call: ActiveCall, from: { lineId: string; lineNumber: string }];
  mediapath: [call: ActiveCall, path: MediaPath];
  mediafailed: [call: ActiveCall, cause: string];
}

export interface CallRegistryOptions {
  /** How long a disconnected call stays listed (late events still find it). Default 5000 ms. */
  lingerMs?: number;
  /** Calls tracked at most; the oldest disconnected ones go first. Default 100 000. */
  maxCalls?: number;
}

/** The live call table, fed by call and media events. Out-of-order or duplicate events are ignored by seq. */
export class CallRegistry extends EventEmitter<CallRegistryEvents> {
  readonly #calls = new Map<string, ActiveCall>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #lingerMs: number;
  readonly #maxCalls: number;

  constructor(options: CallRegistryOptions = {}) {
    super();
    this.#lingerMs = options.lingerMs ?? 5000;
    this.#maxCalls = options.maxCalls ?? 100_000;
  }

  get(callId: string): ActiveCall | undefined {
    return this.#calls.get(callId);
  }

  list(): ActiveCall[] {
    return [...this.#calls.values()];
  }

  onLine(lineId: string): ActiveCall[] {
    return this.list().filter((c) => c.lineId === lineId && c.state !== 'disconnected');
  }

  applyCallEvent(event: CallEvent): ActiveCall | undefined {
    let call = this.#calls.get(event.callId);
    if (call && event.seq <= call.lastSeq) return undefined;
    const previous = call?.state;
    if (!call) {
      if (this.#calls.size >= this.#maxCalls) this.#evictOne();
      call = {
        callId: event.callId,
        lineId: event.lineId,
        lineNumber: event.lineNumber,
        direction: event.direction,
        state: event.state,
        remoteNumber: event.remoteNumber,
        remoteName: event.remoteName,
        createdAt: event.at,
        connectedAt: undefined,
        disconnectedAt: undefined,
        cause: undefined,
        hold: undefined,
        mediaNodeId: event.mediaNodeId,
        mediaPath: event.mediaPath,
        lastSeq: event.seq,
        pickedUpFrom: event.pickup?.fromLineNumber,
      };
      this.#calls.set(call.callId, call);
    } else if (event.lineId !== call.lineId) {
      const from = { lineId: call.lineId, lineNumber: call.lineNumber };
      call.lineId = event.lineId;
      call.lineNumber = event.lineNumber;
      call.pickedUpFrom = event.pickup?.fromLineNumber ?? from.lineNumber;
      this.emit('callmoved', call, from);
    }
    call.lastSeq = event.seq;
    call.state = event.state;
    // A new far end (a transfer the line followed) brings its own name, or none.
    const remoteChanged = previous !== undefined && !!event.remoteNumber && event.remoteNumber !== call.remoteNumber;
    if (remoteChanged) call.remoteName = undefined;
    if (event.remoteNumber) call.remoteNumber = event.remoteNumber;
    if (event.remoteName) call.remoteName = event.remoteName;
    if (event.mediaNodeId) call.mediaNodeId = event.mediaNodeId;
    if (event.mediaPath) call.mediaPath = event.mediaPath;
    call.hold = event.state === 'held' ? event.hold : undefined;
    if (event.state === 'connected' && call.connectedAt === undefined) call.connectedAt = event.at;
    if (event.state === 'disconnected') {
      call.disconnectedAt = event.at;
      call.cause = event.cause;
      this.#scheduleRemoval(call);
    }
    this.emit('callchanged', call, event, previous, remoteChanged);
    return call;
  }

  applyMediaEvent(event: MediaCallEvent): void {
    const call = this.#calls.get(event.callId);
    if (!call) return;
    if (event.type === 'path') {
      call.mediaPath = event.path;
      this.emit('mediapath', call, event.path);
    } else if (event.type === 'failed') {
      this.emit('mediafailed', call, event.cause);
    }
  }

  #scheduleRemoval(call: ActiveCall): void {
    clearTimeout(this.#timers.get(call.callId));
    const timer = setTimeout(() => this.#remove(call.callId), this.#lingerMs);
    timer.unref();
    this.#timers.set(call.callId, timer);
  }

  #remove(callId: string): void {
    clearTimeout(this.#timers.get(callId));
    this.#timers.delete(callId);
    this.#calls.delete(callId);
  }

  #evictOne(): void {
    for (const call of this.#calls.values()) {
      if (call.state === 'disconnected') {
        this.#remove(call.callId);
        return;
      }
    }
    const oldest = this.#calls.keys().next().value;
    if (oldest !== undefined) this.#remove(oldest);
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#calls.clear();
  }
}
