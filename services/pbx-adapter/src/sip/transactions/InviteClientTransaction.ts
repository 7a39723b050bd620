// INVITE client transaction: RFC 3261 §17.1.1 (Figure 5) as updated by RFC 6026 §7.2 (Figure 3):
// a 2xx moves Calling/Proceeding to Accepted, where further 2xx are passed to the TU until Timer M.
import type { SipResponse } from '../message.ts';
import { createNon2xxAck } from '../requests.ts';
import { Transaction } from './Transaction.ts';
import {
  TransactionKind,
  TransactionState,
  type ClientTransactionEvents,
  type TransactionOptions,
  type TransitionTable,
} from './TransactionTypes.ts';

const S = TransactionState;

const TRANSITIONS: TransitionTable = {
  [S.Calling]: [S.Proceeding, S.Accepted, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Accepted, S.Completed, S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Trying]: [],
  [S.Confirmed]: [],
  [S.Terminated]: [],
};

export type InviteClientTransactionEvents = ClientTransactionEvents;

export class InviteClientTransaction extends Transaction<InviteClientTransactionEvents> {
  readonly kind = TransactionKind.InviteClient;
  #timerA: number;
  #ack: ReturnType<typeof createNon2xxAck> | undefined;

  constructor(options: TransactionOptions) {
    super(options, S.Calling, TRANSITIONS);
    if (options.request.method !== 'INVITE') throw new TypeError(`InviteClientTransaction needs an INVITE, got ${options.request.method}`);
    this.#timerA = this.timers.A;
  }

  /** Send the INVITE and start Timers A (unreliable transports only) and B. Called by the creator. */
  start(): this {
    // Timers first: a response may arrive before send() returns on an in-process transport.
    // RFC 3261 §17.1.1.2: Timer A only for unreliable transports.
    if (!this.reliable) this.startTimer('A', this.#timerA, () => this.#onTimerA());
    this.startTimer('B', this.timers.B, () => this.#onTimerB());
    this.send(this.request);
    return this;
  }

  /** A response matched this transaction (RFC 3261 §17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (status < 200) {
          // §17.1.1.2: provisional → Proceeding, no more retransmissions; passed to the TU.
          if (this.state === S.Calling) this.transition(S.Proceeding);
          this.stopTimer('A');
          this.stopTimer('B');
          this.emitSafe('response', response);
        } else if (status < 300) {
          // RFC 6026 §7.2: 2xx → Accepted; Timer M absorbs 2xx retransmissions and forked 2xx.
          this.transition(S.Accepted);
          this.stopTimer('A');
          this.stopTimer('B');
          this.startTimer('M', this.timers.M, () => this.transition(S.Terminated));
          this.emitSafe('response', response);
        } else {
          // §17.1.1.2: 300-699 → Completed, ACK generated here, response to the TU, Timer D.
          this.transition(S.Completed);
          this.stopTimer('A');
          this.stopTimer('B');
          this.#ack = createNon2xxAck(this.request, response);
          this.send(this.#ack);
          this.emitSafe('response', response);
          if (!this.terminated) this.startTimer('D', this.timers.D, () => this.transition(S.Terminated));
        }
        return;
      case S.Accepted:
        // RFC 6026 §7.2: further 2xx go to the TU, which sends the ACK; anything else is absorbed.
        if (status >= 200 && status < 300) this.emitSafe('response', response);
        return;
      case S.Completed:
        // §17.1.1.2: retransmitted final responses are answered with the ACK, not passed up.
        if (status >= 300 && this.#ack) this.send(this.#ack);
        return;
      default:
        return;
    }
  }

  #onTimerA(): void {
    if (this.state !== S.Calling) return;
    this.send(this.request);
    // §17.1.1.2: Timer A doubles on each retransmission (bounded by Timer B).
    this.#timerA *= 2;
    this.startTimer('A', this.#timerA, () => this.#onTimerA());
  }

  #onTimerB(): void {
    if (this.state !== S.Calling) return;
    this.timeOut('B', 'Timer B fired: no response to INVITE');
  }
}
