// One TCP or TLS connection of a TcpTransport: framing, keep-alive answers, idle close and bounded
// write buffering. Emits parsed messages; malformed input is answered (400) when possible and, when the
// stream cannot be re-synchronised, the connection is closed.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { SipParseError, TransportError } from '../errors.ts';
import type { SipMessage } from '../message.ts';
import { safeParseMessage, type ParseOptions } from '../parse.ts';
import { createErrorResponse } from '../rejection.ts';
import { safeEmit } from '../safeEmit.ts';
import { serializeMessage } from '../serialize.ts';
import { StreamFramer } from '../StreamFramer.ts';
import type { Endpoint, TransportProtocol } from './TransportTypes.ts';

export interface StreamConnectionOptions {
  id: string;
  protocol: Exclude<TransportProtocol, 'UDP'>;
  socket: Socket;
  /** Close after this long without traffic in either direction; 0 disables. */
  idleTimeoutMs: number;
  /** Reject writes while this many bytes are already queued on the socket. */
  maxWriteBuffer: number;
  parse: Omit<ParseOptions, 'requireContentLength'>;
  /** Asked before each framed message is parsed; false drops it (the per-source rate limit). */
  admit?: (() => boolean) | undefined;
}

export type StreamConnectionEvents = {
  message: [message: SipMessage];
  malformed: [error: SipParseError, answered: boolean];
  ping: [];
  pong: [];
  close: [];
  listenererror: [error: unknown, event: string];
};

export class StreamConnection extends EventEmitter<StreamConnectionEvents> {
  readonly id: string;
  readonly protocol: Exclude<TransportProtocol, 'UDP'>;
  readonly remote: Endpoint;
  readonly #socket: Socket;
  readonly #framer: StreamFramer;
  readonly #options: StreamConnectionOptions;
  #isClosed = false;
  /** The stream could not be framed; everything after it is discarded until the close completes. */
  #failed = false;

  constructor(options: StreamConnectionOptions) {
    super();
    this.id = options.id;
    this.protocol = options.protocol;
    this.#options = options;
    this.#socket = options.socket;
    this.remote = { host: options.socket.remoteAddress ?? '', port: options.socket.remotePort ?? 0 };
    this.#framer = new StreamFramer({ maxMessageSize: options.parse.maxMessageSize });
    this.#socket.setNoDelay(true);
    if (options.idleTimeoutMs > 0) {
      this.#socket.setTimeout(options.idleTimeoutMs, () => this.close());
    }
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', () => {
      // The 'close' event follows and reports the connection as gone; sends already in flight reject.
    });
    this.#socket.on('close', () => {
      this.#isClosed = true;
      safeEmit(this, 'close');
    });
  }

  get alive(): boolean {
    return !this.#isClosed && !this.#socket.destroyed && this.#socket.writable;
  }

  write(data: Buffer | string): Promise<void> {
    if (!this.alive) {
      return Promise.reject(new TransportError(`connection ${this.id} to ${this.remote.host}:${this.remote.port} is closed`));
    }
    if (this.#socket.writableLength > this.#options.maxWriteBuffer) {
      return Promise.reject(
        new TransportError(`write buffer of connection ${this.id} exceeds ${this.#options.maxWriteBuffer} bytes (peer too slow)`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (err) => {
        if (err) reject(new TransportError(`write on connection ${this.id} failed`, { cause: err }));
        else resolve();
      });
    });
  }

  /** Close gracefully (FIN after pending writes), then destroy. Idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#socket.end(() => this.#socket.destroy());
    // Do not wait forever for a peer that never acknowledges the FIN.
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  /** Close immediately. */
  destroy(): void {
    this.#isClosed = true;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#failed) return;
    let items;
    try {
      items = this.#framer.push(chunk);
    } catch (err) {
      // The stream cannot be framed any more (no/invalid Content-Length, oversize): answer, then close.
      this.#failed = true;
      const error = err as SipParseError;
      this.#answer(error).finally(() => this.close());
      return;
    }
    for (const item of items) {
      if (item.type === 'ping') {
        // RFC 5626 §4.4.1: answer a double-CRLF ping with a single CRLF pong.
        this.write('\r\n').catch(() => {
          // The connection went away; its 'close' event reports that.
        });
        safeEmit(this, 'ping');
      } else if (item.type === 'pong') {
        safeEmit(this, 'pong');
      } else {
        if (this.#options.admit && !this.#options.admit()) continue;
        const result = safeParseMessage(item.data, { ...this.#options.parse, requireContentLength: true });
        if (result.ok) safeEmit(this, 'message', result.message);
        else void this.#answer(result.error);
      }
    }
  }

  async #answer(error: SipParseError): Promise<void> {
    const response = createErrorResponse(error);
    safeEmit(this, 'malformed', error, response !== undefined);
    if (!response) return;
    try {
      await this.write(serializeMessage(response));
    } catch {
      // Connection already closed: nobody is left to receive the 400.
    }
  }
}
