// SIP inputs: the RFC 4475 torture messages and mutations of valid OPTIONS/INVITE/REGISTER/BYE/CANCEL/
// ACK requests, each with whether a response is owed.
//
// When an answer is owed (precisely): the message is a request other than ACK whose start line and whose
// Via, From, To, Call-ID and CSeq lines are exactly those of the valid request (each once), whose header
// section still ends with an empty line and whose Content-Length line is untouched. Only then can the
// server build and route a response (RFC 3261 §8.2.6, §18.2.2); every other mutation may be dropped
// silently (§18.3: a message that is not well-formed enough, and §16.3/§18.1.2 for responses and ACK),
// and is checked only by a probe OPTIONS that must still be answered afterwards. RFC 4475 messages owe
// an answer unless they are responses (bcast, bigcode, noreason, scalarlg, unreason).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { torture } from '../../services/pbx-adapter/test/sip/rfc4475.ts';
import type { Rng } from '../rng.ts';

const FIXTURES = fileURLToPath(new URL('../../services/pbx-adapter/test/fixtures/sip/rfc4475/', import.meta.url));

/** RFC 4475 messages that are responses: nobody answers a response. */
export const RFC4475_RESPONSES: ReadonlySet<string> = new Set(['bcast', 'bigcode', 'noreason', 'scalarlg', 'unreason']);

/** The RFC 4475 message names (file names of the fixtures, e.g. `wsinv`). */
export function rfc4475Names(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();
}

export interface SipContext {
  transport: 'UDP' | 'TCP';
  /** The pbx-adapter's SIP address. */
  host: string;
  port: number;
  /** Our socket's address. */
  localHost: string;
  localPort: number;
}

export const SIP_METHODS = ['OPTIONS', 'INVITE', 'REGISTER', 'BYE', 'CANCEL', 'ACK', 'INFO', 'NOTIFY'] as const;

