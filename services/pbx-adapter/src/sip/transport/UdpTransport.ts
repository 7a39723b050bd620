// SIP over UDP (RFC 3261 §18) on node:dgram. Each datagram is one message; malformed requests are
// answered with 400 (or 505/513) to the packet source when enough could be parsed, else dropped and
// reported through 'malformed'. Nothing thrown here reaches the event loop.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { InvalidStateError, TransportError } from '../errors.ts';
import type { SipMessage } from '../message.ts';
import { safeParseMessage } from '../parse.ts';
import { createErrorResponse } from '../rejection.ts';
import { emitError, safeEmit } from '../safeEmit.ts';
import { serializeMessage } from '../serialize.ts';
import type {
  Destination,
  Endpoint,
  MessageSource,
  SipTransport,
  SipTransportEvents,
  TransportOptions,
  TransportStats,
} from './TransportTypes.ts';
import { stampReceived, unbracket } from './viaProcessing.ts';

export interface UdpTransportOptions extends TransportOptions {
  /** SO_RCVBUF of the socket (bytes); default the system's. */
  receiveBufferBytes?: number | undefined;
}

const isOnlyCrlf = (buf: Buffer): boolean => buf.length > 0 && buf.every((b) => b === 0x0d || b === 0x0a);

export class UdpTransport extends EventEmitter<SipTransportEvents> implements SipTransport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly local: Endpoint;
  readonly sentBy: Endpoint;
  readonly stats: TransportStats = { messagesReceived: 0, messagesSent: 0, malformed: 0, keepalives: 0 };
  readonly #socket: Socket;
  readonly #options: UdpTransportOptions;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(socket: Socket, options: UdpTransportOptions) {
    super();
    this.#socket = socket;
    this.#options = options;
    const addr = socket.address();
    this.local = { host: addr.address, port: addr.port };
    this.sentBy = { host: options.advertisedHost ?? addr.address, port: options.advertisedPort ?? addr.port };
    socket.on('message', (buf, rinfo) => this.#onDatagram(buf, rinfo));
    socket.on('error', (err) => emitError(this, new TransportError(`UDP socket error [${this.#describeLocal()}]`, { cause: err })));
  }

  /** Bind a UDP socket and resolve once it listens. */
  static async create(options: UdpTransportOptions): Promise<UdpTransport> {
    const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new TransportError(`cannot bind UDP ${options.host}:${options.port ?? 0}`, { cause: err }));
      socket.once('error', onError);
      socket.bind({ address: options.host, port: options.port ?? 0 }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    if (options.receiveBufferBytes) {
      try {
        // A burst (or a flood being dropped by the rate limit) must not push the PBX's answers out of the
        // kernel's queue; the system caps it at net.core.rmem_max.
        socket.setRecvBufferSize(options.receiveBufferBytes);
      } catch {
        // Not permitted here: the system default stays.
      }
    }
    return new UdpTransport(socket, options);
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new InvalidStateError(`UDP transport closed [${this.#describeLocal()}]`));
    const data = serializeMessage(message);
    return this.#sendRaw(data, destination).then(() => {
      safeEmit(this, 'sent', message, destination, data);
    });
  }

  #sendRaw(data: Buffer, destination: Destination): Promise<void> {
    const host = unbracket(destination.host);
    return new Promise((resolve, reject) => {
      try {
        this.#socket.send(data, destination.port, host, (err) => {
          if (err) {
            reject(new TransportError(`UDP send to ${host}:${destination.port} failed [${this.#describeLocal()}]`, { cause: err }));
          } else {
            this.stats.messagesSent++;
            resolve();
          }
        });
      } catch (err) {
        reject(new TransportError(`UDP send to ${host}:${destination.port} failed [${this.#describeLocal()}]`, { cause: err }));
      }
    });
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = new Promise<void>((resolve) => {
      this.#socket.close(() => resolve());
    }).then(() => {
      safeEmit(this, 'close');
    });
    return this.#closing;
  }

  #onDatagram(buf: Buffer, rinfo: RemoteInfo): void {
    const source: MessageSource = { protocol: 'UDP', address: rinfo.address, port: rinfo.port };
    try {
      if (this.#options.admit && !this.#options.admit(rinfo.address)) return;
      if (isOnlyCrlf(buf)) {
        // CRLF keep-alives over UDP carry no message; ignore them (RFC 5626 uses STUN on UDP).
        this.stats.keepalives++;
        return;
      }
      const result = safeParseMessage(buf, { ...this.#options.parse });
      if (!result.ok) {
        this.stats.malformed++;
        const answer = createErrorResponse(result.error);
        let answered = false;
        if (answer) {
          answered = true;
          this.#sendRaw(serializeMessage(answer), { host: rinfo.address, port: rinfo.port }).catch((err: unknown) =>
            emitError(this, err instanceof TransportError ? err : new TransportError('sending 400 failed', { cause: err })),
          );
        }
        safeEmit(this, 'malformed', result.error, source, answered);
        return;
      }
      const message = result.message;
      if (message.type === 'request') stampReceived(message, source);
      this.stats.messagesReceived++;
      safeEmit(this, 'message', message, source);
    } catch (err) {
      // Defensive: parsing never throws and listeners are isolated by safeEmit, so this is a bug.
      emitError(this, new TransportError(`unexpected error handling datagram from ${rinfo.address}:${rinfo.port}`, { cause: err }));
    }
  }

  #describeLocal(): string {
    return `udp:${this.local.host}:${this.local.port}`;
  }
}
