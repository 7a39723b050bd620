import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';
import { InvalidStateError } from '@ucserver/shared';
import { decodeRose, encodeFrame, FrameDecoder, serializeRose, type RoseWireMessage } from '../codec/mod.ts';
import {
  buildInvoke,
  decodeArgument,
  findOperation,
  operations,
  type ArgumentOf,
  type InvokeOperationName,
  type OperationName,
  type OutboundEventName,
  type ResultOf,
} from '../protocol/mod.ts';
import { EnetucRejectError, EnetucRequestError, EnetucTimeoutError } from './errors.ts';

export { EnetucRejectError, EnetucRequestError, EnetucTimeoutError } from './errors.ts';

/** An event the server sent, decoded with its schema (raw argument kept when it does not decode). */
export interface ServerEvent<N extends OutboundEventName = OutboundEventName> {
  name: N;
  argument: ArgumentOf<N>;
}

export interface EnetucClientEvents {
  event: [event: ServerEvent];
  close: [reason: string];
}

type Wire = { send(text: string): void; close(): void };

/**
 * An ENetUC client over TCP (J-framed JSON, optional asnStartTLS) or the web-service WebSocket:
 * the CLI client, the benchmarks and the tests speak the protocol through it.
 */
export class EnetucClient extends EventEmitter<EnetucClientEvents> {
  readonly transport: 'tcp' | 'websocket';
  #wire: Wire;
  #nextId = 1;
  readonly #pending = new Map<number, { op: string; resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #timeoutMs: number;
  #closed = false;
  /** Every event received, in order (tests assert on it). */
  readonly received: ServerEvent[] = [];
  /** Rejects that matched no pending invoke (e.g. `invokednull` for undecodable input). */
  readonly rejects: string[] = [];

  private constructor(transport: 'tcp' | 'websocket', wire: Wire, timeoutMs: number) {
    super();
    this.transport = transport;
    this.#wire = wire;
    this.#timeoutMs = timeoutMs;
  }