const SDP = ['v=0', 'o=fuzz 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

/** A valid request of `method` from us to the user `fuzz` (no such line: INVITEs end with 404). */
export function validRequest(method: string, ctx: SipContext, tag: string): string {
  const body = method === 'INVITE' ? SDP : '';
  const uri = method === 'REGISTER' ? `sip:${ctx.host}:${ctx.port}` : `sip:fuzz@${ctx.host}:${ctx.port}`;
  const lines = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/${ctx.transport} ${ctx.localHost}:${ctx.localPort};branch=z9hG4bK${tag};rport`,
    'Max-Forwards: 70',
    `From: "Fuzz" <sip:fuzzer@${ctx.localHost}>;tag=f${tag}`,
    `To: <sip:fuzz@${ctx.host}>${method === 'BYE' || method === 'INFO' ? `;tag=t${tag}` : ''}`,
    `Call-ID: ${tag}@${ctx.localHost}`,
    `CSeq: ${method === 'CANCEL' || method === 'ACK' ? 1 : 2} ${method}`,
    `Contact: <sip:fuzzer@${ctx.localHost}:${ctx.localPort};transport=${ctx.transport.toLowerCase()}>`,
    ...(method === 'NOTIFY' ? ['Event: keep-alive', 'Subscription-State: active'] : []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    'User-Agent: ucserver-fuzz',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

const KEY_HEADER = /^(via|v|from|f|to|t|call-id|i|cseq)\s*:/i;

function headLines(message: string): string[] | undefined {
  const end = message.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  return message.slice(0, end).split('\r\n');
}

/** True when `mutated` still owes a response by the rule at the top of this file. */
export function answerDue(original: string, mutated: Buffer, transport: 'UDP' | 'TCP' = 'UDP'): boolean {
  const text = mutated.toString('latin1');
  // On a stream the server rightly waits for a body shorter than its Content-Length.
  const end = text.indexOf('\r\n\r\n');
  const length = Number(/^content-length[ \t]*:[ \t]*(\d+)/im.exec(text)?.[1] ?? 0);
  if (transport === 'TCP' && end >= 0 && Buffer.byteLength(text.slice(end + 4), 'latin1') < length) return false;
  const orig = headLines(original);
  const head = headLines(text);
  if (!orig || !head) return false;
  const start = orig[0]!;
  if (head[0] !== start || start.startsWith('ACK ')) return false;
  const keys = orig.filter((l) => KEY_HEADER.test(l) || /^content-length\s*:/i.test(l));
  for (const k of keys) if (head.filter((l) => l === k).length !== 1) return false;
  // no second copy of a key header under another spelling
  const count = (re: RegExp, lines: string[]): number => lines.filter((l) => re.test(l)).length;
  for (const re of [/^(via|v)\s*:/i, /^(from|f)\s*:/i, /^(to|t)\s*:/i, /^(call-id|i)\s*:/i, /^cseq\s*:/i, /^(content-length|l)\s*:/i]) {
    if (count(re, head) !== count(re, orig)) return false;
  }
  return true;
}

/** One header section end, one numeric Content-Length (long or compact form) and a body of that length. */
export function framingIntact(bytes: Buffer): boolean {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const lengths = [...text.slice(0, end).matchAll(/^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)$/gim)].map((m) => m[1]!.trim());
  if (lengths.length !== 1 || !/^\d{1,6}$/.test(lengths[0]!)) return false;
  return bytes.length - (end + 4) === Number(lengths[0]);
}

export interface SipInput {
  bytes: Buffer;
  mutation: string;
  /** A response is owed (see the top of the file). */
  answerDue: boolean;
  /** The Call-ID to match responses on (absent when the message has none we can read). */
  callId: string | undefined;
  /** Over TCP the mutation changed the framing (Content-Length, truncation): send on its own connection and half-close. */
  breaksStream: boolean;
  /** The request method, if it is an INVITE we must ACK a final response of. */
  method: string | undefined;
}

export function callIdOf(text: string): string | undefined {
  const m = /^(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+)/im.exec(text);
  return m ? m[1]!.trim() : undefined;
}

function mutateLines(msg: string, fn: (lines: string[]) => string): string {
  const end = msg.indexOf('\r\n\r\n');
  const head = msg.slice(0, end).split('\r\n');
  const body = msg.slice(end + 4);
  return `${fn(head)}\r\n\r\n${body}`;
}

/** A mutated valid request; `tag` makes branch, tags and Call-ID unique. */
export function mutatedRequest(rng: Rng, ctx: SipContext, tag: string): SipInput {
  const method = rng.pick(SIP_METHODS);
  const valid = validRequest(method, ctx, tag);
  const kind = rng.int(0, 15);
  let bytes: Buffer;
  let mutation: string;
  let breaksStream = false;
  let hidesRouting = false;
  const headerIndex = (lines: string[]): number => rng.int(1, lines.length - 1);
  switch (kind) {
    case 0:
    case 1:
      bytes = Buffer.from(valid, 'latin1');
      mutation = 'valid';
      break;
    case 2:
      mutation = 'header deleted';
      bytes = Buffer.from(mutateLines(valid, (l) => {
        const drop = headerIndex(l);
        return l.filter((_, i) => i !== drop).join('\r\n');
      }), 'latin1');
      break;
    case 3:
      mutation = 'header duplicated';
      bytes = Buffer.from(mutateLines(valid, (l) => {
        const i = headerIndex(l);
        return [...l.slice(0, i + 1), l[i]!, ...l.slice(i + 1)].join('\r\n');
      }), 'latin1');
      break;
    case 4: {
      const value = rng.pick([() => rng.ascii(rng.int(1, 300)), () => 'x'.repeat(rng.pick([4000, 30_000])), () => '', () => ';;;;', () => '<sip:@>', () => '"unterminated <sip:a@b>', () => '<sip:a@b>;tag=', () => '1 2 3 4']);
      mutation = 'header value replaced';
      bytes = Buffer.from(mutateLines(valid, (l) => {
        const i = headerIndex(l);
        const name = l[i]!.split(':')[0];
        return l.map((line, j) => (j === i ? `${name}: ${value()}` : line)).join('\r\n');
      }), 'latin1');
      break;
    }
    case 5: {
      const n = rng.pick([100, 600]);
      const extra = rng.chance(0.5)
        ? Array.from({ length: n }, (_, i) => `X-Fuzz-${i}: ${i}`)
        : Array.from({ length: n / 10 }, (_, i) => `Record-Route: <sip:10.0.0.${i % 250}:5060;lr>`);
      // Before the routing headers, past the parser's header-line limit, they hide the Via: no answer can
      // be routed then (may drop); after them a 400/513 is owed.
      const before = rng.chance(0.5);
      mutation = `${extra.length} extra headers ${before ? 'before' : 'after'} the routing headers`;
      bytes = Buffer.from(mutateLines(valid, (l) => (before ? [l[0]!, ...extra, ...l.slice(1)] : [...l, ...extra]).join('\r\n')), 'latin1');
      hidesRouting = before && extra.length > 256;
      break;
    }
    case 6: {
      const v = rng.pick(['-1', '99999999', 'abc', '1e3', '', '5000', '0x10', '18446744073709551617']);
      mutation = `Content-Length: ${v}`;
      bytes = Buffer.from(valid.replace(/^Content-Length: \d+/m, `Content-Length: ${v}`), 'latin1');
      breaksStream = true;
      break;
    }
    case 7: {
      const b = Buffer.from(valid, 'latin1');
      const n = rng.int(1, 10);
      for (let i = 0; i < n; i++) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      bytes = b;
      mutation = `${n} bytes flipped`;
      breaksStream = true;
      break;
    }
    case 8:
      bytes = Buffer.from(valid, 'latin1').subarray(0, rng.int(1, valid.length - 1));
      mutation = 'truncated';
      breaksStream = true;
      break;
    case 9: {
      const uri = `sip:fuzz@${ctx.host}:${ctx.port}`;
      const start = rng.pick([`${method} ${uri} SIP/3.0`, `${method.toLowerCase()} ${uri} SIP/2.0`, `FUZZMETHOD ${uri} SIP/2.0`, `${method}  ${uri} SIP/2.0`, `${method} <${uri}> SIP/2.0`, `${method} ${uri}`, `${method} http://x/ SIP/2.0`, `${method} sip:${'a'.repeat(5000)}@x SIP/2.0`, `${method} ${uri} SIP/2.0 extra`, `${method} sips:%00@[::1 SIP/2.0`]);
      mutation = `start line '${start.slice(0, 60)}'`;
      bytes = Buffer.from(valid.replace(/^[^\r\n]*/, start), 'latin1');
      break;
    }
    case 10: {
      const eol = rng.pick(['\n', '\r', '\r\r\n', '\n\r']);
      mutation = `line ends ${JSON.stringify(eol)}`;
      bytes = Buffer.from(valid.replace(/\r\n/g, eol), 'latin1');
      breaksStream = true;
      break;
    }
    case 11: {
      const body = rng.pick([() => rng.ascii(rng.int(1, 2000)), () => 'v=0\r\nm=audio 99999 RTP/AVP 0\r\n', () => `v=0\r\n${'m=audio 1 RTP/AVP 0\r\n'.repeat(500)}`, () => 'c=IN IP4 999.1.1.1\r\n']);
      const b = body();
      mutation = 'garbage body';
      // a replacer function: `$` in the random body must not act as a replacement pattern
      bytes = Buffer.from(valid.replace(/Content-Length: \d+\r\n\r\n[\s\S]*$/, () => `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(b, 'latin1')}\r\n\r\n${b}`), 'latin1');
      break;
    }
    case 12: {
      const junk = rng.pick([Buffer.from([0]), Buffer.from([0xff, 0xfe]), Buffer.from([0xc3, 0x28]), Buffer.from('\u202e', 'utf8')]);
      const b = Buffer.from(valid, 'latin1');
      const at = b.indexOf('User-Agent: ') + 12;
      bytes = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
      mutation = 'control/non-UTF-8 bytes in a header value';
      break;
    }
    case 13:
      mutation = 'header folded';
      bytes = Buffer.from(mutateLines(valid, (l) => {
        const i = headerIndex(l);
        return l.map((line, j) => (j === i ? line.replace(': ', ':\r\n   ') : line)).join('\r\n');
      }), 'latin1');
      break;
    case 14: {
      const compact: Record<string, string> = { Via: 'v', From: 'f', To: 't', 'Call-ID': 'i', Contact: 'm', 'Content-Length': 'l' };
      mutation = 'compact/upper-case header names';
      bytes = Buffer.from(valid.replace(/^(Via|From|To|Call-ID|Contact|Content-Length|Max-Forwards|User-Agent):/gm, (_m, n: string) => `${rng.chance(0.5) ? (compact[n] ?? n.toUpperCase()) : n.toUpperCase()}:`), 'latin1');
      break;
    }
    default: {
      const v = rng.pick(['0', '255', '-1', '70000', 'x']);
      mutation = `Max-Forwards: ${v}`;
      bytes = Buffer.from(valid.replace('Max-Forwards: 70', `Max-Forwards: ${v}`), 'latin1');
    }
  }
  if (bytes.length > 60_000) bytes = bytes.subarray(0, 60_000);
  const due = answerDue(valid, bytes, ctx.transport) && !hidesRouting;
  // On a stream, a message whose length is not what its one Content-Length says leaves the rest to be
  // read as the next message (or waits for it): sent on its own connection with our FIN.
  if (ctx.transport === 'TCP' && !due && !framingIntact(bytes)) breaksStream = true;
  return { bytes, mutation: `${method} ${mutation}`, answerDue: due, callId: due ? `${tag}@${ctx.localHost}` : callIdOf(bytes.toString('latin1')), breaksStream: breaksStream && !due, method };
}

