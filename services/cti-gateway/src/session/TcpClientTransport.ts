import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { InvalidStateError, type Logger } from '@ucserver/shared';
import {
  buildReject,
  EncodingNotSupportedError,
  encodeFrame,
  FrameDecoder,
  GeneralProblem,
  InvokeProblem,
  serializeRose,
  type FrameEncoding,
  type RoseWireMessage,
} from '../codec/mod.ts';
import type { ClientTransport } from './ClientTransport.ts';

export interface TcpClientTransportOptions {
  maxMessageBytes: number;
  idleTimeoutMs: number;
  /** Unsent bytes tolerated before a client that does not read is dropped. */
  maxQueuedBytes: number;
  /** Present when TLS is configured: asnStartTLS upgrades the socket with it. */
  tls?: SecureContext | undefined;
  logger: Logger;
}

/**
 * ENetUC on TCP 7222: a streaming frame decoder in, J-framed (or bare, mirroring the client) JSON out.
 * Protocol garbage gets one reject naming the problem and the connection is closed; a client that
 * goes silent past the idle timeout or stops reading is disconnected.
 */
export class TcpClientTransport implements ClientTransport {
  readonly kind = 'tcp';
  readonly remoteAddress: string;
  #socket: Socket;
  #decoder: FrameDecoder;
  #encoding: FrameEncoding = 'json-framed';
  #secure = false;
  #tlsPending = false;
  #closed = false;
  /** Frames of this tick are corked and leave in one writev when the tick ends (see #sendNow). */
  #corked = false;
  readonly #options: TcpClientTransportOptions;
  #onMessage: (text: string) => void = () => {};
  #onClose: (reason: string) => void = () => {};
  #busy: () => boolean = () => false;

  constructor(socket: Socket, options: TcpClientTransportOptions) {
    this.#socket = socket;
    this.#options = options;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.#decoder = new FrameDecoder({ maxMessageBytes: options.maxMessageBytes });
    this.#attach(socket);
  }

  /** Wires the session in; separate from the constructor because session and transport reference each other. */
  bind(onMessage: (text: string) => void, onClose: (reason: string) => void, busy: () => boolean = () => false): void {
    this.#onMessage = onMessage;
    this.#onClose = onClose;
    this.#busy = busy;
  }

  get secure(): boolean {
    return this.#secure;
  }

  get canStartTls(): boolean {
    return this.#options.tls !== undefined && !this.#secure;
  }

  #attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setTimeout(this.#options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('timeout', () => {
      // Silence while we still owe the client an answer is our delay, not the client's idleness.
      if (this.#busy()) socket.setTimeout(this.#options.idleTimeoutMs);
      else this.close(`idle for ${this.#options.idleTimeoutMs} ms`);
    });
    socket.on('error', (err) => this.#options.logger.debug({ err: err.message }, 'client socket error'));
    socket.on('close', () => this.#finish('connection closed by peer'));
  }

  #onData(chunk: Buffer): void {
    if (this.#closed || this.#tlsPending) return;
    const { messages, error } = this.#decoder.push(chunk);
    for (const m of messages) {
      if (this.#closed) return;
      this.#encoding = m.encoding;
      this.#onMessage(m.text);
      // After asnStartTLS nothing but a TLS ClientHello may follow; anything else in this chunk is void.
      if (this.#tlsPending) return;
    }
    if (error) {
      const ber = error instanceof EncodingNotSupportedError;
      this.#options.logger.warn({ code: error.code, err: error.message }, 'client protocol error, closing');
      this.#sendNow(buildReject({ invokeID: null }, {
        problem: ber ? { generalProblem: GeneralProblem.unrecognisedAPDU } : { invokeProblem: InvokeProblem.mistypedArgument },
        details: ber ? 'encoding not supported: BER is not available on this server, use JSON (J-framed)' : `protocol error: ${error.message}`,
      }));
      this.close(error.code);
    }
  }

  send(message: RoseWireMessage): void {
    this.#sendNow(message);
  }

  #sendNow(message: RoseWireMessage): void {
    if (this.#closed) return;
    const frame = encodeFrame(serializeRose(message, 'tcp'), this.#encoding);
    if (this.#tlsPending) {
      // the asnStartTLS result: write it in clear, then hand the socket to TLS
      this.#socket.write(frame, () => this.#upgrade());
      return;
    }
    // A call's events to one client often come in one tick (a reply and the events held behind it, a bus
    // message's fan-out): corked, they cost one writev system call instead of one write each.
    if (!this.#corked) {
      this.#corked = true;
      const socket = this.#socket;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    this.#socket.write(frame);
    if (this.#socket.writableLength > this.#options.maxQueuedBytes) {
      this.close(`client not reading (${this.#socket.writableLength} bytes unsent)`);
    }
  }

  startTls(): void {
    if (!this.canStartTls) throw new InvalidStateError('TLS is not configured');
    this.#tlsPending = true;
  }

  #upgrade(): void {
    if (this.#closed) return;
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    plain.removeAllListeners('close');
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.#options.tls });
    this.#socket = secure;
    this.#decoder = new FrameDecoder({ maxMessageBytes: this.#options.maxMessageBytes });
    this.#secure = true;
    this.#tlsPending = false;
    secure.on('secure', () => this.#options.logger.info('asnStartTLS: TLS established'));
    this.#attach(secure);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    // Half-closed peers that never finish get cut off.
    setTimeout(() => this.#socket.destroy(), 2000).unref();
    this.#onClose(reason);
  }

  #finish(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#onClose(reason);
  }
}
