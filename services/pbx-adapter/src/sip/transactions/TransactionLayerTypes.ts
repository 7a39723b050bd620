// Contract of the TransactionLayer.
import type { SipMessage, SipRequest, SipResponse } from '../message.ts';
import type { Clock, TimerConfig } from '../timers.ts';
import type { MessageSource, SipTransport } from '../transport/TransportTypes.ts';
import type { InviteClientTransaction } from './InviteClientTransaction.ts';
import type { InviteServerTransaction } from './InviteServerTransaction.ts';
import type { NonInviteClientTransaction } from './NonInviteClientTransaction.ts';
import type { NonInviteServerTransaction } from './NonInviteServerTransaction.ts';

/** What the screen decides for a message. */
export type ScreenResult = { action: 'pass' } | { action: 'drop'; reason: string } | { action: 'reject'; status: number; reason: string };

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface TransactionLayerOptions {
  /** Transports to receive from and send with, at most one per protocol. */
  transports: SipTransport[];
  timers?: Partial<TimerConfig> | undefined;
  clock?: Clock | undefined;
  /** Maximum live transactions (client + server); default 4096. */
  maxTransactions?: number | undefined;
  /**
   * Of maxTransactions, how many server transactions (incoming requests) may work at once (until their
   * final response, an INVITE's until its ACK); beyond it new requests get a stateless 503. It bounds the
   * live ones too: past it, the oldest that only absorb retransmissions end early (TransactionBudget). The
   * rest is reserved for our own client transactions (REGISTER, OPTIONS, INVITE), so no flood of incoming
   * requests can stop us from refreshing a registration. Default half of maxTransactions (rounded up).
   */
  maxServerTransactions?: number | undefined;
  /**
   * Working server transactions one source address may hold at once; beyond it its new requests get 503,
   * so a flood from one (even trusted) peer cannot take the PBX's share. Those that only absorb
   * retransmissions do not count: the PBX's answered INVITEs and BYEs of the last 32 s are no flood.
   * Default a quarter of maxServerTransactions (at least 1).
   */
  maxServerTransactionsPerSource?: number | undefined;
  /**
   * Screens every message before any matching or transaction (the trust screen): `reject` answers a
   * request statelessly with `status` to the packet's source (never to a Via-named third party),
   * `drop` discards it; both are reported as dropped with reason 'screened'.
   */
  screen?: ((message: SipMessage, source: MessageSource) => ScreenResult) | undefined;
  /** INVITE server transactions send 100 Trying at once; default true. */
  sendTrying?: boolean | undefined;
  /** INVITE server transactions retransmit 2xx over UDP until ACK; default true. */
  retransmit2xx?: boolean | undefined;
}

/** Why a message was not delivered to a transaction or the TU (count these). */
export const MessageDropReason = {
  /** The transport could not parse it (already answered with 400 where possible). */
  Malformed: 'malformed',
  /** A response with more than one Via (RFC 3261 §8.1.3.3). */
  MultipleVias: 'multiple-vias',
  /** The server transaction budget is full; requests got 503. */
  TransactionLimit: 'transaction-limit',
  /** The screen refused (403) or dropped it; the screen counts it with its own reason. */
  Screened: 'screened',
} as const;
export type MessageDropReason = (typeof MessageDropReason)[keyof typeof MessageDropReason];

export type TransactionLayerEvents = {
  /** A new request (not ACK, not CANCEL) with its server transaction, already in its initial state. */
  request: [request: SipRequest, transaction: ServerTransaction, source: MessageSource];
  /**
   * A CANCEL with its own server transaction and the INVITE server transaction it matches (RFC 3261
   * §9.2), undefined when none does (the TU answers 481). The TU answers both.
   */
  cancel: [cancel: SipRequest, transaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined, source: MessageSource];
  /** An ACK for a 2xx (RFC 6026: outside the INVITE transaction), with the INVITE transaction still Accepted, if any. */
  ack: [ack: SipRequest, invite: InviteServerTransaction | undefined, source: MessageSource];
  /** A response matching no client transaction (2xx retransmission after Timer M, forked 2xx, stray). */
  strayresponse: [response: SipResponse, source: MessageSource];
  dropped: [reason: MessageDropReason, message: SipMessage | undefined, source: MessageSource];
  listenererror: [error: unknown, event: string];
};
