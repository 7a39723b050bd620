// The transaction layer (RFC 3261 §17): creates client transactions for outgoing requests, matches
// incoming messages to transactions, creates server transactions for new requests and hands requests,
// CANCELs, 2xx ACKs and stray responses to the transaction user. The number of live transactions is
// bounded, and so are the working ones per side and per source (TransactionBudget); close() terminates
// them all.
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { InvalidStateError, TransactionLimitError, TransactionStateError, TransportError } from '../errors.ts';
import { createVia, formatVia, isRfc3261Branch, viaBranch } from '../headers/via.ts';
import { createResponse, generateBranch, type SipMessage, type SipRequest, type SipResponse } from '../message.ts';
import { safeEmit } from '../safeEmit.ts';
import type { Destination, MessageSource, SipTransport, TransportProtocol } from '../transport/TransportTypes.ts';
import { responseDestination } from '../transport/viaProcessing.ts';
import { InviteClientTransaction } from './InviteClientTransaction.ts';
import { InviteServerTransaction } from './InviteServerTransaction.ts';
import { clientKeyOfResponse, clientTransactionKey, inviteAckKey, serverTransactionKey } from './matching.ts';
import { NonInviteClientTransaction } from './NonInviteClientTransaction.ts';
import { NonInviteServerTransaction } from './NonInviteServerTransaction.ts';
import {
  MessageDropReason,
  type ClientTransaction,
  type ServerTransaction,
  type TransactionLayerEvents,
  type TransactionLayerOptions,
} from './TransactionLayerTypes.ts';
import { TransactionBudget } from './TransactionBudget.ts';
import { TransactionState, type TransactionTransport } from './TransactionTypes.ts';

type Detach = () => void;

export class TransactionLayer extends EventEmitter<TransactionLayerEvents> {
  readonly #transports = new Map<TransportProtocol, SipTransport>();
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** INVITE server transactions in Accepted, by Call-ID|CSeq|From-tag, to match the 2xx ACK. */
  readonly #accepted = new Map<string, InviteServerTransaction>();
  readonly #detach: Detach[] = [];
  readonly #options: TransactionLayerOptions;
  readonly #maxTransactions: number;
  readonly #maxServers: number;
  readonly #maxClients: number;
  readonly #clientBudget: TransactionBudget<ClientTransaction>;
  /** Server transactions, with each source address's share of the working ones. */
  readonly #serverBudget: TransactionBudget<ServerTransaction>;
  #isClosed = false;

