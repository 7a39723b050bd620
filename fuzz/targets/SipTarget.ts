// sip-udp / sip-tcp: RFC 4475 messages and mutated requests to the pbx-adapter's SIP port. An input that
// owes a response is answered when a response with its Call-ID arrives within the bound (over TCP also
// when the server closes the connection); any other input is followed by a probe OPTIONS that must be
// answered (the server still serves). Final responses to INVITEs are ACKed so nothing retransmits.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { callIdOf, mutatedRequest, rfc4475Names, tortureInput, validRequest, type SipContext, type SipInput } from '../inputs/sipInputs.ts';
import { Rng } from '../rng.ts';
import { excerptBytes, type FuzzTarget, type OutcomeRecord } from '../types.ts';

export interface SipTargetOptions {
  transport: 'UDP' | 'TCP';
  seed: number;
  host: string;
  port: number;
  answerTimeoutMs: number;
  /** Least time between two sends (keeps the rate under the pbx-adapter's per-source limit). */
  minGapMs: number;
}

interface SipResponse {
  status: number;
  callId: string | undefined;
  cseq: string;
  raw: string;
}

type Waiter = { match: (r: SipResponse) => boolean; resolve: (r: SipResponse | 'closed' | 'timeout') => void; timer: NodeJS.Timeout };

/** Splits a TCP byte stream into SIP messages (header section + Content-Length body). */
class StreamSplitter {
  #buf = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    if (this.#buf.length > 4 * 1024 * 1024) this.#buf = Buffer.alloc(0);
    const out: string[] = [];
    for (;;) {
      while (this.#buf.length > 0 && (this.#buf[0] === 0x0d || this.#buf[0] === 0x0a)) this.#buf = this.#buf.subarray(1);
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return out;
      const head = this.#buf.toString('latin1', 0, end);
      const len = Number(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head)?.[1] ?? 0);
      if (this.#buf.length < end + 4 + len) return out;
      out.push(this.#buf.toString('latin1', 0, end + 4 + len));
      this.#buf = this.#buf.subarray(end + 4 + len);
    }
  }
}

function parseResponse(raw: string): SipResponse | undefined {
  const m = /^SIP\/2\.0 (\d{3})/.exec(raw);
  if (!m) return undefined;
  return { status: Number(m[1]), callId: callIdOf(raw), cseq: /^cseq[ \t]*:[ \t]*([^\r\n]+)/im.exec(raw)?.[1]?.trim() ?? '', raw };
}

/** The ACK for a final non-2xx response to an INVITE (RFC 3261 §17.1.1.3), built from the response. */
function ackFor(r: SipResponse): string | undefined {
  const h = (re: RegExp): string | undefined => re.exec(r.raw)?.[1]?.trim();
  const via = h(/^(?:via|v)[ \t]*:([^\r\n]+)/im);
  const from = h(/^(?:from|f)[ \t]*:([^\r\n]+)/im);
  const to = h(/^(?:to|t)[ \t]*:([^\r\n]+)/im);
  const uri = to ? /<([^>]+)>/.exec(to)?.[1] ?? to.split(';')[0]!.trim() : undefined;
  const cseq = /^(\d+)/.exec(r.cseq)?.[1];
  if (!via || !from || !to || !uri || !r.callId || !cseq) return undefined;
  return [`ACK ${uri} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${r.callId}`, `CSeq: ${cseq} ACK`, 'Content-Length: 0', '', ''].join('\r\n');
}

export class SipTarget implements FuzzTarget {
  readonly name: 'sip-udp' | 'sip-tcp';
  readonly #o: SipTargetOptions;
  #udp: UdpSocket | undefined;
  readonly #catchers: UdpSocket[] = [];
  #tcp: Socket | undefined;
  #tcpClosed = true;
  readonly #extra = new Set<Socket>();
  #ctx: SipContext | undefined;
  #responses: SipResponse[] = [];
  readonly #waiters = new Set<Waiter>();
  #lastSend = 0;
  #names: string[] = [];

