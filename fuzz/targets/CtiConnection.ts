// A raw ENetUC connection for the fuzzer: writes whatever bytes it is given (TCP 7222) or frames
// (WebSocket 7224) and records every ROSE message the server sends, so a target can wait for the reply
// an input is owed, or for the close.
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { FrameDecoder } from '../../services/cti-gateway/src/codec/mod.ts';
import { buildInvoke } from '../../services/cti-gateway/src/protocol/mod.ts';

/** One message from the server, reduced to what the fuzzer matches on. */
export interface ServerMessage {
  kind: 'result' | 'error' | 'reject' | 'invoke' | 'unknown';
  /** invokeID / invokedID; null for an invokednull reject. */
  id: number | null;
  operationName?: string;
  raw: Record<string, unknown>;
}

function reduce(value: unknown): ServerMessage {
  const v = (Array.isArray(value) ? value[0] : value) as Record<string, Record<string, unknown>> | undefined;
  if (!v || typeof v !== 'object') return { kind: 'unknown', id: null, raw: {} };
  if (v['result']) return { kind: 'result', id: Number(v['result']['invokeID']), raw: v };
  if (v['error']) return { kind: 'error', id: Number(v['error']['invokedID']), raw: v };
  if (v['reject']) {
    const inv = v['reject']['invokedID'] as Record<string, unknown> | undefined;
    return { kind: 'reject', id: inv && typeof inv['invokedID'] === 'number' ? inv['invokedID'] : null, raw: v };
  }
  if (v['invoke']) return { kind: 'invoke', id: Number(v['invoke']['invokeID']), operationName: String(v['invoke']['operationName']), raw: v };
  return { kind: 'unknown', id: null, raw: v };
}

type Waiter = { match: (m: ServerMessage) => boolean; resolve: (v: ServerMessage | 'closed' | 'timeout') => void; timer: NodeJS.Timeout };

export class CtiConnection {
  readonly transport: 'tcp' | 'websocket';
  readonly #write: (data: Buffer, binary: boolean) => void;
  readonly #end: () => void;
  readonly #destroy: () => void;
  /** Messages since the last `clear()`. */
  #seen: ServerMessage[] = [];
  #waiters = new Set<Waiter>();
  closed = false;
  /** The WebSocket close code, when the server closed it. */
  closeCode: number | undefined;
  #nextId = 90_000;

  private constructor(transport: 'tcp' | 'websocket', write: (data: Buffer, binary: boolean) => void, end: () => void, destroy: () => void) {
    this.transport = transport;
    this.#write = write;
    this.#end = end;
    this.#destroy = destroy;
  }

