// SIP over TCP, or TLS when certificates are given (RFC 3261 §18, §26.2). Connections are reused in
// both directions (keyed by remote address:port and by id), closed when idle, and bounded in number.
import { EventEmitter } from 'node:events';
import { connect as netConnect, createServer as netCreateServer, isIP, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as tlsCreateServer, type TLSSocket } from 'node:tls';
import { InvalidStateError, TransportError } from '../errors.ts';
import type { SipMessage } from '../message.ts';
import { emitError, safeEmit } from '../safeEmit.ts';
import { serializeMessage } from '../serialize.ts';
import { StreamConnection } from './StreamConnection.ts';
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

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** Trusted CAs for verifying peers; defaults to the system store. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the peer certificate on outbound connections; default true. */
  rejectUnauthorized?: boolean;
}

export interface TcpTransportOptions extends TransportOptions {
  /** Listen and connect with TLS ("TLS" transport) instead of plain TCP. */
  tls?: TlsOptions | undefined;
  /** Close a connection after this long without traffic; default 180000 ms, 0 disables. */
  idleTimeoutMs?: number | undefined;
  /** Maximum simultaneous connections (inbound + outbound); default 1024. */
  maxConnections?: number | undefined;
  /** Outbound connect timeout; default 10000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Maximum bytes queued per connection before sends are rejected; default 1 MiB. */
  maxWriteBuffer?: number | undefined;
}

const remoteKey = (host: string, port: number): string => `${unbracket(host).toLowerCase()}:${port}`;