  constructor(options: TransactionLayerOptions) {
    super();
    if (options.transports.length === 0) throw new TypeError('TransactionLayer needs at least one transport');
    this.#options = options;
    this.#maxTransactions = options.maxTransactions ?? 4096;
    this.#maxServers = Math.min(this.#maxTransactions, options.maxServerTransactions ?? Math.ceil(this.#maxTransactions / 2));
    this.#maxClients = this.#maxTransactions - this.#maxServers;
    this.#clientBudget = new TransactionBudget(this.#maxClients);
    this.#serverBudget = new TransactionBudget(this.#maxServers, options.maxServerTransactionsPerSource ?? Math.max(1, Math.floor(this.#maxServers / 4)));
    for (const t of options.transports) {
      if (this.#transports.has(t.protocol)) throw new TypeError(`two ${t.protocol} transports given`);
      this.#transports.set(t.protocol, t);
      const onMessage = (m: SipMessage, source: MessageSource): void => this.#receive(m, source, t);
      const onMalformed = (_e: unknown, source: MessageSource): void => {
        safeEmit(this, 'dropped', MessageDropReason.Malformed, undefined, source);
      };
      t.on('message', onMessage);
      t.on('malformed', onMalformed);
      this.#detach.push(() => {
        t.off('message', onMessage);
        t.off('malformed', onMalformed);
      });
    }
  }

  /** Live transactions (client + server). */
  get size(): number {
    return this.#clients.size + this.#servers.size;
  }

  /** Share of maxTransactions in use (0–1). */
  get load(): number {
    return this.size / this.#maxTransactions;
  }

  /** Share of the client budget working (0–1); at 1 sendRequest() throws TransactionLimitError. */
  get clientLoad(): number {
    return this.#clientBudget.load;
  }

  /** Share of the server budget working (0–1); at 1 new requests get 503. */
  get serverLoad(): number {
    return this.#serverBudget.load;
  }

  /** Transactions that only absorbed retransmissions, ended early to make room for new ones (since the start). */
  get evicted(): number {
    return this.#clientBudget.evicted + this.#serverBudget.evicted;
  }

  get closed(): boolean {
    return this.#isClosed;
  }

  /** The transport used for a protocol (UDP when unspecified, else the first one). */
  transportFor(protocol?: TransportProtocol): SipTransport {
    const t = protocol ? this.#transports.get(protocol) : (this.#transports.get('UDP') ?? this.#transports.values().next().value);
    if (!t) throw new TransportError(`no ${protocol} transport configured`);
    return t;
  }

  /**
   * Send a request in a new client transaction (INVITE or non-INVITE; use sendAck for ACK). A top Via
   * is added when missing (sent-by of the transport, fresh branch, rport); a top Via without an RFC 3261
   * branch gets one. Throws TransactionLimitError when full, InvalidStateError after close().
   */
  sendRequest(request: SipRequest, destination: Destination): ClientTransaction {
    this.#assertOpen();
    if (request.method === 'ACK') throw new TypeError('ACK is not sent in a transaction; use sendAck()');
    const transport = this.transportFor(destination.protocol);
    this.#ensureVia(request, transport);
    const branch = viaBranch(request.headers.topVia()) as string;
    const key = clientTransactionKey(branch, request.headers.cseq().method);
    if (this.#clients.has(key)) throw new TransactionStateError(`a client transaction with branch ${branch} exists [method:${request.method}]`);
    if (!this.#clientBudget.admit()) {
      throw new TransactionLimitError(`${this.#clientBudget.working} client transactions working, limit ${this.#maxClients} [method:${request.method}]`);
    }
    const binding: TransactionTransport = {
      reliable: transport.reliable,
      send: (m) => transport.send(m, destination),
    };
    const common = { request, transport: binding, timers: this.#options.timers, clock: this.#options.clock };
    const tx: ClientTransaction =
      request.method === 'INVITE' ? new InviteClientTransaction(common) : new NonInviteClientTransaction(common);
    this.#clients.set(key, tx);
    this.#clientBudget.add(tx);
    // A final response received: the transaction now only absorbs retransmissions (Timers D, K, M).
    tx.on('statechange', (_from, to) => {
      if (to === TransactionState.Completed || to === TransactionState.Accepted) this.#clientBudget.settle(tx);
    });
    tx.once('terminated', () => {
      if (this.#clients.get(key) === tx) this.#clients.delete(key);
      this.#clientBudget.remove(tx);
    });
    tx.start();
    return tx;
  }

  /** Send an ACK for a 2xx outside any transaction; a Via with a fresh branch is added when missing. */
  sendAck(ack: SipRequest, destination: Destination): Promise<void> {
    if (ack.method !== 'ACK') throw new TypeError(`sendAck() needs an ACK, got ${ack.method}`);
    return this.sendStateless(ack, destination);
  }

  /** Send any message statelessly (requests get a Via as in sendRequest). */
  sendStateless(message: SipMessage, destination: Destination): Promise<void> {
    if (this.#isClosed) return Promise.reject(new InvalidStateError('transaction layer closed'));
    const transport = this.transportFor(destination.protocol);
    if (message.type === 'request') this.#ensureVia(message, transport);
    return transport.send(message, destination);
  }

  /** Terminate every transaction and stop listening to the transports (which stay open). Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const d of this.#detach) d();
    for (const tx of [...this.#clients.values(), ...this.#servers.values()]) tx.terminate();
    this.#clients.clear();
    this.#servers.clear();
    this.#clientBudget.clear();
    this.#serverBudget.clear();
    this.#accepted.clear();
  }

  #assertOpen(): void {
    if (this.#isClosed) throw new InvalidStateError('transaction layer closed');
  }

  /** Add a top Via (sent-by of the transport, fresh branch, rport) or give one without an RFC 3261 branch a branch. */
  #ensureVia(request: SipRequest, transport: SipTransport): void {
    if (!request.headers.has('Via')) {
      const host = isIPv6(transport.sentBy.host) ? `[${transport.sentBy.host}]` : transport.sentBy.host;
      const via = createVia({ transport: transport.protocol, host, port: transport.sentBy.port, branch: generateBranch(), rport: true });
      request.headers.prepend('Via', formatVia(via));
      return;
    }
    const via = request.headers.topVia();
    if (isRfc3261Branch(viaBranch(via))) return;
    via.params.set('branch', generateBranch());
    request.headers.shift('Via');
    request.headers.prepend('Via', formatVia(via));
  }

  #receive(message: SipMessage, source: MessageSource, transport: SipTransport): void {
    if (this.#isClosed) return;
    const verdict = this.#options.screen?.(message, source);
    if (verdict !== undefined && verdict.action !== 'pass') {
      if (verdict.action === 'reject' && message.type === 'request' && message.method !== 'ACK') {
        // To the packet's source (on its connection for TCP/TLS): a forged Via must not make us a reflector.
        const refusal = createResponse(message, verdict.status, { toTag: message.headers.toTag() === undefined ? generateBranch().slice(7) : undefined });
        transport.send(refusal, { protocol: source.protocol, host: source.address, port: source.port, connectionId: source.connectionId }).catch(() => {
          // Best effort: nobody waits for this answer.
        });
      }
      safeEmit(this, 'dropped', MessageDropReason.Screened, message, source);
      return;
    }
    if (message.type === 'response') this.#receiveResponse(message, source);
    else this.#receiveRequest(message, source, transport);
  }

  #receiveResponse(response: SipResponse, source: MessageSource): void {
    // RFC 3261 §8.1.3.3: a UAC discards responses with more than one Via.
    if (response.headers.vias().length > 1) {
      safeEmit(this, 'dropped', MessageDropReason.MultipleVias, response, source);
      return;
    }
    const key = clientKeyOfResponse(response);
    const tx = key === undefined ? undefined : this.#clients.get(key);
    if (tx) tx.receiveResponse(response);
    else safeEmit(this, 'strayresponse', response, source);
  }

  #receiveRequest(request: SipRequest, source: MessageSource, transport: SipTransport): void {
    const key = serverTransactionKey(request, undefined, source.protocol);
    const existing = this.#servers.get(key);
    if (request.method === 'ACK') {
      this.#receiveAck(request, existing, source);
      return;
    }
    if (existing) {
      existing.receiveRequest(request);
      return;
    }
    const destination = responseDestination(request.headers.topVia(), source);
    if (!this.#serverBudget.admit(source.address)) {
      // Overload: answer statelessly (RFC 3261 §21.5.4) and count it.
      const busy = createResponse(request, 503, { headers: [['Retry-After', '5']], toTag: generateBranch().slice(7) });
      transport.send(busy, destination).catch(() => {
        // Best effort: the client retransmits or times out.
      });
      safeEmit(this, 'dropped', MessageDropReason.TransactionLimit, request, source);
      return;
    }
    const binding: TransactionTransport = { reliable: transport.reliable, send: (m) => transport.send(m, destination) };
    const common = { request, transport: binding, timers: this.#options.timers, clock: this.#options.clock };
    let tx: ServerTransaction;
    if (request.method === 'INVITE') {
      const ist = new InviteServerTransaction({ ...common, sendTrying: this.#options.sendTrying, retransmit2xx: this.#options.retransmit2xx });
      const ackKey = inviteAckKey(request);
      ist.on('statechange', (_from, to) => {
        if (to === TransactionState.Accepted) this.#accepted.set(ackKey, ist);
        else if (to === TransactionState.Terminated && this.#accepted.get(ackKey) === ist) this.#accepted.delete(ackKey);
        // The ACK of a non-2xx came: only ACK retransmissions are left to absorb (Timer I).
        if (to === TransactionState.Confirmed) this.#serverBudget.settle(ist);
      });
      // The ACK of a 2xx came: only INVITE retransmissions are left to absorb (Timer L).
      ist.on('ack', () => this.#serverBudget.settle(ist));
      tx = ist;
    } else {
      const nist = new NonInviteServerTransaction(common);
      // The final response sent: only request retransmissions are left to absorb (Timer J).
      nist.on('statechange', (_from, to) => {
        if (to === TransactionState.Completed) this.#serverBudget.settle(nist);
      });
      tx = nist;
    }
    this.#servers.set(key, tx);
    this.#serverBudget.add(tx, source.address);
    tx.once('terminated', () => {
      if (this.#servers.get(key) === tx) this.#servers.delete(key);
      this.#serverBudget.remove(tx);
    });
    tx.start();
    if (request.method === 'CANCEL') {
      const invite = this.#servers.get(serverTransactionKey(request, 'INVITE', source.protocol));
      safeEmit(this, 'cancel', request, tx, invite instanceof InviteServerTransaction ? invite : undefined, source);
    } else {
      safeEmit(this, 'request', request, tx, source);
    }
  }

  #receiveAck(ack: SipRequest, existing: ServerTransaction | undefined, source: MessageSource): void {
    if (existing instanceof InviteServerTransaction && existing.state !== TransactionState.Accepted) {
      // ACK for a non-2xx final: absorbed by the transaction (§17.2.1).
      existing.receiveAck(ack);
      return;
    }
    const invite = existing instanceof InviteServerTransaction ? existing : this.#accepted.get(inviteAckKey(ack));
    invite?.receiveAck(ack);
    safeEmit(this, 'ack', ack, invite, source);
  }
}
