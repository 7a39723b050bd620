import type { WebSocket } from 'ws';
import { InvalidStateError, type Logger } from '@ucserver/shared';
import { serializeRose, type RoseWireMessage } from '../codec/mod.ts';
import type { ClientTransport } from './ClientTransport.ts';

export interface WsClientTransportOptions {
  remoteAddress: string;
  secure: boolean;
  idleTimeoutMs: number;
  maxQueuedBytes: number;
  logger: Logger;
}

/**
 * ENetUC on a WebSocket: one ROSE message per text frame; server messages are wrapped in `[…]`
 * (the UCWeb convention the demo client requires). Binary frames (BER) are refused.
 */
export class WsClientTransport implements ClientTransport {
  readonly kind = 'websocket';
  readonly remoteAddress: string;
  readonly secure: boolean;
  readonly canStartTls = false;
  readonly #ws: WebSocket;
  readonly #options: WsClientTransportOptions;
  #idle: NodeJS.Timeout | undefined;
  #closed = false;
  #busy: () => boolean = () => false;

  constructor(ws: WebSocket, options: WsClientTransportOptions) {
    this.#ws = ws;
    this.#options = options;
    this.remoteAddress = options.remoteAddress;
    this.secure = options.secure;
  }

  bind(onMessage: (text: string) => void, onClose: (reason: string) => void, busy: () => boolean = () => false): void {
    this.#busy = busy;
    this.#touch();
    this.#ws.on('message', (data, isBinary) => {
      this.#touch();
      if (isBinary) {
        this.#options.logger.warn('binary WebSocket frame refused');
        this.close('binary frames (BER) are not supported; send JSON text frames');
        return;
      }
      onMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    this.#ws.on('pong', () => this.#touch());
    this.#ws.on('close', (code) => {
      this.#stop();
      onClose(`websocket closed (${code})`);
    });
    this.#ws.on('error', (err) => this.#options.logger.debug({ err: err.message }, 'websocket error'));
  }

  #touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => (this.#busy() ? this.#touch() : this.close(`idle for ${this.#options.idleTimeoutMs} ms`)), this.#options.idleTimeoutMs);
    this.#idle.unref();
  }

  #stop(): void {
    this.#closed = true;
    clearTimeout(this.#idle);
  }

  startTls(): void {
    throw new InvalidStateError('asnStartTLS is not available on WebSocket connections (use wss:// on the HTTPS port)');
  }

  send(message: RoseWireMessage): void {
    if (this.#closed) return;
    this.#ws.send(serializeRose(message, 'websocket'));
    if (this.#ws.bufferedAmount > this.#options.maxQueuedBytes) this.close(`client not reading (${this.#ws.bufferedAmount} bytes unsent)`);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#stop();
    // 1008 policy violation for protocol problems, 1000 otherwise; the reason is capped at 123 bytes by the protocol
    this.#ws.close(/idle|logoff|shutdown/.test(reason) ? 1000 : 1008, reason.slice(0, 120));
    setTimeout(() => this.#ws.terminate(), 2000).unref();
  }
}
