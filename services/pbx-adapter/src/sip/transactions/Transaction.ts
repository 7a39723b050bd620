// Shared machinery of the four transactions: the asserted state machine, one timer registry driven by
// the injected clock, sending with transport-error handling, and the timeout of Timers B, F, H and L.
// Subclasses encode RFC 3261 §17.
import { EventEmitter } from 'node:events';
import { SipTimeoutError, TransactionStateError, TransportError } from '../errors.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message.ts';
import { safeEmit } from '../safeEmit.ts';
import { systemClock, timerValues, type Clock, type TimerHandle, type TimerName, type TimerValues } from '../timers.ts';
import { viaBranch } from '../headers/via.ts';
import {
  TransactionState,
  type TransactionEvents,
  type TransactionKind,
  type TransactionOptions,
  type TransactionTransport,
  type TransitionTable,
} from './TransactionTypes.ts';

export abstract class Transaction<E extends TransactionEvents & Record<keyof E, unknown[]>> extends EventEmitter<E> {
  abstract readonly kind: TransactionKind;
  readonly request: SipRequest;
  /** Branch of the top Via ('' for an RFC 2543 request without one). */
  readonly branch: string;
  /** Timer values for this transaction's transport. */
  readonly timers: TimerValues;
  protected readonly transport: TransactionTransport;
  protected readonly clock: Clock;
  #currentState: TransactionState;
  readonly #transitions: TransitionTable;
  readonly #running = new Map<string, TimerHandle>();

  protected constructor(options: TransactionOptions, initial: TransactionState, transitions: TransitionTable) {
    super();
    this.request = options.request;
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.timers = timerValues(options.timers, options.transport.reliable);
    this.branch = viaBranch(options.request.headers.topVia()) ?? '';
    this.#currentState = initial;
    this.#transitions = transitions;
  }

  get state(): TransactionState {
    return this.#currentState;
  }

  get terminated(): boolean {
    return this.#currentState === TransactionState.Terminated;
  }

  get reliable(): boolean {
    return this.transport.reliable;
  }

  /** Names of running timers (for tests and dumps). */
  get activeTimers(): string[] {
    return [...this.#running.keys()];
  }

  /** Terminate now (e.g. the transaction layer closes); no-op when already terminated. */
  terminate(): void {
    if (!this.terminated) this.transition(TransactionState.Terminated);
  }

  protected describe(): string {
    return `${this.kind} branch:${this.branch}, method:${this.request.method}`;
  }

  /** Move to `to`, asserting the pair is whitelisted; entering 'terminated' stops every timer. */
  protected transition(to: TransactionState): void {
    const from = this.#currentState;
    if (!this.#transitions[from].includes(to)) {
      throw new TransactionStateError(`Invalid state transition from ${from} to ${to} [${this.describe()}]`);
    }
    this.#currentState = to;
    if (to === TransactionState.Terminated) this.#stopAllTimers();
    safeEmit(this, 'statechange', from, to);
    if (to === TransactionState.Terminated) safeEmit(this, 'terminated');
  }

  /** Start (or restart) a timer; a zero duration fires synchronously (reliable transports). */
  protected startTimer(name: TimerName | 'retransmit2xx', ms: number, fire: () => void): void {
    this.stopTimer(name);
    if (ms <= 0) {
      fire();
      return;
    }
    const handle = this.clock.setTimeout(() => {
      this.#running.delete(name);
      if (!this.terminated) fire();
    }, ms);
    this.#running.set(name, handle);
  }

  protected stopTimer(name: TimerName | 'retransmit2xx'): void {
    const handle = this.#running.get(name);
    if (handle !== undefined) {
      this.clock.clearTimeout(handle);
      this.#running.delete(name);
    }
  }

  #stopAllTimers(): void {
    for (const handle of this.#running.values()) this.clock.clearTimeout(handle);
    this.#running.clear();
  }

  /** Hand a message to the transport; a failure terminates the transaction with 'transporterror'. */
  protected send(message: SipMessage): void {
    let pending: Promise<void>;
    try {
      pending = this.transport.send(message);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.catch((err: unknown) => this.#onTransportError(err));
  }

  #onTransportError(err: unknown): void {
    if (this.terminated) return;
    const error =
      err instanceof TransportError ? err : new TransportError(`send failed [${this.describe()}]`, { cause: err });
    safeEmit(this, 'transporterror', error);
    if (!this.terminated) this.transition(TransactionState.Terminated);
  }

  /**
   * A server transaction's answer to a retransmitted request (RFC 3261 §17.2.1, §17.2.2): Proceeding
   * sends the last provisional response again, Completed the final one; any other state absorbs it.
   */
  protected resendResponse(lastProvisional: SipResponse | undefined, finalResponse: SipResponse | undefined): void {
    if (this.#currentState === TransactionState.Proceeding && lastProvisional) this.send(lastProvisional);
    else if (this.#currentState === TransactionState.Completed && finalResponse) this.send(finalResponse);
  }

  /** Timer `timer` fired without the message it waited for: 'timeout' with `message`, then terminated. */
  protected timeOut(timer: TimerName, message: string): void {
    safeEmit(this, 'timeout', new SipTimeoutError(timer, `${message} [${this.describe()}]`));
    if (!this.terminated) this.transition(TransactionState.Terminated);
  }

  protected emitSafe(event: string, ...args: unknown[]): void {
    safeEmit(this, event, ...args);
  }
}
