import { EnetucError } from './EnetucError.ts';
import { EVENT_INVOKE_ID, Op, type OpName, type RequestError, type ServerMessage } from './protocol.ts';

/** How a session is opened: the user's password once, then the login token the last session returned. */
export type LoginAuth = { user: string; password: string } | { token: string };

export interface ServerEvent {
  name: string;
  argument: unknown;
}

interface Pending {
  name: OpName;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: number;
}

const KEEPALIVE_MS = 20_000;
const INVOKE_TIMEOUT_MS = 10_000;

/**
 * One ENetUC web-service session: `POST /ws/client/createsession` (Basic credentials or the last login
 * token as Bearer, 400 instead of a 401 challenge; the answer holds a fresh token), then the WebSocket on `/ws/client/websocket`. Invokes are bare ROSE objects; the
 * server wraps every message in `[ … ]`. Events arrive as `event` DOM events (detail: ServerEvent),
 * the end of the connection as `close` (detail: reason).
 */
export class EnetucConnection extends EventTarget {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #keepAlive: number | undefined;
  #closed = false;
  /** The login token createsession returned: the next session (a reconnect) opens with it, not the password. */
  readonly token: string | undefined;

  private constructor(ws: WebSocket, token: string | undefined) {
    super();
    this.#ws = ws;
    this.token = token;
    ws.addEventListener('message', (e) => this.#onMessage(String(e.data)));
    ws.addEventListener('close', (e) => this.#terminate(e.reason || `connection closed (${e.code})`));
    ws.addEventListener('error', () => this.#terminate('connection error'));
    this.#keepAlive = window.setInterval(() => this.sendEvent('asnTransportKeepAlive', { dummy: null }), KEEPALIVE_MS);
  }

  /** Logs in over HTTP and opens the WebSocket; rejects with EnetucError on wrong credentials or a refused token. */
  static async open(baseUrl: URL, login: LoginAuth): Promise<EnetucConnection> {
    const authorization = 'token' in login
      ? `Bearer ${login.token}`
      : `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${login.user}:${login.password}`)))}`;
    let res: Response;
    try {
      res = await fetch(new URL('/ws/client/createsession?clientappid=15', baseUrl), {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json;charset=utf-8', 'x-no401': '1' },
        body: JSON.stringify({ negotiate: { iClientProtocolVersion: 70 } }),
      });
    } catch (err) {
      throw new EnetucError(`server not reachable (${(err as Error).message})`, -1);
    }
    let body: { sessionid?: string; token?: { u8sToken?: string }; error?: RequestError } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // not JSON: reported below by status
    }
    if (!res.ok || !body.sessionid) {
      throw new EnetucError(body.error?.u8sErrorString || `login failed (HTTP ${res.status})`, body.error?.iErrorDetail ?? res.status);
    }
    const wsUrl = new URL(`/ws/client/websocket?x-ucsessionid=${encodeURIComponent(body.sessionid)}`, baseUrl);
    wsUrl.protocol = baseUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('close', (e) => reject(new EnetucError(`WebSocket refused: ${e.reason || e.code}`, e.code)), { once: true });
    });
    return new EnetucConnection(ws, body.token?.u8sToken || undefined);
  }

  get closed(): boolean {
    return this.#closed;
  }

  invoke<T>(name: OpName, argument: object, timeoutMs = INVOKE_TIMEOUT_MS): Promise<T> {
    if (this.#closed) return Promise.reject(new EnetucError(`${name}: not connected`, -1));
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 99_998 ? 1 : this.#nextId + 1;
    return new Promise<T>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.#pending.delete(id);
        reject(new EnetucError(`${name}: no answer within ${timeoutMs} ms`, -1));
      }, timeoutMs);
      this.#pending.set(id, { name, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#send(id, name, argument);
    });
  }

  /** An event (invokeID 99999): never answered. */
  sendEvent(name: OpName, argument: object): void {
    if (!this.#closed) this.#send(EVENT_INVOKE_ID, name, argument);
  }

  #send(invokeID: number, name: OpName, argument: object): void {
    this.#ws.send(JSON.stringify({ invoke: { invokeID, operationID: Op[name], operationName: name, argument } }));
  }

  #onMessage(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      console.warn('ucserver: undecodable message', text);
      return;
    }
    for (const message of (Array.isArray(parsed) ? parsed : [parsed]) as ServerMessage[]) this.#dispatch(message);
  }

  #dispatch(m: ServerMessage): void {
    if ('result' in m) {
      this.#settle(m.result.invokeID)?.resolve(m.result.result?.result ?? {});
    } else if ('error' in m) {
      const p = this.#settle(m.error.invokedID);
      const text = m.error.error?.u8sErrorString ?? 'failed';
      p?.reject(new EnetucError(`${p.name}: ${text}`, m.error.error?.iErrorDetail ?? -1, text));
    } else if ('reject' in m) {
      const target = m.reject.invokedID;
      const p = 'invokedID' in target ? this.#settle(target.invokedID) : undefined;
      if (p) p.reject(new EnetucError(`${p.name} rejected: ${m.reject.details ?? JSON.stringify(m.reject.reject)}`, -2));
      else console.warn('ucserver: reject', m.reject);
    } else if ('invoke' in m) {
      const name = m.invoke.operationName ?? Object.entries(Op).find(([, id]) => id === m.invoke.operationID)?.[0];
      if (!name) return;
      this.dispatchEvent(new CustomEvent<ServerEvent>('event', { detail: { name, argument: m.invoke.argument ?? {} } }));
    }
  }

  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    window.clearTimeout(p.timer);
    this.#pending.delete(id);
    return p;
  }

  #terminate(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    window.clearInterval(this.#keepAlive);
    for (const [id, p] of this.#pending) {
      window.clearTimeout(p.timer);
      p.reject(new EnetucError(`${p.name}: connection closed (${reason})`, -1));
      this.#pending.delete(id);
    }
    this.dispatchEvent(new CustomEvent<string>('close', { detail: reason }));
  }

  /** Logs off and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.sendEvent('asnLogoff', {});
    this.#ws.close(1000, 'logged off');
    this.#terminate('logged off');
  }
}
