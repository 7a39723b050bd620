// Non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8).
import { TransactionStateError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message.ts';
import { Transaction } from './Transaction.ts';
import {
  NON_INVITE_TRANSITIONS,
  TransactionKind,
  TransactionState,
  type NonInviteServerTransactionEvents,
  type TransactionOptions,
} from './TransactionTypes.ts';

const S = TransactionState;

export type { NonInviteServerTransactionEvents } from './TransactionTypes.ts';

export class NonInviteServerTransaction extends Transaction<NonInviteServerTransactionEvents> {
  readonly kind = TransactionKind.NonInviteServer;
  #lastProvisional: SipResponse | undefined;
  #finalResponse: SipResponse | undefined;

  constructor(options: TransactionOptions) {
    super(options, S.Trying, NON_INVITE_TRANSITIONS);
    const m = options.request.method;
    if (m === 'INVITE' || m === 'ACK') throw new TypeError(`NonInviteServerTransaction cannot carry ${m}`);
  }

  start(): this {
    return this;
  }

  get finalResponseSent(): SipResponse | undefined {
    return this.#finalResponse;
  }

  /** Send a response from the TU; throws TransactionStateError once a final response was sent. */
  respond(response: SipResponse): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) {
      throw new TransactionStateError(`cannot send ${response.status} in state ${this.state} [${this.describe()}]`);
    }
    if (response.status < 200) {
      if (this.state === S.Trying) this.transition(S.Proceeding);
      this.#lastProvisional = response;
      this.send(response);
      return;
    }
    // §17.2.2: final → Completed, Timer J (zero on reliable transports).
    this.#finalResponse = response;
    this.transition(S.Completed);
    this.send(response);
    if (!this.terminated) this.startTimer('J', this.timers.J, () => this.transition(S.Terminated));
  }

  /** A retransmission of the request. */
  receiveRequest(_request: SipRequest): void {
    // §17.2.2: the last provisional again in Proceeding, the final response in Completed; Trying discards it.
    this.resendResponse(this.#lastProvisional, this.#finalResponse);
  }
}