  /** TCP 7222; with `tls` set the client invokes asnStartTLS first and continues inside TLS. */
  static async connectTcp(options: { host: string; port: number; tls?: ConnectionOptions; timeoutMs?: number }): Promise<EnetucClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = netConnect({ host: options.host, port: options.port }, () => resolve(s));
      s.once('error', reject);
    });
    let decoder = new FrameDecoder();
    let current: Socket = socket;
    const client = new EnetucClient('tcp', { send: (text) => current.write(encodeFrame(text, 'json-framed')), close: () => current.end() }, options.timeoutMs ?? 5000);
    const attach = (s: Socket): void => {
      s.on('data', (chunk: Buffer) => {
        const { messages, error } = decoder.push(chunk);
        for (const m of messages) client.#receive(m.text);
        if (error) client.#terminate(`protocol error from server: ${error.message}`);
      });
      s.on('close', () => client.#terminate('connection closed'));
      s.on('error', () => undefined);
    };
    attach(socket);
    if (options.tls) {
      await client.invoke('asnStartTLS', {});
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      const secure = await new Promise<Socket>((resolve, reject) => {
        const t = tlsConnect({ socket, ...options.tls }, () => resolve(t));
        t.once('error', reject);
      });
      decoder = new FrameDecoder();
      current = secure;
      attach(secure);
    }
    return client;
  }

  /** `POST /ws/client/createsession` with Basic credentials (or a token), then the WebSocket. */
  static async connectWebSocket(options: { baseUrl: string; user?: string; password?: string; token?: string; timeoutMs?: number; ca?: string | Buffer }): Promise<EnetucClient> {
    const auth = options.token ? `Bearer ${options.token}` : `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    const res = await fetch(`${options.baseUrl}/ws/client/createsession?clientappid=15`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json;charset=utf-8', 'x-no401': '1' },
      body: JSON.stringify({ negotiate: { iClientProtocolVersion: 70 } }),
    });
    const body = (await res.json()) as { sessionid?: string; error?: { iErrorDetail: number; u8sErrorString: string } };
    if (!res.ok || !body.sessionid) throw new EnetucRequestError('createsession', body.error?.iErrorDetail ?? res.status, body.error?.u8sErrorString ?? `HTTP ${res.status}`);
    const wsUrl = `${options.baseUrl.replace(/^http/, 'ws')}/ws/client/websocket?x-ucsessionid=${body.sessionid}`;
    const ws = new WebSocket(wsUrl, options.ca ? { ca: options.ca } : {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new EnetucClient('websocket', { send: (text) => ws.send(text), close: () => ws.close() }, options.timeoutMs ?? 5000);
    ws.on('message', (data) => {
      const parsed: unknown = JSON.parse(String(data));
      client.#receive(Array.isArray(parsed) ? parsed[0] : parsed);
    });
    ws.on('close', (code, reason) => client.#terminate(`websocket closed (${code} ${String(reason)})`));
    ws.on('error', () => undefined);
    return client;
  }

  /** TCP login: asnNegotiateServerConnectionV2 (softphone-capable) and asnLoginV2 with Basic credentials. */
  async login(user: string, password: string, options: { softphone?: boolean } = {}): Promise<ResultOf<'asnLoginV2'>> {
    await this.#negotiate(options);
    return this.invoke('asnLoginV2', { auth: { authBasic: { credential: Buffer.from(`${user}:${password}`).toString('base64') } } });
  }

  /**
   * TCP login with the token an earlier login returned (asnLoginV2 authBearer): what a client does when it
   * logs in again, at the same gateway or, after a failover, at another one sharing AUTH_TOKEN_SECRET. No
   * password check (scrypt) on the server: a gateway taking over half the clients at once is not flooded.
   */
  async loginWithToken(token: string, options: { softphone?: boolean } = {}): Promise<ResultOf<'asnLoginV2'>> {
    await this.#negotiate(options);
    return this.invoke('asnLoginV2', { auth: { authBearer: { u8sJWT: token } } });
  }

  async #negotiate(options: { softphone?: boolean }): Promise<void> {
    await this.invoke('asnNegotiateServerConnectionV2', {
      u8sMinSupportedInterfaceVersion: '8.0.0',
      u8sMaxSupportedInterfaceVersion: '8.0.20240821',
      u8sClientDeviceId: 'ucserver-cli',
      u8sClientVersion: '0.1.0',
      eClientAppID: 16,
      u8sClientDeviceName: 'ucserver client',
      iClientCapabilities: options.softphone === false ? 4 : 5,
    });
  }

  invoke<N extends InvokeOperationName>(name: N, argument: ArgumentOf<N>, options: { timeoutMs?: number } = {}): Promise<ResultOf<N>> {
    if (this.#closed) return Promise.reject(new InvalidStateError('client closed'));
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 99_998 ? 1 : this.#nextId + 1;
    return new Promise<ResultOf<N>>((resolve, reject) => {
      const timeout = options.timeoutMs ?? this.#timeoutMs;
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new EnetucTimeoutError(`${name}: no answer within ${timeout} ms`));
      }, timeout);
      this.#pending.set(id, { op: name, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#send(buildInvoke(id, name, argument));
    });
  }

  /**
   * Sends raw text as one invoke whose invokeID is `invokeID` and waits for its answer: the raw result
   * object, or the error/reject as for {@link invoke} (tests of operations outside the typed registry).
   */
  invokeRaw(text: string, invokeID: number, options: { timeoutMs?: number; op?: string } = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new InvalidStateError('client closed'));
    const op = options.op ?? `raw#${invokeID}`;
    return new Promise<unknown>((resolve, reject) => {
      const timeout = options.timeoutMs ?? this.#timeoutMs;
      const timer = setTimeout(() => {
        this.#pending.delete(invokeID);
        reject(new EnetucTimeoutError(`${op}: no answer within ${timeout} ms`));
      }, timeout);
      this.#pending.set(invokeID, { op, resolve, reject, timer });
      this.#wire.send(text);
    });
  }

  /** Sends an event (invokeID 99999), never answered. */
  sendEvent<N extends OperationName>(name: N, argument: ArgumentOf<N>): void {
    this.#send(buildInvoke(99_999, name, argument));
  }

  /** Sends raw text as one message (tests of bad input). */
  sendRaw(text: string): void {
    this.#wire.send(text);
  }

  #send(message: RoseWireMessage): void {
    this.#wire.send(serializeRose(message, 'tcp'));
  }

  #receive(input: unknown): void {
    let msg;
    try {
      msg = decodeRose(typeof input === 'string' ? JSON.parse(input) : input);
    } catch {
      return;
    }
    if (msg.kind === 'result') {
      const p = this.#pending.get(msg.invokeID);
      if (!p) return;
      this.#settle(msg.invokeID);
      const op = findOperation(p.op);
      try {
        p.resolve(op && op.kind === 'invoke' ? op.result.parse(msg.result) : msg.result);
      } catch (err) {
        p.reject(err as Error);
      }
    } else if (msg.kind === 'error') {
      const p = this.#pending.get(msg.invokedID);
      if (!p) return;
      this.#settle(msg.invokedID);
      const e = msg.error as { iErrorDetail?: number; u8sErrorString?: string } | undefined;
      p.reject(new EnetucRequestError(p.op, e?.iErrorDetail ?? -1, e?.u8sErrorString ?? ''));
    } else if (msg.kind === 'reject') {
      const p = msg.invokedID === null ? undefined : this.#pending.get(msg.invokedID);
      if (p && msg.invokedID !== null) {
        this.#settle(msg.invokedID);
        p.reject(new EnetucRejectError(p.op, msg.reject as Record<string, number> | undefined, msg.details));
      } else {
        this.rejects.push(msg.details ?? JSON.stringify(msg.reject));
      }
    } else if (msg.kind === 'invoke' && msg.invokeID === 99_999) {
      const op = findOperation(msg.operationID) ?? (msg.operationName ? findOperation(msg.operationName) : undefined);
      if (!op || !(op.name in operations)) return;
      let argument: unknown;
      try {
        argument = decodeArgument(op.name, msg.argument);
      } catch {
        argument = msg.argument;
      }
      const event = { name: op.name, argument } as ServerEvent;
      this.received.push(event);
      this.emit('event', event);
    }
  }

  #settle(id: number): void {
    const p = this.#pending.get(id);
    if (p) clearTimeout(p.timer);
    this.#pending.delete(id);
  }

  /** Resolves with the first event (already received or future) that matches. */
  waitForEvent<N extends OutboundEventName>(name: N, match: (argument: ArgumentOf<N>) => boolean = () => true, timeoutMs = 5000): Promise<ArgumentOf<N>> {
    const seen = this.received.find((e) => e.name === name && match(e.argument as ArgumentOf<N>));
    if (seen) return Promise.resolve(seen.argument as ArgumentOf<N>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', onEvent);
        reject(new EnetucTimeoutError(`no ${name} event within ${timeoutMs} ms (received: ${this.received.map((e) => e.name).join(', ') || 'none'})`));
      }, timeoutMs);
      const onEvent = (e: ServerEvent): void => {
        if (e.name === name && match(e.argument as ArgumentOf<N>)) {
          clearTimeout(timer);
          this.off('event', onEvent);
          resolve(e.argument as ArgumentOf<N>);
        }
      };
      this.on('event', onEvent);
    });
  }

  /** Resolves when the server closes the connection. */
  waitForClose(timeoutMs = 5000): Promise<string> {
    if (this.#closed) return Promise.resolve('closed');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new EnetucTimeoutError(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      this.once('close', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #terminate(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new InvalidStateError(`${p.op}: connection closed (${reason})`));
      this.#pending.delete(id);
    }
    this.emit('close', reason);
  }

  close(): void {
    this.#wire.close();
    this.#terminate('closed by client');
  }
}
