// Parser for SIP requests and responses (RFC 3261 §7, §25). Input bytes → typed message or a
// SipParseError carrying the status to answer with and whatever could be recovered (PartialMessage),
// never any other exception.
import { SipParseError, SipParseErrorReason, type PartialMessage, type RawHeaderField } from './errors.ts';
import { isTokenChar, isWsp, trimWsp } from './grammar/charsets.ts';
import { canonicalHeaderName, SINGLE_VALUED_CORE_HEADERS } from './headerNames.ts';
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { SipHeaders } from './SipHeaders.ts';
import { isSipUri, parseUri } from './uri.ts';

export const DEFAULT_MAX_MESSAGE_SIZE = 65535;
const DEFAULT_MAX_HEADERS = 256;

export interface ParseOptions {
  /** Largest accepted message in bytes (headers + body); default 65535. Larger → 513. */
  maxMessageSize?: number;
  /** Largest number of header lines; default 256. */
  maxHeaders?: number;
  /** Stream transports: a missing Content-Length is an error (RFC 3261 §18.3). */
  requireContentLength?: boolean;
}

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; error: SipParseError };

const CR = 0x0d;
const LF = 0x0a;

/**
 * Locate the empty line ending the header section, starting at `from`. Returns the offset just past
 * the last header line's LF and the body offset, or undefined when the section is incomplete.
 * Accepts CRLF and (leniently) bare LF line ends.
 */