  static async tcp(host: string, port: number): Promise<CtiConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(s));
      s.once('error', reject);
    });
    const conn = new CtiConnection('tcp', (d) => socket.write(d), () => socket.end(), () => socket.destroy());
    const decoder = new FrameDecoder({ maxMessageBytes: 9_999_999 });
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = decoder.push(chunk);
      for (const m of messages) conn.#receive(m.text);
      if (error) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => conn.#onClose(undefined));
    return conn;
  }

  /** POST /ws/client/createsession with Basic credentials, then the WebSocket. */
  static async websocket(baseUrl: string, user: string, password: string): Promise<CtiConnection> {
    const res = await fetch(`${baseUrl}/ws/client/createsession?clientappid=15`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json;charset=utf-8', 'x-no401': '1' },
      body: JSON.stringify({ negotiate: { iClientProtocolVersion: 70 } }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { sessionid?: string };
    if (!res.ok || !body.sessionid) throw new Error(`createsession: HTTP ${res.status} ${JSON.stringify(body)}`);
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/client/websocket?x-ucsessionid=${body.sessionid}`, { maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const conn = new CtiConnection('websocket', (d, binary) => ws.send(d, { binary }), () => ws.close(1000), () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      if (!isBinary) conn.#receive(String(data));
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => conn.#onClose(code));
    return conn;
  }

  #receive(text: string): void {
    let m: ServerMessage;
    try {
      m = reduce(JSON.parse(text));
    } catch {
      m = { kind: 'unknown', id: null, raw: { text: text.slice(0, 200) } };
    }
    this.#seen.push(m);
    if (this.#seen.length > 10_000) this.#seen.splice(0, 5_000);
    for (const w of [...this.#waiters]) {
      if (w.match(m)) {
        this.#waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(m);
      }
    }
  }

  #onClose(code: number | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve('closed');
    }
    this.#waiters.clear();
  }

  /** Forgets the messages seen so far (call before sending an input). */
  clear(): void {
    this.#seen = [];
  }

  /** Messages since the last clear(). */
  get seen(): readonly ServerMessage[] {
    return this.#seen;
  }

  /** Resolves with the first message (already seen since clear(), or arriving) matching, 'closed' or 'timeout'. */
  waitFor(match: (m: ServerMessage) => boolean, timeoutMs: number): Promise<ServerMessage | 'closed' | 'timeout'> {
    const hit = this.#seen.find(match);
    if (hit) return Promise.resolve(hit);
    if (this.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const w: Waiter = { match, resolve, timer: setTimeout(() => {
        this.#waiters.delete(w);
        resolve('timeout');
      }, timeoutMs) };
      this.#waiters.add(w);
    });
  }

  /** Resolves true once the server has closed, false after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    const r = await this.waitFor(() => false, timeoutMs);
    return r === 'closed';
  }

  send(data: Buffer, binary = false): void {
    if (!this.closed) this.#write(data, binary);
  }

  /** Sends a valid invoke (JSON; J-framed on TCP) and returns its id. */
  invoke(name: string, argument: Record<string, unknown>, id = this.nextId()): number {
    const text = JSON.stringify(buildInvoke(id, name as 'asnSubscribeServices', argument as Record<string, never>));
    const body = Buffer.from(text, 'utf8');
    this.send(this.transport === 'tcp' ? Buffer.concat([Buffer.from(`J${String(body.length).padStart(7, '0')}`), body]) : body);
    return id;
  }

  /** An id from 90000..98999, never one of `avoid`. */
  nextId(avoid: ReadonlyArray<number | null> = []): number {
    do {
      this.#nextId = this.#nextId >= 98_999 ? 90_000 : this.#nextId + 1;
    } while (avoid.includes(this.#nextId));
    return this.#nextId;
  }

  /** Negotiate + login (TCP); resolves when both answered with results. */
  async login(user: string, password: string, timeoutMs = 10_000): Promise<void> {
    const n = this.invoke('asnNegotiateServerConnectionV2', {
      u8sMinSupportedInterfaceVersion: '8.0.0',
      u8sMaxSupportedInterfaceVersion: '8.0.20240821',
      u8sClientDeviceId: 'ucserver-fuzz',
      u8sClientVersion: '0.1.0',
      eClientAppID: 16,
      u8sClientDeviceName: 'ucserver fuzz',
      iClientCapabilities: 5,
    });
    const r1 = await this.waitFor((m) => m.id === n && m.kind !== 'invoke', timeoutMs);
    if (typeof r1 === 'string' || r1.kind !== 'result') throw new Error(`negotiate failed: ${typeof r1 === 'string' ? r1 : JSON.stringify(r1.raw)}`);
    const l = this.invoke('asnLoginV2', { auth: { authBasic: { credential: Buffer.from(`${user}:${password}`).toString('base64') } } });
    const r2 = await this.waitFor((m) => m.id === l && m.kind !== 'invoke', timeoutMs);
    if (typeof r2 === 'string' || r2.kind !== 'result') throw new Error(`login failed: ${typeof r2 === 'string' ? r2 : JSON.stringify(r2.raw).slice(0, 300)}`);
  }

  /** Half-close (TCP FIN / WebSocket close 1000). */
  end(): void {
    this.#end();
  }

  destroy(): void {
    this.#destroy();
  }
}
