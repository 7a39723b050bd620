// Non-INVITE client transaction: RFC 3261 §17.1.2 (Figure 6).
import type { SipResponse } from '../message.ts';
import { Transaction } from './Transaction.ts';
import {
  NON_INVITE_TRANSITIONS,
  TransactionKind,
  TransactionState,
  type ClientTransactionEvents,
  type TransactionOptions,
} from './TransactionTypes.ts';

const S = TransactionState;

export type NonInviteClientTransactionEvents = ClientTransactionEvents;

export class NonInviteClientTransaction extends Transaction<NonInviteClientTransactionEvents> {
  readonly kind = TransactionKind.NonInviteClient;
  #timerE: number;

  constructor(options: TransactionOptions) {
    super(options, S.Trying, NON_INVITE_TRANSITIONS);
    const m = options.request.method;
    if (m === 'INVITE' || m === 'ACK') throw new TypeError(`NonInviteClientTransaction cannot carry ${m}`);
    this.#timerE = this.timers.E;
  }

  /** Send the request and start Timers E (unreliable transports only) and F. */
  start(): this {
    // Timers first: a response may arrive before send() returns on an in-process transport.
    if (!this.reliable) this.startTimer('E', this.#timerE, () => this.#onTimerE());
    this.startTimer('F', this.timers.F, () => this.#onTimerF());
    this.send(this.request);
    return this;
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    if (this.state !== S.Trying && this.state !== S.Proceeding) return; // Completed absorbs retransmissions.
    if (status < 200) {
      if (this.state === S.Trying) this.transition(S.Proceeding);
      this.emitSafe('response', response);
      return;
    }
    // §17.1.2.2: a final response → Completed, Timer K (zero on reliable transports).
    this.transition(S.Completed);
    this.stopTimer('E');
    this.stopTimer('F');
    this.emitSafe('response', response);
    if (!this.terminated) this.startTimer('K', this.timers.K, () => this.transition(S.Terminated));
  }

  #onTimerE(): void {
    if (this.state === S.Trying) {
      // §17.1.2.2: E doubles up to T2 while Trying...
      this.send(this.request);
      this.#timerE = Math.min(this.#timerE * 2, this.timers.T2);
    } else if (this.state === S.Proceeding) {
      // ...and is T2 in Proceeding.
      this.send(this.request);
      this.#timerE = this.timers.T2;
    } else {
      return;
    }
    this.startTimer('E', this.#timerE, () => this.#onTimerE());
  }

  #onTimerF(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.timeOut('F', 'Timer F fired: no final response');
  }
}