  constructor(options: SipTargetOptions) {
    this.#o = options;
    this.name = options.transport === 'UDP' ? 'sip-udp' : 'sip-tcp';
  }

  async open(): Promise<void> {
    this.#names = rfc4475Names();
    if (this.#o.transport === 'UDP') {
      this.#udp = await this.#bindUdp(0);
      // The RFC's messages carry Vias with ports 5060/5050/5070 and foreign hosts: the response goes to
      // the address the request came from (received) and that port (RFC 3261 §18.2.2).
      for (const port of [5060, 5050, 5070]) {
        const s = await this.#bindUdp(port).catch(() => undefined);
        if (s) this.#catchers.push(s);
      }
      const a = this.#udp.address();
      this.#ctx = { transport: 'UDP', host: this.#o.host, port: this.#o.port, localHost: a.address, localPort: a.port };
    } else {
      await this.#connectTcp();
    }
  }

  async #bindUdp(port: number): Promise<UdpSocket> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    s.on('error', () => undefined);
    s.on('message', (buf) => this.#onMessage(buf.toString('latin1'), (ack) => this.#udp?.send(ack, this.#o.port, this.#o.host)));
    return s;
  }

  async #connectTcp(): Promise<void> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: this.#o.host, port: this.#o.port }, () => resolve(s));
      s.once('error', reject);
    });
    const splitter = new StreamSplitter();
    socket.on('data', (chunk: Buffer) => {
      for (const m of splitter.push(chunk)) this.#onMessage(m, (ack) => socket.write(ack));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.#tcp !== socket) return;
      this.#tcpClosed = true;
      for (const w of this.#waiters) {
        clearTimeout(w.timer);
        w.resolve('closed');
      }
      this.#waiters.clear();
    });
    this.#tcp = socket;
    this.#tcpClosed = false;
    this.#ctx = { transport: 'TCP', host: this.#o.host, port: this.#o.port, localHost: socket.localAddress ?? '127.0.0.1', localPort: socket.localPort ?? 0 };
  }

  #onMessage(raw: string, sendAck: (ack: string) => void): void {
    const r = parseResponse(raw);
    if (!r) return;
    if (r.status >= 300 && /\bINVITE$/i.test(r.cseq)) {
      const ack = ackFor(r);
      if (ack) sendAck(ack);
    }
    this.#responses.push(r);
    if (this.#responses.length > 1000) this.#responses.splice(0, 500);
    for (const w of [...this.#waiters]) {
      if (w.match(r)) {
        this.#waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(r);
      }
    }
  }

  #waitFor(match: (r: SipResponse) => boolean, timeoutMs: number): Promise<SipResponse | 'closed' | 'timeout'> {
    const hit = this.#responses.find(match);
    if (hit) return Promise.resolve(hit);
    if (this.#o.transport === 'TCP' && this.#tcpClosed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const w: Waiter = { match, resolve, timer: setTimeout(() => {
        this.#waiters.delete(w);
        resolve('timeout');
      }, timeoutMs) };
      this.#waiters.add(w);
    });
  }

  async #pace(): Promise<void> {
    const wait = this.#lastSend + this.#o.minGapMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.#lastSend = Date.now();
  }

  async #send(bytes: Buffer): Promise<void> {
    await this.#pace();
    if (this.#o.transport === 'UDP') {
      await new Promise<void>((resolve) => this.#udp!.send(bytes, this.#o.port, this.#o.host, () => resolve()));
    } else {
      if (this.#tcpClosed) await this.#connectTcp();
      this.#tcp!.write(bytes);
    }
  }

  /**
   * Over TCP: the input on its own connection, then our FIN; the server must close within the bound and,
   * when `callId` is given, answer it on that connection first. Final responses to INVITEs are not ACKed
   * here: the connection is gone, and the server's transaction ends by Timer H.
   */
  async #sendAlone(bytes: Buffer, callId?: string): Promise<{ closed: boolean; answered: boolean }> {
    await this.#pace();
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: this.#o.host, port: this.#o.port }, () => resolve(s));
      s.once('error', reject);
    });
    this.#extra.add(socket);
    socket.on('error', () => undefined);
    let answered = false;
    const splitter = new StreamSplitter();
    socket.on('data', (chunk: Buffer) => {
      for (const m of splitter.push(chunk)) if (callId !== undefined && parseResponse(m)?.callId === callId) answered = true;
    });
    const closed = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), this.#o.answerTimeoutMs);
      socket.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    socket.end(bytes);
    const ok = await closed;
    socket.destroy();
    this.#extra.delete(socket);
    return { closed: ok, answered };
  }

  async run(index: number): Promise<OutcomeRecord> {
    const rng = Rng.forInput(this.#o.seed, this.name, index);
    const tag = `${this.#o.seed.toString(36)}x${this.name === 'sip-udp' ? 'u' : 't'}${index}x${rng.int(0, 1e9).toString(36)}`;
    if (this.#o.transport === 'TCP' && this.#tcpClosed) await this.#connectTcp();
    // Every fourth input is an RFC 4475 message, in turn; a repeat is a new transaction (renewTransaction).
    const n = this.#names.length;
    const turn = Math.floor(index / 4);
    const input: SipInput = index % 4 === 0 ? tortureInput(this.#names[turn % n]!, this.#o.transport, Math.floor(turn / n)) : mutatedRequest(rng, this.#ctx!, tag);
    const base = { target: this.name, index, mutation: input.mutation, excerpt: excerptBytes(input.bytes) } as const;
    const timeout = this.#o.answerTimeoutMs;
    this.#responses = [];

    if (this.#o.transport === 'TCP' && input.breaksStream) {
      const { closed, answered } = await this.#sendAlone(input.bytes, input.answerDue ? input.callId : undefined);
      if (!closed) return { ...base, outcome: 'unanswered', detail: `the server did not close the connection within ${timeout} ms after our FIN` };
      if (input.answerDue && !answered) return { ...base, outcome: 'unanswered', detail: 'no response on its own connection before the close' };
      return { ...base, outcome: input.answerDue ? 'answered' : 'closed' };
    }
    await this.#send(input.bytes);
    const ofInput = (r: SipResponse): boolean => (input.callId === undefined ? true : r.callId === input.callId);
    if (input.answerDue) {
      const r = await this.#waitFor(ofInput, timeout);
      if (r === 'closed') return { ...base, outcome: 'closed' };
      if (r === 'timeout') return { ...base, outcome: 'unanswered', detail: `no response within ${timeout} ms` };
      return { ...base, outcome: 'answered', detail: String(r.status) };
    }
    // No response owed: the server must still answer a valid OPTIONS right after it.
    const probeTag = `${tag}p`;
    const probe = Buffer.from(validRequest('OPTIONS', this.#ctx!, probeTag), 'latin1');
    const probeCallId = `${probeTag}@${this.#ctx!.localHost}`;
    await this.#send(probe);
    const p = await this.#waitFor((r) => r.callId === probeCallId, timeout);
    if (p === 'closed') return { ...base, outcome: 'closed' };
    if (p === 'timeout') return { ...base, outcome: 'unanswered', detail: `the probe OPTIONS after it got no response within ${timeout} ms` };
    const own = input.callId !== undefined && this.#responses.some((r) => r.callId === input.callId);
    return { ...base, outcome: own ? 'answered' : 'unanswered-allowed' };
  }

  async close(): Promise<void> {
    for (const w of this.#waiters) clearTimeout(w.timer);
    this.#waiters.clear();
    this.#udp?.close();
    for (const c of this.#catchers) c.close();
    this.#tcp?.destroy();
    for (const s of this.#extra) s.destroy();
  }
}
