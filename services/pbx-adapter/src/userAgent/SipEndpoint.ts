// The adapter's SIP user agent core: binds the transports, runs the transaction layer and routes what
// arrives. In-dialog requests go to the DialogHandler registered for their dialog id, new INVITEs to the
// 'invite' listener, OPTIONS are answered here; everything else gets its RFC 3261 answer (481, 405,
// 420). Every message in and out is counted; a handler that throws gets its request answered with 500,
// so no exception reaches the event loop.
import { EventEmitter } from 'node:events';
import type { Logger } from '@ucserver/shared';
import { SipTrace } from '../capture/SipTrace.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import {
  createResponse,
  dialogIdOfIncomingRequest,
  dialogIdOfIncomingResponse,
  dialogKey,
  InviteServerTransaction,
  safeEmit,
  SipParseError,
  SipTimeoutError,
  TcpTransport,
  TransactionLayer,
  UdpTransport,
  type ClientTransaction,
  type Destination,
  type DialogId,
  type MessageSource,
  type NonInviteServerTransaction,
  type ServerTransaction,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipTransport,
  type TransportProtocol,
} from '../sip/mod.ts';
import {
  ALLOWED_METHODS,
  SUPPORTED_EXTENSIONS,
  SUPPORTED_URI_SCHEMES,
  type DialogHandler,
  type LineTransport,
  type SipEndpointEvents,
  type SipEndpointOptions,
} from './SipEndpointTypes.ts';

const PROTOCOL: Record<LineTransport, TransportProtocol> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

