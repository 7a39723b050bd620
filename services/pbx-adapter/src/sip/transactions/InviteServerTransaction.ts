// INVITE server transaction: RFC 3261 §17.2.1 (Figure 7) as updated by RFC 6026 §7.1 (Figure 5): a
// 2xx moves Proceeding to Accepted, where the TU's 2xx (and their retransmissions) are sent and the
// ACK is passed up, until Timer L.
import { TransactionStateError } from '../errors.ts';
import { createResponse, type SipRequest, type SipResponse } from '../message.ts';
import { Transaction } from './Transaction.ts';
import {
  TransactionKind,
  TransactionState,
  type InviteServerTransactionEvents,
  type InviteServerTransactionOptions,
  type TransitionTable,
} from './TransactionTypes.ts';

const S = TransactionState;

const TRANSITIONS: TransitionTable = {
  [S.Proceeding]: [S.Accepted, S.Completed, S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Calling]: [],
  [S.Trying]: [],
  [S.Terminated]: [],
};

export type { InviteServerTransactionEvents } from './TransactionTypes.ts';

export class InviteServerTransaction extends Transaction<InviteServerTransactionEvents> {
  readonly kind = TransactionKind.InviteServer;
  #lastProvisional: SipResponse | undefined;
  #finalResponse: SipResponse | undefined;
  #timerG: number;
  #retransmit2xxInterval: number;
  #acked = false;
  readonly #sendTrying: boolean;
  readonly #retransmit2xx: boolean;

  constructor(options: InviteServerTransactionOptions) {
    super(options, S.Proceeding, TRANSITIONS);
    if (options.request.method !== 'INVITE') throw new TypeError(`InviteServerTransaction needs an INVITE, got ${options.request.method}`);
    this.#timerG = this.timers.G;
    this.#retransmit2xxInterval = this.timers.T1;
    this.#sendTrying = options.sendTrying ?? true;
    this.#retransmit2xx = options.retransmit2xx ?? true;
  }

  /** Enter Proceeding; sends 100 Trying unless disabled (RFC 3261 §17.2.1). */
  start(): this {
    if (this.#sendTrying) this.respond(createResponse(this.request, 100));
    return this;
  }

  /** The final response sent, if any. */
  get finalResponseSent(): SipResponse | undefined {
    return this.#finalResponse;
  }

  /** Send a response from the TU. Throws TransactionStateError when the state does not allow it. */
  respond(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Proceeding:
        if (status < 200) {
          this.#lastProvisional = response;
          this.send(response);
        } else if (status < 300) {
          // RFC 6026 §7.1: 2xx → Accepted, Timer L.
          this.#finalResponse = response;
          this.transition(S.Accepted);
          this.send(response);
          this.startTimer('L', this.timers.L, () => this.#onTimerL());
          if (this.#retransmit2xx && !this.reliable) this.#scheduleRetransmit2xx();
        } else {
          // §17.2.1: 300-699 → Completed, Timer G (unreliable only) and Timer H.
          this.#finalResponse = response;
          this.transition(S.Completed);
          this.send(response);
          if (!this.reliable) this.startTimer('G', this.#timerG, () => this.#onTimerG());
          this.startTimer('H', this.timers.H, () => this.#onTimerH());
        }
        return;
      case S.Accepted:
        if (status >= 200 && status < 300) {
          // RFC 6026 §7.1: the TU may send further 2xx (e.g. its own retransmissions).
          this.#finalResponse = response;
          this.send(response);
          return;
        }
        break;
      default:
        break;
    }
    throw new TransactionStateError(`cannot send ${status} in state ${this.state} [${this.describe()}]`);
  }

  /** A request matched this transaction: an INVITE retransmission or an ACK. */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      this.receiveAck(request);
      return;
    }
    // §17.2.1: the last provisional again in Proceeding, the final response in Completed; Accepted
    // (RFC 6026: the TU retransmits its 2xx) and Confirmed absorb retransmissions.
    this.resendResponse(this.#lastProvisional, this.#finalResponse);
  }

  /** ACK for the final response (matched by the transaction layer). */
  receiveAck(ack: SipRequest): void {
    switch (this.state) {
      case S.Completed:
        // §17.2.1: ACK → Confirmed, Timer I (zero on reliable transports).
        this.transition(S.Confirmed);
        this.stopTimer('G');
        this.stopTimer('H');
        this.startTimer('I', this.timers.I, () => this.transition(S.Terminated));
        return;
      case S.Accepted:
        // RFC 6026 §7.1: an ACK in Accepted is passed to the TU; it also ends 2xx retransmissions.
        this.#acked = true;
        this.stopTimer('retransmit2xx');
        this.emitSafe('ack', ack);
        return;
      default:
        return; // Confirmed absorbs ACK retransmissions.
    }
  }

  #scheduleRetransmit2xx(): void {
    // RFC 3261 §13.3.1.4: 2xx retransmitted at T1, doubling up to T2, until the ACK arrives.
    this.startTimer('retransmit2xx', this.#retransmit2xxInterval, () => {
      if (this.state !== S.Accepted || this.#acked || !this.#finalResponse) return;
      this.send(this.#finalResponse);
      this.#retransmit2xxInterval = Math.min(this.#retransmit2xxInterval * 2, this.timers.T2);
      this.#scheduleRetransmit2xx();
    });
  }

  #onTimerG(): void {
    if (this.state !== S.Completed || !this.#finalResponse) return;
    this.send(this.#finalResponse);
    this.#timerG = Math.min(this.#timerG * 2, this.timers.T2);
    this.startTimer('G', this.#timerG, () => this.#onTimerG());
  }

  #onTimerH(): void {
    if (this.state !== S.Completed) return;
    this.timeOut('H', `Timer H fired: no ACK for ${this.#finalResponse?.status}`);
  }

  /** Timer L ends Accepted (RFC 6026 §7.1); the TU hears of it only when no ACK came. */
  #onTimerL(): void {
    if (!this.#acked) this.timeOut('L', 'Timer L fired: no ACK for 2xx');
    else if (!this.terminated) this.transition(S.Terminated);
  }
}
