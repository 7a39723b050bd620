// Message framing for stream transports (TCP, TLS): bytes arriving in any split become complete
// messages, delimited by the header section and the mandatory Content-Length (RFC 3261 §18.3), plus
// RFC 5626 §4.4.1 keep-alives: a double CRLF "ping" (answer with a single CRLF) and a CRLF "pong".
import { SipParseError, SipParseErrorReason, type PartialMessage } from './errors.ts';
import { trimWsp } from './grammar/charsets.ts';
import { canonicalHeaderName } from './headerNames.ts';
import { DEFAULT_MAX_MESSAGE_SIZE, findHeaderEnd, parseMessage } from './parse.ts';

export interface StreamFramerOptions {
  /** Largest message (headers + body) in bytes; default 65535. */
  maxMessageSize?: number;
}

export type FramedItem =
  | { type: 'message'; data: Buffer }
  /** Double CRLF keep-alive: the peer expects a single CRLF back. */
  | { type: 'ping' }
  /** Single CRLF: the answer to our ping. */
  | { type: 'pong' };

const CR = 0x0d;
const LF = 0x0a;

export class StreamFramer {
  #buffer: Buffer = Buffer.alloc(0);
  #failed: SipParseError | undefined;
  /** The previous push ended on a lone CRLF reported as pong; a CRLF now completes a ping. */
  #pendingCrlf = false;
  readonly #maxMessageSize: number;

  constructor(options: StreamFramerOptions = {}) {
    this.#maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Bytes received but not yet framed. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Append bytes and return every complete item. Throws SipParseError when the stream cannot be
   * framed (missing or invalid Content-Length, oversize message); the framer then stays failed and
   * the connection must be closed.
   */
  push(chunk: Uint8Array): FramedItem[] {
    if (this.#failed) throw this.#failed;
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    const out: FramedItem[] = [];
    try {
      for (;;) {
        const item = this.#next();
        if (!item) break;
        out.push(item);
      }
    } catch (err) {
      this.#failed = err as SipParseError;
      this.#buffer = Buffer.alloc(0);
      throw err;
    }
    return out;
  }

  #next(): FramedItem | undefined {
    const b = this.#buffer;
    if (b.length === 0) return undefined;
    if (b[0] === CR || b[0] === LF) {
      if (b[0] === CR && b.length < 2) return undefined;
      const crlfLen = b[0] === CR ? (b[1] === LF ? 2 : 1) : 1;
      const second = b.subarray(crlfLen);
      if (this.#pendingCrlf) {
        this.#pendingCrlf = false;
        this.#buffer = second;
        return { type: 'ping' };
      }
      if (second.length === 0) {
        this.#pendingCrlf = true;
        this.#buffer = second;
        return { type: 'pong' };
      }
      if (second[0] === CR || second[0] === LF) {
        if (second[0] === CR && second.length < 2) return undefined;
        const len2 = second[0] === CR ? (second[1] === LF ? 2 : 1) : 1;
        this.#buffer = second.subarray(len2);
        return { type: 'ping' };
      }
      this.#buffer = second;
      return { type: 'pong' };
    }
    this.#pendingCrlf = false;
    const end = findHeaderEnd(b, 0);
    if (!end) {
      if (b.length > this.#maxMessageSize) this.#fail(SipParseErrorReason.BufferOverflow, `header section exceeds ${this.#maxMessageSize} bytes`, b, 513);
      return undefined;
    }
    const contentLength = this.#contentLength(b, end.headerEnd);
    const total = end.bodyStart + contentLength;
    if (total > this.#maxMessageSize) {
      this.#fail(SipParseErrorReason.MessageTooLarge, `message of ${total} bytes exceeds ${this.#maxMessageSize}`, b.subarray(0, end.bodyStart), 513);
    }
    if (b.length < total) return undefined;
    const data = Buffer.from(b.subarray(0, total));
    this.#buffer = b.subarray(total);
    return { type: 'message', data };
  }

  #contentLength(b: Buffer, headerEnd: number): number {
    const lines = b.toString('utf8', 0, headerEnd).split(/\r?\n/);
    const values: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0 || line.startsWith(' ') || line.startsWith('\t')) continue;
      if (canonicalHeaderName(trimWsp(line.slice(0, colon))) !== 'Content-Length') continue;
      let value = line.slice(colon + 1);
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string)) value += ` ${lines[++i]}`;
      values.push(trimWsp(value));
    }
    const head = b.subarray(0, headerEnd);
    if (values.length === 0) this.#fail(SipParseErrorReason.MissingContentLength, 'Content-Length is mandatory on stream transports', head, 400);
    if (values.length > 1) this.#fail(SipParseErrorReason.DuplicateHeader, `${values.length} Content-Length headers`, head, 400);
    const v = values[0] as string;
    if (!/^[0-9]{1,10}$/.test(v)) this.#fail(SipParseErrorReason.BadContentLength, `bad Content-Length "${v}"`, head, 400);
    return Number(v);
  }

  #fail(reason: SipParseErrorReason, message: string, head: Buffer, status: number): never {
    throw new SipParseError(reason, message, { status, header: 'Content-Length', partial: recoverPartial(head) });
  }
}

/** Best-effort recovery of the start line and headers of an unframeable message (for a 400). */
const recoverPartial = (head: Buffer): PartialMessage => {
  try {
    const m = parseMessage(head, { maxMessageSize: Number.MAX_SAFE_INTEGER });
    return { type: m.type, method: m.type === 'request' ? m.method : undefined, headers: m.headers.entries() };
  } catch (err) {
    return (err as SipParseError).partial ?? { type: undefined, method: undefined, headers: [] };
  }
};