export class SipEndpoint extends EventEmitter<SipEndpointEvents> {
  readonly layer: TransactionLayer;
  readonly userAgent: string;
  /** The recent SIP messages per Call-ID, for call captures. */
  readonly trace = new SipTrace();
  readonly #transports: Map<TransportProtocol, SipTransport>;
  readonly #dialogs = new Map<string, DialogHandler>();
  readonly #cancels = new Map<InviteServerTransaction, (cancel: SipRequest) => void>();
  readonly #logger: Logger;
  readonly #metrics: PbxAdapterMetrics;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(transports: SipTransport[], options: SipEndpointOptions) {
    super();
    this.userAgent = options.userAgent;
    this.#logger = options.logger.child({ component: 'sip' });
    this.#metrics = options.metrics;
    this.#transports = new Map(transports.map((t) => [t.protocol, t]));
    for (const t of transports) {
      this.trace.attach(t);
      t.on('message', (m) => this.#metrics.sipMessage('in', view(m)));
      t.on('sent', (m) => this.#metrics.sipMessage('out', view(m)));
      t.on('malformed', (err, source, answered) => {
        this.#metrics.sipDropped.inc({ reason: 'malformed' });
        this.#logger.info({ err: err.message, reason: err.reason, from: `${source.address}:${source.port}`, answered }, 'malformed SIP message');
      });
      t.on('error', (err) => this.#logger.warn({ err: err.message, cause: String(err.cause ?? '') }, 'SIP transport error'));
    }
    this.layer = new TransactionLayer({
      transports,
      timers: options.timers,
      maxTransactions: options.maxTransactions ?? 16_384,
      maxServerTransactions: options.maxServerTransactions,
      screen: options.screen ? (m, source) => options.screen!.verdict(m.type === 'request' ? { type: 'request', method: m.method } : { type: 'response' }, source.address) : undefined,
    });
    this.layer.on('request', (request, tx, source) => this.#onRequest(request, tx, source));
    this.layer.on('cancel', (cancel, tx, invite) => this.#onCancel(cancel, tx, invite));
    this.layer.on('ack', (ack) => this.#onAck(ack));
    this.layer.on('strayresponse', (response) => this.#onStrayResponse(response));
    this.layer.on('dropped', (reason) => {
      // Malformed messages are counted by the transport's event, screened ones by the screen's.
      if (reason !== 'malformed' && reason !== 'screened') this.#metrics.sipDropped.inc({ reason });
    });
    this.layer.on('listenererror', (err, event) => this.#logger.error({ err, event }, 'SIP handler failed'));
  }

  /**
   * Binds every transport of `options.transports` on `options.host`. UDP and TCP share one port number:
   * with port 0, TCP takes the number UDP got (retrying with a new one if it is taken).
   */
  static async create(options: SipEndpointOptions): Promise<SipEndpoint> {
    const wanted = new Set(options.transports);
    if (wanted.size === 0) throw new TypeError('SipEndpoint needs at least one transport');
    if (wanted.has('tls') && !options.tls) throw new TypeError('SIP transport tls needs a certificate and key (SIP_TLS_CERT_FILE, SIP_TLS_KEY_FILE)');
    const advertisedHost = options.publicHost ?? options.host;
    const admit = options.screen ? (address: string): boolean => options.screen!.admit(address) : undefined;
    const transports: SipTransport[] = [];
    try {
      for (let attempt = 0; ; attempt++) {
        let udp: UdpTransport | undefined;
        try {
          let port = options.port;
          if (wanted.has('udp')) {
            udp = await UdpTransport.create({ host: options.host, port, advertisedHost, admit, receiveBufferBytes: 4 * 1024 * 1024 });
            port = udp.local.port;
          }
          if (wanted.has('tcp')) transports.push(await TcpTransport.create({ host: options.host, port, advertisedHost, idleTimeoutMs: options.tcpIdleTimeoutMs, admit }));
          if (udp) transports.unshift(udp);
          break;
        } catch (err) {
          await udp?.close();
          if (options.port !== 0 || attempt >= 4) throw err;
        }
      }
      if (wanted.has('tls')) {
        transports.push(await TcpTransport.create({ host: options.host, port: options.tlsPort ?? 0, advertisedHost, tls: options.tls, idleTimeoutMs: options.tcpIdleTimeoutMs, admit }));
      }
    } catch (err) {
      await Promise.all(transports.map((t) => t.close()));
      throw err;
    }
    return new SipEndpoint(transports, options);
  }

  /** True while the transports listen (readiness). */
  get listening(): boolean {
    return !this.#closed;
  }

  has(transport: LineTransport): boolean {
    return this.#transports.has(PROTOCOL[transport]);
  }

  /** The host and port to announce in Contact/Via for a transport (its sent-by). */
  sentBy(transport: LineTransport): { host: string; port: number } {
    const t = this.#transports.get(PROTOCOL[transport]);
    if (!t) throw new TypeError(`transport ${transport} is not listening`);
    return t.sentBy;
  }

  /** The bound address of a transport (tests aim SIPp at it). */
  local(transport: LineTransport): { host: string; port: number } {
    const t = this.#transports.get(PROTOCOL[transport]);
    if (!t) throw new TypeError(`transport ${transport} is not listening`);
    return t.local;
  }

  /** Routes in-dialog requests with this dialog id to `handler` until removed. */
  addDialog(key: string, handler: DialogHandler): void {
    this.#dialogs.set(key, handler);
  }

  removeDialog(key: string, handler: DialogHandler): void {
    if (this.#dialogs.get(key) === handler) this.#dialogs.delete(key);
  }

  /** Calls `handler` when a CANCEL for this INVITE arrives (the endpoint already answered it with 200). */
  onCancel(invite: InviteServerTransaction, handler: (cancel: SipRequest) => void): void {
    if (invite.terminated) return;
    this.#cancels.set(invite, handler);
    invite.once('terminated', () => this.#cancels.delete(invite));
  }

  /**
   * Sends a request in a new client transaction (User-Agent and Max-Forwards added when missing) and
   * counts its timeouts. Throws (synchronously) when the transport is missing or the layer is full.
   */
  send(request: SipRequest, destination: Destination): ClientTransaction {
    if (!request.headers.has('Max-Forwards')) request.headers.set('Max-Forwards', '70');
    if (!request.headers.has('User-Agent')) request.headers.set('User-Agent', this.userAgent);
    const tx = this.layer.sendRequest(request, destination);
    tx.on('timeout', (err) => this.#metrics.transactionTimeouts.inc({ method: request.method === 'INVITE' ? 'INVITE' : request.method, timer: err.timer }));
    return tx;
  }

  /**
   * A non-INVITE request: resolves with its final response; rejects with SipTimeoutError (Timer F, or
   * `timeoutMs` when given and shorter) or TransportError. Provisional responses go to `onProvisional`.
   */
  request(request: SipRequest, destination: Destination, options: { timeoutMs?: number; onProvisional?: (r: SipResponse) => void } = {}): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      let tx: ClientTransaction;
      try {
        tx = this.send(request, destination);
      } catch (err) {
        reject(err);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        tx.removeAllListeners('response');
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          tx.terminate();
          reject(new SipTimeoutError('local', `no final response to ${request.method} within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      tx.on('response', (response) => {
        if (response.status < 200) {
          options.onProvisional?.(response);
          return;
        }
        done();
        resolve(response);
      });
      tx.once('timeout', (err) => {
        done();
        reject(err);
      });
      tx.once('transporterror', (err) => {
        done();
        reject(err);
      });
    });
  }

  /** Sends an ACK for a 2xx (outside any transaction). Failures are logged: the peer retransmits its 2xx. */
  sendAck(ack: SipRequest, destination: Destination): void {
    if (!ack.headers.has('Max-Forwards')) ack.headers.set('Max-Forwards', '70');
    this.layer.sendAck(ack, destination).catch((err: unknown) => this.#logger.warn({ err: (err as Error).message }, 'sending ACK failed'));
  }

  /** Sends a response on a server transaction; a response the transaction refuses is logged, not thrown. */
  respond(tx: ServerTransaction, response: SipResponse): boolean {
    try {
      tx.respond(response);
      return true;
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message, status: response.status, method: tx.request.method }, 'response not sent');
      return false;
    }
  }

  /** Answers a request with `status` (a To tag is added for final responses). */
  reply(tx: ServerTransaction, status: number, headers: Array<[string, string]> = [], reason?: string): boolean {
    const toTag = status > 100 ? tagFor(tx.request) : undefined;
    return this.respond(tx, createResponse(tx.request, status, { headers, toTag, ...(reason ? { reason } : {}) }));
  }

  /** Closes the transaction layer and the transports. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.layer.close();
    this.#dialogs.clear();
    this.#cancels.clear();
    this.#closing = Promise.all([...this.#transports.values()].map((t) => t.close())).then(() => undefined);
    return this.#closing;
  }

  #onRequest(request: SipRequest, tx: ServerTransaction, source: MessageSource): void {
    try {
      const id = dialogIdOfIncomingRequest(request);
      if (id !== undefined) {
        const handler = this.#dialogs.get(dialogKey(id));
        if (handler) {
          handler.handleRequest(request, tx);
          return;
        }
        this.reply(tx, 481);
        return;
      }
      if (request.method !== 'CANCEL' && !(SUPPORTED_URI_SCHEMES as readonly string[]).includes(request.uri.scheme.toLowerCase())) {
        this.reply(tx, 416);
        return;
      }
      const unsupported = request.headers.require().filter((tag) => !(SUPPORTED_EXTENSIONS as readonly string[]).includes(tag));
      if (unsupported.length > 0 && request.method !== 'CANCEL') {
        this.reply(tx, 420, [['Unsupported', unsupported.join(', ')]]);
        return;
      }
      switch (request.method) {
        case 'INVITE':
          if (this.listenerCount('invite') === 0) this.reply(tx, 480);
          else safeEmit(this, 'invite', request, tx as InviteServerTransaction, source);
          return;
        case 'OPTIONS':
          this.reply(tx, 200, this.capabilityHeaders());
          return;
        case 'BYE':
        case 'UPDATE':
        case 'INFO':
        case 'REFER':
        case 'NOTIFY':
        case 'PRACK':
          this.reply(tx, 481);
          return;
        default:
          this.reply(tx, 405, [['Allow', ALLOWED_METHODS.join(', ')]]);
      }
    } catch (err) {
      // A header the typed accessors reject, or a bug in a handler: answer instead of crashing.
      this.#logger.warn({ err: (err as Error).message, method: request.method }, 'request handling failed');
      if (!tx.terminated && tx.finalResponseSent === undefined) this.reply(tx, err instanceof SyntaxError || err instanceof SipParseError ? 400 : 500);
    }
  }

  /** Allow / Accept / Supported, for OPTIONS answers and dialog-creating responses. */
  capabilityHeaders(): Array<[string, string]> {
    return [
      ['Allow', ALLOWED_METHODS.join(', ')],
      ['Accept', 'application/sdp, application/dtmf-relay, message/sipfrag'],
      ['Supported', SUPPORTED_EXTENSIONS.join(', ')],
    ];
  }

  #onCancel(cancel: SipRequest, tx: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    if (!invite) {
      this.reply(tx, 481);
      return;
    }
    this.reply(tx, 200);
    const handler = this.#cancels.get(invite);
    if (!handler) return;
    this.#cancels.delete(invite);
    try {
      handler(cancel);
    } catch (err) {
      this.#logger.error({ err }, 'CANCEL handler failed');
    }
  }

  #onAck(ack: SipRequest): void {
    this.#toDialog(dialogIdOfIncomingRequest(ack), 'stray-ack', 'ACK', (handler) => handler.handleAck(ack));
  }

  /** A 2xx no client transaction matched (our ACK was lost); anything else is dropped. */
  #onStrayResponse(response: SipResponse): void {
    const id = dialogIdOfIncomingResponse(response);
    const is2xx = response.status >= 200 && response.status < 300;
    this.#toDialog(is2xx ? id : undefined, 'stray-response', 'stray response', (handler) => handler.handleStrayResponse(response));
  }

  /**
   * Hands a message outside any transaction to the handler of its dialog; without one (no dialog id, or
   * nobody handles it) the message is counted as dropped with `reason`. A handler's throw is logged.
   */
  #toDialog(id: DialogId | undefined, reason: string, what: string, deliver: (handler: DialogHandler) => void): void {
    const handler = id === undefined ? undefined : this.#dialogs.get(dialogKey(id));
    if (!handler) {
      this.#metrics.sipDropped.inc({ reason });
      return;
    }
    try {
      deliver(handler);
    } catch (err) {
      this.#logger.error({ err }, `${what} handler failed`);
    }
  }
}

/** The To tag of final responses to out-of-dialog requests: stable per request (its branch). */
const tagFor = (request: SipRequest): string | undefined => {
  if (request.headers.toTag() !== undefined) return undefined;
  const branch = request.headers.topVia().params.get('branch') ?? '';
  return `t${branch.replace(/[^A-Za-z0-9]/g, '').slice(-10)}`;
};

const view = (m: SipMessage): { type: 'request'; method: string } | { type: 'response'; status: number; method: string } => {
  if (m.type === 'request') return { type: 'request', method: m.method };
  let method = '?';
  try {
    method = m.headers.cseq().method;
  } catch {
    // The parser validated CSeq; a response built locally without one is counted as unknown.
  }
  return { type: 'response', status: m.status, method };
};

