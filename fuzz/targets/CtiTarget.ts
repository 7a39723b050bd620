// cti-tcp / cti-ws: one input at a time on a fresh or a logged-in connection. After an input that keeps
// the stream intact, a probe invoke (asnSubscribeServices) follows; the input is answered when every
// reply it is owed and the probe's answer arrived, or when the server closed the connection. An input
// that breaks the stream must make the server close (TCP: after our half-close) within the bound.
import { tcpInput, wsInput } from '../inputs/ctiInputs.ts';
import { Rng } from '../rng.ts';
import { excerptBytes, type FuzzTarget, type OutcomeRecord } from '../types.ts';
import { CtiConnection, type ServerMessage } from './CtiConnection.ts';

export interface CtiTargetOptions {
  transport: 'tcp' | 'websocket';
  seed: number;
  host: string;
  port: number;
  baseUrl: string;
  user: string;
  password: string;
  /** Bound for an answer or a close. */
  answerTimeoutMs: number;
}

function isReplyTo(id: number | null): (m: ServerMessage) => boolean {
  return (m) => m.kind !== 'invoke' && m.kind !== 'unknown' && (m.id === id || ((id === 0 || id === null) && (m.id === 0 || m.id === null)));
}

export class CtiTarget implements FuzzTarget {
  readonly name: 'cti-tcp' | 'cti-ws';
  readonly #o: CtiTargetOptions;
  #fresh: CtiConnection | undefined;
  #loggedIn: CtiConnection | undefined;
  readonly #all = new Set<CtiConnection>();

  constructor(options: CtiTargetOptions) {
    this.#o = options;
    this.name = options.transport === 'tcp' ? 'cti-tcp' : 'cti-ws';
  }

  async open(): Promise<void> {
    await this.#connection('logged-in');
  }

  async #connection(kind: 'fresh' | 'logged-in'): Promise<CtiConnection> {
    const current = kind === 'fresh' ? this.#fresh : this.#loggedIn;
    if (current && !current.closed) return current;
    const o = this.#o;
    let conn: CtiConnection;
    if (o.transport === 'websocket') {
      conn = await CtiConnection.websocket(o.baseUrl, o.user, o.password);
    } else {
      conn = await CtiConnection.tcp(o.host, o.port);
      if (kind === 'logged-in') await conn.login(o.user, o.password);
    }
    this.#all.add(conn);
    if (kind === 'fresh') this.#fresh = conn;
    else this.#loggedIn = conn;
    return conn;
  }

  async run(index: number): Promise<OutcomeRecord> {
    const rng = Rng.forInput(this.#o.seed, this.name, index);
    // The WebSocket exists only after createsession: every WebSocket input is on a logged-in session.
    const session = this.#o.transport === 'tcp' && rng.chance(0.3) ? 'fresh' : 'logged-in';
    const id = rng.int(1, 89_999);
    const input = this.#o.transport === 'tcp' ? tcpInput(rng, id) : wsInput(rng, id);
    const data = 'chunks' in input ? Buffer.concat(input.chunks) : input.data;
    const base = { target: this.name, index, mutation: `${session} ${input.mutation}`, excerpt: excerptBytes(data) } as const;
    const conn = await this.#connection(session);
    conn.clear();
    if ('chunks' in input) for (const c of input.chunks) conn.send(c);
    else conn.send(input.data, input.binary);
    const timeout = this.#o.answerTimeoutMs;

    if (input.breaksStream) {
      // TCP: our FIN after a broken frame; the server must close its side too (it may reject first).
      if (conn.transport === 'tcp') conn.end();
      const closed = await conn.waitClosed(timeout);
      this.#retire(conn);
      return closed ? { ...base, outcome: 'closed' } : { ...base, outcome: 'unanswered', detail: `the server did not close the ${conn.transport} connection within ${timeout} ms` };
    }

    const probe = conn.nextId(input.replyIds);
    conn.invoke('asnSubscribeServices', {}, probe);
    const deadline = Date.now() + timeout;
    const missing: string[] = [];
    for (const want of [...input.replyIds, probe]) {
      const r = await conn.waitFor(isReplyTo(want), Math.max(1, deadline - Date.now()));
      if (r === 'closed') {
        this.#retire(conn);
        return { ...base, outcome: 'closed' };
      }
      if (r === 'timeout') missing.push(want === probe ? `the probe invoke ${probe}` : `a reply to invokeID ${String(want)}`);
    }
    if (missing.length === 0) return { ...base, outcome: 'answered' };
    // An unanswered connection is not reused: the next input starts clean.
    this.#retire(conn);
    return { ...base, outcome: 'unanswered', detail: `no ${missing.join(' and no ')} within ${timeout} ms (seen: ${conn.seen.map((m) => `${m.kind}:${String(m.id)}`).join(',') || 'nothing'})` };
  }

  #retire(conn: CtiConnection): void {
    conn.destroy();
    this.#all.delete(conn);
    if (this.#fresh === conn) this.#fresh = undefined;
    if (this.#loggedIn === conn) this.#loggedIn = undefined;
  }

  async close(): Promise<void> {
    for (const c of this.#all) c.destroy();
    this.#all.clear();
    this.#fresh = undefined;
    this.#loggedIn = undefined;
  }
}