/**
 * The same message as a new transaction: a sent-again RFC message would be a retransmission (answered
 * from the transaction, or absorbed after the ACK: RFC 3261 §17.2.1), so repeats get `r<round>` added
 * to their first branch and to their Call-ID.
 */
export function renewTransaction(bytes: Buffer, round: number): Buffer {
  const text = bytes.toString('latin1')
    .replace(/branch=z9hG4bK/i, `branch=z9hG4bKr${round}`)
    .replace(/^((?:call-id|i)[ \t]*:[ \t]*)([^\r\n]+)/im, `$1r${round}$2`);
  return Buffer.from(text, 'latin1');
}

/** True when the message's (first) Content-Length announces more body bytes than follow the header section. */
function bodyShort(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  const length = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(text.slice(0, Math.max(end, 0)))?.[1];
  return end >= 0 && length !== undefined && Buffer.byteLength(text.slice(end + 4), 'latin1') < Number(length);
}

/**
 * True when the bytes split into whole messages on a stream (header section + Content-Length body, one
 * after the other) with nothing left over. dblreq (two requests in one datagram, the second's body 3 bytes
 * longer than its Content-Length), ncl and inv2543 (no Content-Length), mcl01 (two) and the short bodies of
 * clerr and multi01 leave bytes that a stream server rightly takes as (part of) the next message.
 */
