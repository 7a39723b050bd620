import type { CallEvent } from '@ucserver/shared';
import type { ActiveCall } from '../calls/CallRegistry.ts';
import type { CallForwardingDeps, PendingForward } from './CallForwardingTypes.ts';

interface Tracked extends PendingForward {
  timer?: NodeJS.Timeout;
}

/**
 * The forwards of calls ringing on a softphone: on no answer, after the forward's seconds the pending
 * INVITE is redirected (PbxCommands.redirect: the adapter answers 302, the softphone's ringing ends with
 * the call's 'disconnected'); on busy, a rejection by the user becomes the redirect. A call stops being
 * tracked once it is answered or ends. Bounded: past `maxTracked` calls the oldest is forgotten.
 */
export class CallForwarding {
  readonly #deps: CallForwardingDeps;
  readonly #tracked = new Map<string, Tracked>();
  readonly #max: number;
  readonly #onCall = (call: ActiveCall, event: CallEvent): void => {
    if (event.state !== 'offering') this.forget(call.callId);
  };

  constructor(deps: CallForwardingDeps) {
    this.#deps = deps;
    this.#max = deps.maxTracked ?? 10_000;
    deps.calls.on('callchanged', this.#onCall);
  }

  /** Follows a call just offered to a softphone (nothing to do without a forward). */
  track(callId: string, pending: PendingForward): void {
    if (!pending.busyTarget && !pending.noAnswer) return;
    this.forget(callId);
    if (this.#tracked.size >= this.#max) this.forget(this.#tracked.keys().next().value!);
    const entry: Tracked = { ...pending };
    if (pending.noAnswer) {
      const { target, afterS } = pending.noAnswer;
      entry.timer = setTimeout(() => this.#noAnswer(callId, target), afterS * 1000);
      entry.timer.unref();
    }
    this.#tracked.set(callId, entry);
  }

  /** The user rejected a ringing call: the busy forward's target (once), if one applies. */
  takeBusyTarget(callId: string): string | undefined {
    const target = this.#tracked.get(callId)?.busyTarget;
    this.forget(callId);
    return target;
  }

  /** The call is answered or over: no forward applies any more. */
  forget(callId: string): void {
    const entry = this.#tracked.get(callId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#tracked.delete(callId);
  }

  get size(): number {
    return this.#tracked.size;
  }

  close(): void {
    this.#deps.calls.off('callchanged', this.#onCall);
    for (const id of [...this.#tracked.keys()]) this.forget(id);
  }

  #noAnswer(callId: string, target: string): void {
    this.#tracked.delete(callId);
    const call = this.#deps.calls.get(callId);
    // A call never heard of (its INVITE was refused before it was offered) rings nowhere.
    if (!call || call.state !== 'offering') return;
    this.#deps.logger.info({ callId, target }, 'not answered in time: forwarding the call');
    this.#deps.pbx.redirect(callId, target).catch((err: unknown) => this.#deps.logger.warn({ err, callId, target }, 'no-answer forward failed'));
  }
}
