// Contract of the four RFC 3261 §17 transactions: states, events, options.
import type { SipTimeoutError, TransportError } from '../errors.ts';
import type { SipMessage, SipRequest, SipResponse } from '../message.ts';
import type { Clock, TimerConfig } from '../timers.ts';

/** Transaction states (RFC 3261 §17, RFC 6026 "Accepted"). */
export const TransactionState = {
  Calling: 'calling',
  Trying: 'trying',
  Proceeding: 'proceeding',
  Accepted: 'accepted',
  Completed: 'completed',
  Confirmed: 'confirmed',
  Terminated: 'terminated',
} as const;
export type TransactionState = (typeof TransactionState)[keyof typeof TransactionState];

export const TransactionKind = {
  InviteClient: 'invite-client',
  NonInviteClient: 'non-invite-client',
  InviteServer: 'invite-server',
  NonInviteServer: 'non-invite-server',
} as const;
export type TransactionKind = (typeof TransactionKind)[keyof typeof TransactionKind];

/** Allowed from → to pairs; anything else throws TransactionStateError. */
export type TransitionTable = Readonly<Record<TransactionState, readonly TransactionState[]>>;

/**
 * The state graph of both non-INVITE transactions: client (RFC 3261 §17.1.2, Figure 6) and server
 * (§17.2.2, Figure 8) have the same states and edges; what drives them differs.
 */
export const NON_INVITE_TRANSITIONS: TransitionTable = {
  [TransactionState.Trying]: [TransactionState.Proceeding, TransactionState.Completed, TransactionState.Terminated],
  [TransactionState.Proceeding]: [TransactionState.Completed, TransactionState.Terminated],
  [TransactionState.Completed]: [TransactionState.Terminated],
  [TransactionState.Calling]: [],
  [TransactionState.Accepted]: [],
  [TransactionState.Confirmed]: [],
  [TransactionState.Terminated]: [],
};

/** How a transaction reaches the network: the destination is bound by whoever created it. */
export interface TransactionTransport {
  /** TCP/TLS/SCTP: no retransmissions, timers D/I/J/K are zero. */
  readonly reliable: boolean;
  /** Send one message; rejects with TransportError on failure. */
  send(message: SipMessage): Promise<void>;
}

export interface TransactionOptions {
  /** The request that creates the transaction; its top Via carries the branch. */
  request: SipRequest;
  transport: TransactionTransport;
  /** Overrides of T1/T2/T4. */
  timers?: Partial<TimerConfig> | undefined;
  clock?: Clock | undefined;
}

export interface InviteServerTransactionOptions extends TransactionOptions {
  /** Send 100 Trying on creation (RFC 3261 §17.2.1); default true. */
  sendTrying?: boolean | undefined;
  /**
   * Retransmit 2xx responses on unreliable transports until the ACK arrives (T1 doubling up to T2).
   * RFC 3261 §13.3.1.4 assigns this to the UAS core; default true.
   */
  retransmit2xx?: boolean | undefined;
}

export type TransactionEvents = {
  /** Every state change, including to 'terminated'. */
  statechange: [from: TransactionState, to: TransactionState];
  /** Sending failed; the transaction terminates (RFC 3261 §17.1.4, §17.2.4). */
  transporterror: [error: TransportError];
  /** Emitted once, when the transaction reaches 'terminated'. */
  terminated: [];
  /** A listener of another event threw. */
  listenererror: [error: unknown, event: string];
};

export type ClientTransactionEvents = TransactionEvents & {
  /**
   * Responses for the TU: every provisional, the first non-2xx final, and for INVITE every 2xx
   * (retransmissions and forks included, RFC 6026) — the TU acknowledges those itself.
   */
  response: [response: SipResponse];
  /** Timer B or F fired: no final response; the transaction terminates. */
  timeout: [error: SipTimeoutError];
};

export type InviteServerTransactionEvents = TransactionEvents & {
  /** ACK matched while Accepted (RFC 6026 §7.1): an ACK for a 2xx, for the TU. */
  ack: [ack: SipRequest];
  /** Timer H fired (no ACK for a non-2xx final), or Timer L fired without an ACK for the 2xx. */
  timeout: [error: SipTimeoutError];
};

export type NonInviteServerTransactionEvents = TransactionEvents;