export class TcpTransport extends EventEmitter<SipTransportEvents> implements SipTransport {
  readonly protocol: 'TCP' | 'TLS';
  readonly reliable = true;
  readonly local: Endpoint;
  readonly sentBy: Endpoint;
  readonly stats: TransportStats = { messagesReceived: 0, messagesSent: 0, malformed: 0, keepalives: 0 };
  readonly #server: Server;
  readonly #options: TcpTransportOptions;
  readonly #connections = new Map<string, StreamConnection>();
  readonly #byRemote = new Map<string, string>();
  readonly #connecting = new Map<string, Promise<StreamConnection>>();
  #nextId = 1;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(server: Server, options: TcpTransportOptions) {
    super();
    this.#server = server;
    this.#options = options;
    this.protocol = options.tls ? 'TLS' : 'TCP';
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new TransportError('TCP server has no address');
    this.local = { host: addr.address, port: addr.port };
    this.sentBy = { host: options.advertisedHost ?? addr.address, port: options.advertisedPort ?? addr.port };
    server.on('error', (err) => emitError(this, new TransportError(`${this.protocol} server error [${this.#describeLocal()}]`, { cause: err })));
  }

  /** Listen and resolve once bound. */
  static async create(options: TcpTransportOptions): Promise<TcpTransport> {
    let transport: TcpTransport | undefined;
    const onSocket = (socket: Socket): void => {
      if (transport) transport.#accept(socket);
      else socket.destroy();
    };
    const server = options.tls
      ? tlsCreateServer({ key: options.tls.key, cert: options.tls.cert }, onSocket)
      : netCreateServer(onSocket);
    if (options.tls) {
      server.on('tlsClientError', () => {
        // A failed handshake only concerns that peer; the socket is destroyed by node.
      });
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new TransportError(`cannot listen on ${options.host}:${options.port ?? 0}`, { cause: err }));
      server.once('error', onError);
      server.listen({ host: options.host, port: options.port ?? 0 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    transport = new TcpTransport(server, options);
    return transport;
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    const data = serializeMessage(message);
    return this.#write(data, destination).then(() => {
      this.stats.messagesSent++;
      safeEmit(this, 'sent', message, destination, data);
    });
  }

  /** RFC 5626 §4.4.1 keep-alive: send a double-CRLF ping on the connection to `destination`. */
  ping(destination: Destination): Promise<void> {
    return this.#write(Buffer.from('\r\n\r\n'), destination);
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = new Promise<void>((resolve) => {
      for (const c of this.#connections.values()) c.destroy();
      this.#server.close(() => resolve());
    }).then(() => {
      safeEmit(this, 'close');
    });
    return this.#closing;
  }

  async #write(data: Buffer, destination: Destination): Promise<void> {
    if (this.#closed) throw new InvalidStateError(`${this.protocol} transport closed [${this.#describeLocal()}]`);
    const conn = await this.#connectionFor(destination);
    await conn.write(data);
  }

  async #connectionFor(destination: Destination): Promise<StreamConnection> {
    if (destination.connectionId !== undefined) {
      const c = this.#connections.get(destination.connectionId);
      if (c?.alive) return c;
    }
    const key = remoteKey(destination.host, destination.port);
    const id = this.#byRemote.get(key);
    const existing = id === undefined ? undefined : this.#connections.get(id);
    if (existing?.alive) return existing;
    const pending = this.#connecting.get(key);
    if (pending) return pending;
    const p = this.#open(destination).finally(() => this.#connecting.delete(key));
    this.#connecting.set(key, p);
    return p;
  }

  #open(destination: Destination): Promise<StreamConnection> {
    if (this.#connections.size >= (this.#options.maxConnections ?? 1024)) {
      return Promise.reject(new TransportError(`connection limit ${this.#options.maxConnections ?? 1024} reached [${this.#describeLocal()}]`));
    }
    const host = unbracket(destination.host);
    const port = destination.port;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let socket: Socket | TLSSocket;
      const tls = this.#options.tls;
      const onConnected = (): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        if (this.#closed) {
          socket.destroy();
          reject(new InvalidStateError(`${this.protocol} transport closed while connecting to ${host}:${port}`));
          return;
        }
        const conn = this.#register(socket);
        this.#byRemote.set(remoteKey(host, port), conn.id);
        resolve(conn);
      };
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        // The cause is in the message because it ends up in a line's registration reason: an admin
        // needs "self-signed certificate" or "ECONNREFUSED" there, not just "failed".
        reject(new TransportError(`${this.protocol} connect to ${host}:${port} failed: ${err.message} [${this.#describeLocal()}]`, { cause: err }));
      };
      if (tls) {
        socket = tlsConnect(
          {
            host,
            port,
            ca: tls.ca,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
            ...(isIP(host) === 0 ? { servername: host } : {}),
          },
          onConnected,
        );
      } else {
        socket = netConnect({ host, port }, onConnected);
      }
      socket.once('error', onError);
      const timer = setTimeout(() => onError(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
  }

  #accept(socket: Socket): void {
    const admit = this.#options.admit;
    if (this.#closed || this.#connections.size >= (this.#options.maxConnections ?? 1024) || (admit && !admit(socket.remoteAddress ?? ''))) {
      socket.destroy();
      return;
    }
    socket.on('error', () => {
      // Reported through the connection's close.
    });
    this.#register(socket);
  }

  #register(socket: Socket): StreamConnection {
    const id = `${this.protocol.toLowerCase()}-${this.#nextId++}`;
    const conn = new StreamConnection({
      id,
      protocol: this.protocol,
      socket,
      idleTimeoutMs: this.#options.idleTimeoutMs ?? 180_000,
      maxWriteBuffer: this.#options.maxWriteBuffer ?? 1024 * 1024,
      parse: { ...this.#options.parse },
      admit: this.#options.admit ? () => this.#options.admit!(socket.remoteAddress ?? '') : undefined,
    });
    this.#connections.set(id, conn);
    const key = remoteKey(conn.remote.host, conn.remote.port);
    this.#byRemote.set(key, id);
    const source: MessageSource = { protocol: this.protocol, address: conn.remote.host, port: conn.remote.port, connectionId: id };
    conn.on('message', (message) => {
      if (message.type === 'request') stampReceived(message, source);
      this.stats.messagesReceived++;
      safeEmit(this, 'message', message, source);
    });
    conn.on('malformed', (error, answered) => {
      this.stats.malformed++;
      safeEmit(this, 'malformed', error, source, answered);
    });
    conn.on('ping', () => this.stats.keepalives++);
    conn.on('pong', () => this.stats.keepalives++);
    conn.on('close', () => {
      this.#connections.delete(id);
      for (const [k, v] of this.#byRemote) if (v === id) this.#byRemote.delete(k);
      safeEmit(this, 'connectionclose', id, conn.remote);
    });
    safeEmit(this, 'connection', id, conn.remote);
    return conn;
  }

  #describeLocal(): string {
    return `${this.protocol.toLowerCase()}:${this.local.host}:${this.local.port}`;
  }
}