export function framesExactly(text: string): boolean {
  let rest = text;
  for (;;) {
    rest = rest.replace(/^(?:\r\n)+/, '');
    if (rest.length === 0) return true;
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return false;
    const lengths = [...rest.slice(0, end).matchAll(/^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/gim)];
    if (lengths.length !== 1) return false;
    const next = end + 4 + Number(lengths[0]![1]);
    if (next > rest.length) return false;
    rest = rest.slice(next);
  }
}

/**
 * RFC 4475 message `name`. Over UDP the response goes where the top Via says: the fuzzer listens on
 * the Via ports of the RFC's messages on loopback (5060, 5050, 5070) with the address received, and
 * no rewriting is done, so the message is exactly the RFC's.
 */
export function tortureInput(name: string, transport: 'UDP' | 'TCP', round = 0): SipInput {
  const bytes = round === 0 ? torture(name) : renewTransaction(torture(name), round);
  const text = bytes.toString('latin1');
  // Over TCP a message that does not frame exactly goes on its own connection and we half-close: the
  // leftover would otherwise eat the next input. One whose body is short (clerr announces 9999 bytes,
  // multi01 154 for 152) is rightly waited for (RFC 3261 §18.3) and owes only the close.
  const breaksStream = transport === 'TCP' && !framesExactly(text);
  const waitsForBody = transport === 'TCP' && bodyShort(text);
  const method = /^([A-Za-z]+) /.exec(text)?.[1];
  // Over TCP a response goes back on the connection whatever transport the Via names (RFC 3261 §18.2.2).
  const viaUdp = transport === 'TCP' && /^(?:via|v)\s*:\s*SIP\s*\/\s*2\.0\s*\/\s*UDP/im.test(text);
  return { bytes, mutation: `RFC 4475 ${name}${viaUdp ? ' (top Via says UDP)' : ''}`, answerDue: !RFC4475_RESPONSES.has(name) && !waitsForBody, callId: callIdOf(text), breaksStream, method };
}