export const findHeaderEnd = (buf: Uint8Array, from = 0): { headerEnd: number; bodyStart: number } | undefined => {
  for (let i = buf.indexOf(LF, from); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return { headerEnd: i + 1, bodyStart: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { headerEnd: i + 1, bodyStart: i + 3 };
  }
  return undefined;
};

/** Offset of the first byte that is not CR or LF (leading CRLFs are ignored, RFC 3261 §7.5). */
const skipLeadingCrlf = (buf: Uint8Array, from = 0): number => {
  let i = from;
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
};

const VERSION = /^SIP\/([0-9]+)\.([0-9]+)$/i;

interface HeaderScan {
  fields: RawHeaderField[];
  error: SipParseError | undefined;
}

/** Split header lines (already separated) into unfolded fields; records the first problem found. */
const scanHeaderLines = (lines: string[], maxHeaders: number): HeaderScan => {
  const fields: RawHeaderField[] = [];
  let current: { name: string; parts: string[] } | undefined;
  let error: SipParseError | undefined;
  const flush = (): void => {
    if (!current) return;
    fields.push({ name: current.name, value: current.parts.map(trimWsp).filter((p) => p.length > 0).join(' ') });
    current = undefined;
  };
  for (const line of lines) {
    if (line.includes('\r')) {
      error ??= new SipParseError(SipParseErrorReason.BadHeader, `bare CR in header line "${line}"`);
      break;
    }
    if (line.length > 0 && isWsp(line.charCodeAt(0))) {
      if (!current) {
        error ??= new SipParseError(SipParseErrorReason.BadHeader, 'continuation line without a header');
        break;
      }
      current.parts.push(line);
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : trimWsp(line.slice(0, colon));
    if (name.length === 0 || ![...name].every((c) => isTokenChar(c.charCodeAt(0)))) {
      error ??= new SipParseError(SipParseErrorReason.BadHeader, `malformed header line "${line}"`);
      break;
    }
    current = { name: canonicalHeaderName(name), parts: [line.slice(colon + 1)] };
    if (fields.length >= maxHeaders) {
      error ??= new SipParseError(SipParseErrorReason.TooManyHeaders, `more than ${maxHeaders} header lines`);
      current = undefined;
      break;
    }
  }
  flush();
  return { fields, error };
};

type StartLine =
  | { type: 'request'; method: string; uriText: string; version: string }
  | { type: 'response'; version: string; status: number; reason: string };

const parseStartLine = (line: string, partial: PartialMessage): StartLine => {
  if (/^SIP\//i.test(line)) {
    partial.type = 'response';
    const sp1 = line.indexOf(' ');
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    const rest = sp1 < 0 ? '' : line.slice(sp1 + 1);
    const sp2 = rest.indexOf(' ');
    const code = sp2 < 0 ? rest : rest.slice(0, sp2);
    const reason = sp2 < 0 ? '' : rest.slice(sp2 + 1);
    if (!VERSION.test(version)) throw new SipParseError(SipParseErrorReason.BadStartLine, `bad status line "${line}"`);
    if (!/^[1-6][0-9]{2}$/.test(code)) throw new SipParseError(SipParseErrorReason.BadStatusCode, `bad status code "${code}"`);
    return { type: 'response', version, status: Number(code), reason };
  }
  partial.type = 'request';
  const parts = line.split(' ');
  const method = parts[0] ?? '';
  if (method.length > 0 && [...method].every((c) => isTokenChar(c.charCodeAt(0)))) partial.method = method;
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new SipParseError(SipParseErrorReason.BadStartLine, `request line must be "Method SP Request-URI SP SIP-Version": "${line}"`);
  }
  if (partial.method === undefined) throw new SipParseError(SipParseErrorReason.BadStartLine, `bad method "${method}"`);
  return { type: 'request', method, uriText: parts[1] as string, version: parts[2] as string };
};

const checkVersion = (version: string): void => {
  const m = VERSION.exec(version);
  if (!m) throw new SipParseError(SipParseErrorReason.BadStartLine, `bad SIP version "${version}"`);
  if (Number(m[1]) !== 2 || Number(m[2]) !== 0) {
    throw new SipParseError(SipParseErrorReason.BadVersion, `unsupported SIP version "${version}"`, { status: 505 });
  }
};

/** Parse every header the transaction and dialog layers rely on, so that malformed ones fail here. */
const validateCore = (message: SipMessage): void => {
  const h = message.headers;
  if (h.vias().length === 0) throw new SipParseError(SipParseErrorReason.MissingHeader, 'missing Via header', { header: 'Via' });
  h.from();
  h.to();
  h.callId();
  const cseq = h.cseq();
  h.maxForwards();
  h.contentType();
  h.contacts();
  h.routes();
  h.recordRoutes();
  if (message.type === 'request' && cseq.method !== message.method) {
    throw new SipParseError(
      SipParseErrorReason.CSeqMismatch,
      `CSeq method ${cseq.method} does not match request method ${message.method}`,
      { header: 'CSeq' },
    );
  }
};

const parseInner = (buf: Buffer, options: ParseOptions, partial: PartialMessage): SipMessage => {
  const maxSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (buf.length > 4 * maxSize) {
    // Far too large to be worth recovering headers from.
    throw new SipParseError(SipParseErrorReason.MessageTooLarge, `message of ${buf.length} bytes exceeds ${maxSize}`, { status: 513 });
  }
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) throw new SipParseError(SipParseErrorReason.Empty, 'empty message');
  let end = findHeaderEnd(buf, start);
  if (!end) {
    // Lenient: a datagram whose last header line ends with a line break but lacks the empty line.
    if (buf[buf.length - 1] !== LF) throw new SipParseError(SipParseErrorReason.Incomplete, 'header section is not terminated');
    end = { headerEnd: buf.length, bodyStart: buf.length };
  }
  const lines = buf.toString('utf8', start, end.headerEnd).split('\n');
  lines.pop(); // the text ends with LF
  const cleaned = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const startLineText = cleaned[0] ?? '';
  const scan = scanHeaderLines(cleaned.slice(1), options.maxHeaders ?? DEFAULT_MAX_HEADERS);
  partial.headers = scan.fields;
  if (startLineText.includes('\r')) throw new SipParseError(SipParseErrorReason.BadStartLine, 'bare CR in start line');
  const startLine = parseStartLine(startLineText, partial);
  // Checked once the headers are recovered, so that a 513 can still be answered.
  if (buf.length > maxSize) {
    throw new SipParseError(SipParseErrorReason.MessageTooLarge, `message of ${buf.length} bytes exceeds ${maxSize}`, { status: 513 });
  }
  checkVersion(startLine.version);
  if (scan.error) throw scan.error;
  const headers = new SipHeaders(scan.fields);
  // Structural check first: a repeated single-valued header (Content-Length included) makes the
  // message ambiguous whatever else is wrong with it (RFC 4475 §3.3.8, §3.3.9).
  for (const name of SINGLE_VALUED_CORE_HEADERS) {
    const n = headers.count(name);
    if (n > 1) throw new SipParseError(SipParseErrorReason.DuplicateHeader, `${n} ${name} headers, expected one`, { header: name });
  }
  const contentLength = headers.contentLength();
  const available = buf.length - end.bodyStart;
  let body: Buffer;
  if (contentLength === undefined) {
    if (options.requireContentLength) {
      throw new SipParseError(SipParseErrorReason.MissingContentLength, 'Content-Length is mandatory on stream transports', {
        header: 'Content-Length',
      });
    }
    body = Buffer.from(buf.subarray(end.bodyStart));
  } else {
    if (contentLength > available) {
      throw new SipParseError(
        SipParseErrorReason.TruncatedBody,
        `Content-Length ${contentLength} exceeds the ${available} body bytes received`,
        { header: 'Content-Length' },
      );
    }
    body = Buffer.from(buf.subarray(end.bodyStart, end.bodyStart + contentLength));
  }

  let message: SipMessage;
  if (startLine.type === 'request') {
    const uri = parseUri(startLine.uriText, 'Request-URI');
    if (isSipUri(uri) && uri.headers.length > 0) {
      throw new SipParseError(SipParseErrorReason.BadUri, `headers are not allowed in a Request-URI: "${startLine.uriText}"`, {
        header: 'Request-URI',
      });
    }
    message = { type: 'request', method: startLine.method, uri, headers, body } satisfies SipRequest;
  } else {
    message = { type: 'response', status: startLine.status, reason: startLine.reason, headers, body } satisfies SipResponse;
  }
  validateCore(message);
  return message;
};

/**
 * Parse one SIP message. Throws only SipParseError; its `partial` holds what could be recovered and
 * its `status` the answer for a request (400, 505, 513). Content-Length, when present, bounds the
 * body and octets after it are ignored (RFC 4475 §3.1.1.8); without it the body is the rest.
 */
export const parseMessage = (input: Uint8Array | string, options: ParseOptions = {}): SipMessage => {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const partial: PartialMessage = { type: undefined, method: undefined, headers: [] };
  try {
    return parseInner(buf, options, partial);
  } catch (err) {
    const e =
      err instanceof SipParseError
        ? err
        : new SipParseError(SipParseErrorReason.Malformed, `malformed message: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    e.partial ??= partial;
    throw e;
  }
};

/** parseMessage() returning a result object instead of throwing. */
export const safeParseMessage = (input: Uint8Array | string, options: ParseOptions = {}): ParseResult => {
  try {
    return { ok: true, message: parseMessage(input, options) };
  } catch (err) {
    // parseMessage only throws SipParseError; anything else is wrapped defensively.
    const error = err instanceof SipParseError ? err : new SipParseError(SipParseErrorReason.Malformed, String(err), { cause: err });
    return { ok: false, error };
  }
};
