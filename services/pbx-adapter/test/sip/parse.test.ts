// parseMessage(): table of accepted inputs with expected projections, table of rejected inputs with
// the SipParseError reason and status, the 400 builder, size limits, and a mutation fuzz run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COMPACT_FORMS,
  createErrorResponse,
  parseMessage,
  safeParseMessage,
  serializeMessage,
  SipParseError,
  SipParseErrorReason,
  type ParseOptions,
  type SipParseErrorReason as Reason,
} from '../../src/sip/mod.ts';
import { projectKey } from './project.ts';

const CRLF = '\r\n';
const BASE = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc',
  'To: <sip:bob@example.com>',
  'From: <sip:alice@example.com>;tag=1',
  'Call-ID: c1@host',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
];

/** Request text: BASE with lines replaced (`Name: value` replaces the line of that name) or added. */
const req = (changes: Record<string, string | null> = {}, body = '', startLine?: string): string => {
  const lines = [startLine ?? (BASE[0] as string), ...BASE.slice(1)];
  for (const [name, value] of Object.entries(changes)) {
    const idx = lines.findIndex((l, i) => i > 0 && l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    if (value === null) {
      if (idx >= 0) lines.splice(idx, 1);
    } else if (idx >= 0) lines[idx] = `${name}: ${value}`;
    else lines.push(`${name}: ${value}`);
  }
  if (!Object.keys(changes).some((k) => k.toLowerCase() === 'content-length')) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join(CRLF) + CRLF + CRLF + body;
};

const RESP = (status = '200 OK', extra: string[] = []): string =>
  [
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc',
    'To: <sip:bob@example.com>;tag=9',
    'From: <sip:alice@example.com>;tag=1',
    'Call-ID: c1@host',
    'CSeq: 1 OPTIONS',
    ...extra,
    'Content-Length: 0',
  ].join(CRLF) +
  CRLF +
  CRLF;

interface OkRow {
  name: string;
  input: string | Buffer;
  options?: ParseOptions;
  expected: Record<string, unknown>;
}

interface ErrRow {
  name: string;
  input: string | Buffer;
  options?: ParseOptions;
  error: Reason;
  status?: number;
  header?: string;
}

const R = SipParseErrorReason;

const compactRows: OkRow[] = Object.entries(COMPACT_FORMS)
  .filter(([letter]) => !['f', 't', 'i', 'v', 'l'].includes(letter))
  .map(([letter, full]) => {
    const value = letter === 'c' ? 'text/plain' : letter === 'm' ? '<sip:alice@192.0.2.1>' : letter === 'x' ? '1800' : 'value-' + letter;
    const body = letter === 'c' ? 'hi' : '';
    return {
      name: `compact form '${letter}' is stored as ${full}`,
      input: req({ [letter]: value }, body),
      expected: { [`header:${full}`]: [value] },
    };
  });

const okRows: OkRow[] = [
  ...compactRows,
  {
    name: 'compact f/t/i/v/l replace the core headers',
    input: [
      'OPTIONS sip:bob@example.com SIP/2.0',
      'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc',
      't: sip:bob@example.com',
      'f: sip:alice@example.com;tag=7',
      'i: compact@host',
      'CSeq: 2 OPTIONS',
      'l: 0',
      '',
      '',
    ].join(CRLF),
    expected: { callId: 'compact@host', contentLength: 0, 'header:Via': ['SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc'], from: { displayName: undefined, uri: 'sip:alice@example.com', params: { tag: '7' } } },
  },
  {
    name: 'header names are case-insensitive and canonicalised',
    input: req({ 'cAlL-iD': 'mixed@case', 'cseq': '1 OPTIONS', 'MAX-FORWARDS': '7', 'x-custom-Header': 'keeps case' }),
    expected: { callId: 'mixed@case', maxForwards: 7, 'header:X-Custom-Header': ['keeps case'] },
  },
  {
    name: 'folded header lines are unfolded to single spaces',
    input: req({}).replace('Max-Forwards: 70', 'Subject: first\r\n\tsecond\r\n   third\r\nMax-Forwards: 70'),
    expected: { 'header:Subject': ['first second third'], maxForwards: 70 },
  },
  {
    name: 'comma-separated and repeated Via keep their order',
    input: req({ Via: 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2' }).replace(
      'To:',
      'Via: SIP/2.0/TLS c.example.com;branch=z9hG4bK3\r\nTo:',
    ),
    expected: {
      vias: [
        { transport: 'UDP', host: 'a.example.com', port: undefined, params: { branch: 'z9hG4bK1' } },
        { transport: 'TCP', host: 'b.example.com', port: 5070, params: { branch: 'z9hG4bK2' } },
        { transport: 'TLS', host: 'c.example.com', port: undefined, params: { branch: 'z9hG4bK3' } },
      ],
    },
  },
  {
    name: 'Via parameters: rport flag, rport value, received, maddr, ttl',
    input: req({ Via: 'SIP/2.0/UDP h.example.com:5062;rport=5099;received=198.51.100.7;maddr=224.2.0.1;ttl=16;branch=z9hG4bKv' }),
    expected: {
      vias: [
        {
          transport: 'UDP',
          host: 'h.example.com',
          port: 5062,
          params: { rport: '5099', received: '198.51.100.7', maddr: '224.2.0.1', ttl: '16', branch: 'z9hG4bKv' },
        },
      ],
    },
  },
  {
    name: 'Via without branch (RFC 2543) is accepted',
    input: req({ Via: 'SIP/2.0/UDP legacy.example.com' }),
    expected: { vias: [{ transport: 'UDP', host: 'legacy.example.com', port: undefined, params: {} }] },
  },
  {
    name: 'Contact list across lines and commas keeps order with params',
    input: req({ Contact: '<sip:a@h1>;q=0.7;expires=60, "B" <sip:b@h2>' }).replace('Max-Forwards', 'm: sip:c@h3;expires=0\r\nMax-Forwards'),
    expected: {
      contacts: [
        { displayName: undefined, uri: 'sip:c@h3', params: { expires: '0' } },
        { displayName: undefined, uri: 'sip:a@h1', params: { q: '0.7', expires: '60' } },
        { displayName: 'B', uri: 'sip:b@h2', params: {} },
      ],
    },
  },
  {
    name: "Contact '*' (wildcard) yields no contacts",
    input: req({ Contact: '*', Expires: '0' }, '', 'REGISTER sip:example.com SIP/2.0').replace('1 OPTIONS', '1 REGISTER'),
    expected: { contacts: [], 'header:Expires': ['0'] },
  },
  {
    name: 'quoted display name with escaped quote and backslash',
    input: req({ From: '"Alice \\"The Boss\\" \\\\ Smith" <sip:alice@example.com>;tag=1' }),
    expected: { from: { displayName: 'Alice "The Boss" \\ Smith', uri: 'sip:alice@example.com', params: { tag: '1' } } },
  },
  {
    name: 'unquoted multi-token display name',
    input: req({ From: 'Alice  Liddell <sip:alice@example.com>;tag=1' }),
    expected: { from: { displayName: 'Alice Liddell', uri: 'sip:alice@example.com', params: { tag: '1' } } },
  },
  {
    name: 'empty quoted display name',
    input: req({ To: '"" <sip:bob@example.com>' }),
    expected: { to: { displayName: '', uri: 'sip:bob@example.com', params: {} } },
  },
  {
    name: 'IPv6 references in Request-URI, Via (received bare and bracketed) and Contact (RFC 5118)',
    input: req(
      {
        Via: 'SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111;received=2001:db8::9:255',
        Contact: '<sip:caller@[2001:db8::9:1]>',
        'Record-Route': '<sip:[2001:db8::10]:5070;lr;received=[2001:db8::9:255]>',
      },
      '',
      'OPTIONS sip:[2001:db8::10]:5070 SIP/2.0',
    ),
    expected: {
      uri: { scheme: 'sip', user: undefined, password: undefined, host: '[2001:db8::10]', port: 5070, params: {}, headers: [] },
      vias: [{ transport: 'UDP', host: '[2001:db8::9:1]', port: 5060, params: { branch: 'z9hG4bKas3-111', received: '2001:db8::9:255' } }],
      contacts: [{ displayName: undefined, uri: 'sip:caller@[2001:db8::9:1]', params: {} }],
      recordRoutes: [{ displayName: undefined, uri: 'sip:[2001:db8::10]:5070;lr;received=[2001:db8::9:255]', params: {} }],
    },
  },
  {
    name: 'IPv4-mapped IPv6 reference (RFC 5118 §4.4)',
    input: req({}, '', 'OPTIONS sip:user@[::ffff:192.0.2.10] SIP/2.0'),
    expected: { uri: { scheme: 'sip', user: 'user', password: undefined, host: '[::ffff:192.0.2.10]', port: undefined, params: {}, headers: [] } },
  },
  {
    name: 'tel URI in To and sips URI in Request-URI',
    input: req({ To: '<tel:+1-201-555-0123;phone-context=example.com>' }, '', 'OPTIONS sips:bob@secure.example.com;transport=tcp SIP/2.0'),
    expected: {
      toUri: { scheme: 'tel', number: '+1-201-555-0123', params: { 'phone-context': 'example.com' } },
      uri: { scheme: 'sips', user: 'bob', password: undefined, host: 'secure.example.com', port: undefined, params: { transport: 'tcp' }, headers: [] },
    },
  },
  {
    name: 'URI with password, port, params and escaped headers inside <>',
    input: req({ Contact: '<sip:al%20ice:secret@host.example.com:5080;transport=tcp;lr?Subject=hi%20there&Priority=urgent>' }),
    expected: {
      contactUris: [
        {
          scheme: 'sip',
          user: 'al%20ice',
          password: 'secret',
          host: 'host.example.com',
          port: 5080,
          params: { transport: 'tcp', lr: null },
          headers: [
            ['Subject', 'hi%20there'],
            ['Priority', 'urgent'],
          ],
        },
      ],
    },
  },
  {
    name: 'Route and Record-Route lists',
    input: req({ Route: '<sip:p1.example.com;lr>, <sip:p2.example.com;lr>', 'Record-Route': '<sip:rr.example.com;lr>' }),
    expected: {
      routes: [
        { displayName: undefined, uri: 'sip:p1.example.com;lr', params: {} },
        { displayName: undefined, uri: 'sip:p2.example.com;lr', params: {} },
      ],
      recordRoutes: [{ displayName: undefined, uri: 'sip:rr.example.com;lr', params: {} }],
    },
  },
  {
    name: 'Supported / Require / k lists',
    input: req({ Supported: 'timer, 100rel,replaces', Require: 'timer' }).replace('Max-Forwards', 'k: path\r\nMax-Forwards'),
    expected: { supported: ['path', 'timer', '100rel', 'replaces'], require: ['timer'] },
  },
  {
    name: 'Content-Type with parameters',
    input: req({ 'Content-Type': 'multipart/mixed ; boundary="abc def"' }),
    expected: { contentType: { type: 'multipart', subtype: 'mixed', params: { boundary: 'abc def' } } },
  },
  {
    name: 'leading CRLFs before the start line are ignored (RFC 3261 §7.5)',
    input: `\r\n\r\n${req()}`,
    expected: { method: 'OPTIONS', callId: 'c1@host' },
  },
  {
    name: 'bare LF line ends are tolerated',
    input: req({}, 'abc').replace(/\r\n/g, '\n'),
    expected: { method: 'OPTIONS', body: 'abc' },
  },
  {
    name: 'datagram lacking the empty line after the last header',
    input: req().slice(0, -2),
    expected: { method: 'OPTIONS', bodyLength: 0 },
  },
  {
    name: 'without Content-Length (UDP) the body is the rest of the datagram',
    input: req({ 'Content-Length': null as unknown as string }, 'v=0\r\n').replace(/Content-Length: \d+\r\n/, ''),
    expected: { contentLength: undefined, body: 'v=0\r\n' },
  },
  {
    name: 'octets after Content-Length are ignored',
    input: req({ 'Content-Length': '3' }, 'abcdef'),
    expected: { contentLength: 3, body: 'abc' },
  },
  {
    name: 'leading zeros in CSeq and Max-Forwards',
    input: req({ CSeq: '0007 OPTIONS', 'Max-Forwards': '0070' }),
    expected: { cseq: { seq: 7, method: 'OPTIONS' }, maxForwards: 70 },
  },
  { name: 'unknown method token', input: req({ CSeq: '1 FOO-BAR' }, '', 'FOO-BAR sip:bob@example.com SIP/2.0'), expected: { method: 'FOO-BAR' } },
  { name: 'lower-case sip/2.0 version', input: req({}, '', 'OPTIONS sip:bob@example.com sip/2.0'), expected: { method: 'OPTIONS' } },
  { name: 'Max-Forwards absent', input: req({ 'Max-Forwards': null }), expected: { maxForwards: undefined } },
  { name: 'response 180 Ringing', input: RESP('180 Ringing'), expected: { type: 'response', status: 180, reason: 'Ringing' } },
  { name: 'response reason with spaces', input: RESP('486 Busy Here, try later'), expected: { status: 486, reason: 'Busy Here, try later' } },
  { name: 'response without reason phrase or its SP', input: RESP('200'), expected: { status: 200, reason: '' } },
  { name: 'response 699', input: RESP('699 Custom'), expected: { status: 699 } },
  {
    name: 'response with challenges: several per line and several lines',
    input: RESP('401 Unauthorized', [
      'WWW-Authenticate: Digest realm="a.example", nonce="n1", algorithm=SHA-256, qop="auth,auth-int", Digest realm="a.example", nonce="n1", algorithm=MD5',
      'WWW-Authenticate: Digest realm="b.example",nonce="n2",opaque="o",stale=TRUE',
    ]),
    expected: { status: 401, 'header:WWW-Authenticate': [
      'Digest realm="a.example", nonce="n1", algorithm=SHA-256, qop="auth,auth-int", Digest realm="a.example", nonce="n1", algorithm=MD5',
      'Digest realm="b.example",nonce="n2",opaque="o",stale=TRUE',
    ] },
  },
  {
    name: 'UTF-8 in unknown header and quoted display name',
    input: req({ From: '"Jürgen Åström" <sip:j@example.com>;tag=1', 'X-Note': 'naïve café' }),
    expected: { from: { displayName: 'Jürgen Åström', uri: 'sip:j@example.com', params: { tag: '1' } }, 'header:X-Note': ['naïve café'] },
  },
];

const errRows: ErrRow[] = [
  { name: 'empty input', input: '', error: R.Empty },
  { name: 'only CRLFs', input: '\r\n\r\n\r\n', error: R.Empty },
  { name: 'unterminated header section', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: x', error: R.Incomplete },
  { name: 'garbage start line', input: 'hello world\r\n\r\n', error: R.BadStartLine },
  { name: 'request line without version', input: req({}, '', 'OPTIONS sip:bob@example.com'), error: R.BadStartLine },
  { name: 'request line with HTTP version', input: req({}, '', 'OPTIONS sip:bob@example.com HTTP/1.1'), error: R.BadStartLine },
  { name: 'request line with tabs', input: req({}, '', 'OPTIONS\tsip:bob@example.com\tSIP/2.0'), error: R.BadStartLine },
  { name: 'SIP/3.0 request → 505', input: req({}, '', 'OPTIONS sip:bob@example.com SIP/3.0'), error: R.BadVersion, status: 505 },
  { name: 'SIP/2.1 request → 505', input: req({}, '', 'OPTIONS sip:bob@example.com SIP/2.1'), error: R.BadVersion, status: 505 },
  { name: 'method with invalid characters', input: req({}, '', 'OPT@ONS sip:bob@example.com SIP/2.0'), error: R.BadStartLine },
  { name: 'status code 99', input: RESP('99 Low'), error: R.BadStatusCode },
  { name: 'status code 700', input: RESP('700 High'), error: R.BadStatusCode },
  { name: 'status code 1000', input: RESP('1000 Huge'), error: R.BadStatusCode },
  { name: 'status code not numeric', input: RESP('2x0 OK'), error: R.BadStatusCode },
  { name: 'header line without colon', input: req().replace('Max-Forwards: 70', 'Max-Forwards 70'), error: R.BadHeader },
  { name: 'header name with a space', input: req({ 'X Bad': 'v' }), error: R.BadHeader },
  { name: 'continuation line before any header', input: req().replace('Via:', ' folded\r\nVia:'), error: R.BadHeader },
  { name: 'bare CR inside a header', input: req({ Subject: 'a\rb' }), error: R.BadHeader },
  { name: 'missing Via', input: req({ Via: null }), error: R.MissingHeader, header: 'Via' },
  { name: 'missing To', input: req({ To: null }), error: R.MissingHeader, header: 'To' },
  { name: 'missing From', input: req({ From: null }), error: R.MissingHeader, header: 'From' },
  { name: 'missing Call-ID', input: req({ 'Call-ID': null }), error: R.MissingHeader, header: 'Call-ID' },
  { name: 'missing CSeq', input: req({ CSeq: null }), error: R.MissingHeader, header: 'CSeq' },
  { name: 'duplicate To', input: req().replace('From:', 'To: <sip:x@y>\r\nFrom:'), error: R.DuplicateHeader, header: 'To' },
  { name: 'duplicate Call-ID (long and compact)', input: req().replace('From:', 'i: other@host\r\nFrom:'), error: R.DuplicateHeader, header: 'Call-ID' },
  { name: 'duplicate Content-Length', input: req().replace('From:', 'l: 0\r\nFrom:'), error: R.DuplicateHeader, header: 'Content-Length' },
  { name: 'CSeq without number', input: req({ CSeq: 'OPTIONS' }), error: R.BadHeader, header: 'CSeq' },
  { name: 'CSeq without method', input: req({ CSeq: '1' }), error: R.BadHeader, header: 'CSeq' },
  { name: 'CSeq of 2**31', input: req({ CSeq: '2147483648 OPTIONS' }), error: R.BadHeader, header: 'CSeq' },
  { name: 'CSeq method differs from request method', input: req({ CSeq: '1 INVITE' }), error: R.CSeqMismatch, header: 'CSeq' },
  { name: 'CSeq method differs in case', input: req({ CSeq: '1 options' }), error: R.CSeqMismatch },
  { name: 'Call-ID with two @', input: req({ 'Call-ID': 'a@b@c' }), error: R.BadHeader, header: 'Call-ID' },
  { name: 'Call-ID with a space', input: req({ 'Call-ID': 'a b' }), error: R.BadHeader, header: 'Call-ID' },
  { name: 'Max-Forwards 256', input: req({ 'Max-Forwards': '256' }), error: R.BadHeader, header: 'Max-Forwards' },
  { name: 'Max-Forwards negative', input: req({ 'Max-Forwards': '-1' }), error: R.BadHeader, header: 'Max-Forwards' },
  { name: 'Content-Length not a number', input: req({ 'Content-Length': 'abc' }), error: R.BadContentLength },
  { name: 'Content-Length with two numbers', input: req({ 'Content-Length': '5 5' }), error: R.BadContentLength },
  { name: 'Content-Length beyond the datagram', input: req({ 'Content-Length': '10' }, 'abc'), error: R.TruncatedBody },
  { name: 'Via without transport', input: req({ Via: 'SIP/2.0 192.0.2.1;branch=z9hG4bKx' }), error: R.BadHeader, header: 'Via' },
  { name: 'Via with port 70000', input: req({ Via: 'SIP/2.0/UDP 192.0.2.1:70000;branch=z9hG4bKx' }), error: R.BadHeader, header: 'Via' },
  { name: 'Via with unbracketed IPv6', input: req({ Via: 'SIP/2.0/UDP 2001:db8::1;branch=z9hG4bKx' }), error: R.BadUri, header: 'Via' },
  { name: 'Via branch without value', input: req({ Via: 'SIP/2.0/UDP 192.0.2.1;branch' }), error: R.BadHeader, header: 'Via' },
  { name: 'Via ttl 300', input: req({ Via: 'SIP/2.0/UDP 192.0.2.1;ttl=300;branch=z9hG4bKx' }), error: R.BadHeader, header: 'Via' },
  { name: 'Via with trailing comma', input: req({ Via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx,' }), error: R.BadHeader, header: 'Via' },
  { name: 'Request-URI with unbracketed IPv6', input: req({}, '', 'OPTIONS sip:2001:db8::1 SIP/2.0'), error: R.BadUri, header: 'Request-URI' },
  { name: 'Request-URI with bad IPv6 reference', input: req({}, '', 'OPTIONS sip:[2001:db8:::1] SIP/2.0'), error: R.BadUri },
  { name: 'Request-URI with bad escape', input: req({}, '', 'OPTIONS sip:us%zzer@example.com SIP/2.0'), error: R.BadUri },
  { name: 'Request-URI host label starting with -', input: req({}, '', 'OPTIONS sip:bob@-bad.example.com SIP/2.0'), error: R.BadUri },
  { name: 'Request-URI with empty user', input: req({}, '', 'OPTIONS sip:@example.com SIP/2.0'), error: R.BadUri },
  { name: 'Request-URI with IPv4 out of range', input: req({}, '', 'OPTIONS sip:bob@192.0.2.300 SIP/2.0'), error: R.BadUri },
  { name: 'Request-URI without scheme', input: req({}, '', 'OPTIONS bob@example.com SIP/2.0'), error: R.BadUri },
  { name: 'From with unterminated <', input: req({ From: '<sip:alice@example.com;tag=1' }), error: R.BadHeader, header: 'From' },
  { name: 'From with duplicate tag', input: req({ From: '<sip:alice@example.com>;tag=1;tag=2' }), error: R.BadHeader, header: 'From' },
  { name: 'To with garbage after name-addr', input: req({ To: '<sip:bob@example.com> junk' }), error: R.BadHeader, header: 'To' },
  { name: "Contact '*' combined with a URI", input: req({ Contact: '*, <sip:a@b>' }), error: R.BadHeader, header: 'Contact' },
  { name: 'Contact list with empty element', input: req({ Contact: '<sip:a@b>,,<sip:c@d>' }), error: R.BadHeader, header: 'Contact' },
  { name: 'Route element that is not a URI', input: req({ Route: '<not a uri>' }), error: R.BadUri, header: 'Route' },
  { name: 'Content-Type without subtype', input: req({ 'Content-Type': 'application' }), error: R.BadHeader, header: 'Content-Type' },
  { name: 'response missing CSeq', input: RESP('200 OK').replace('CSeq: 1 OPTIONS\r\n', ''), error: R.MissingHeader },
  { name: 'message above maxMessageSize → 513', input: req({}, 'x'.repeat(200)), options: { maxMessageSize: 300 }, error: R.MessageTooLarge, status: 513 },
  { name: 'more header lines than maxHeaders', input: req({ A: '1', B: '2', C: '3' }), options: { maxHeaders: 8 }, error: R.TooManyHeaders },
  { name: 'requireContentLength without Content-Length', input: req().replace(/Content-Length: 0\r\n/, ''), options: { requireContentLength: true }, error: R.MissingContentLength },
];

describe('parseMessage()', () => {
  describe('with valid input returns the expected message', () => {
    for (const row of okRows) {
      it(`${row.name}`, () => {
        const m = parseMessage(row.input, row.options);
        for (const [key, value] of Object.entries(row.expected)) assert.deepEqual(projectKey(m, key), value, key);
      });
    }
  });

  describe('with malformed input throws SipParseError', () => {
    for (const row of errRows) {
      it(`${row.name} → ${row.error}${row.status ? ` (${row.status})` : ''}`, () => {
        assert.throws(
          () => parseMessage(row.input, row.options),
          (err: unknown) => {
            assert.ok(err instanceof SipParseError, `expected SipParseError, got ${String(err)}`);
            assert.equal(err.reason, row.error);
            assert.equal(err.status, row.status ?? (row.error === R.MessageTooLarge ? 513 : 400));
            if (row.header) assert.equal(err.header, row.header);
            assert.ok(err.partial, 'partial message attached');
            return true;
          },
        );
      });
    }
  });

  it('parseMessage() accepts a string and a Uint8Array view alike', () => {
    const text = req({}, 'hello');
    const bytes = Buffer.from(`xx${text}yy`);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.length - 4);
    assert.deepEqual(parseMessage(view), parseMessage(text));
  });

  it('parseMessage() body is a copy, not a view into the input buffer', () => {
    const buf = Buffer.from(req({}, 'abc'));
    const m = parseMessage(buf);
    buf.fill(0);
    assert.equal(m.body.toString(), 'abc');
  });
});

describe('safeParseMessage()', () => {
  it('safeParseMessage() with valid input returns ok', () => {
    const r = safeParseMessage(req());
    assert.equal(r.ok, true);
  });

  it('safeParseMessage() with invalid input returns the error instead of throwing', () => {
    const r = safeParseMessage('junk');
    assert.equal(r.ok, false);
    if (!r.ok) assert.ok(r.error instanceof SipParseError);
  });

  it('safeParseMessage() over 3000 random mutations never throws and only reports SipParseError', () => {
    const seedText = Buffer.from(
      req({ Contact: '"A \\"q\\"" <sip:a@[2001:db8::1]:5060;lr>;expires=5', 'WWW-Authenticate': 'Digest realm="r", nonce="n"' }, 'v=0\r\n'),
    );
    let state = 0x2545f491;
    const rand = (n: number): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const alphabet = Buffer.from(':;,<>"\\@[]%\r\n \t=?&/0aZ\u0000\u00ff');
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(seedText);
      const edits = 1 + rand(4);
      let mutated: Buffer = bytes;
      for (let e = 0; e < edits; e++) {
        const pos = rand(mutated.length);
        const op = rand(3);
        const ch = alphabet[rand(alphabet.length)] as number;
        if (op === 0) mutated[pos] = ch;
        else if (op === 1) mutated = Buffer.concat([mutated.subarray(0, pos), Buffer.from([ch]), mutated.subarray(pos)]);
        else mutated = Buffer.concat([mutated.subarray(0, pos), mutated.subarray(pos + 1)]);
      }
      const r = safeParseMessage(mutated);
      if (!r.ok) {
        failures++;
        assert.ok(r.error instanceof SipParseError);
        assert.notEqual(r.error.reason, R.Malformed, `internal error on mutation ${i}: ${r.error.message}`);
        // Building the answer never throws either.
        createErrorResponse(r.error);
      } else {
        // Whatever parses also serializes and parses again.
        parseMessage(serializeMessage(r.message));
      }
    }
    assert.ok(failures > 100, `mutations should break many messages (broke ${failures})`);
  });
});

describe('createErrorResponse()', () => {
  const errorOf = (input: string): SipParseError => {
    const r = safeParseMessage(input);
    assert.equal(r.ok, false);
    return (r as { error: SipParseError }).error;
  };

  it('createErrorResponse() for a request with a bad header returns 400 with Via, From, To+tag, Call-ID, CSeq', () => {
    const res = createErrorResponse(errorOf(req({ 'Max-Forwards': 'abc' })), { toTag: 'T1' });
    assert.equal(res?.status, 400);
    assert.equal(res?.reason, 'Bad Request');
    assert.deepEqual(res?.headers.getAll('Via'), ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc']);
    assert.equal(res?.headers.get('From'), '<sip:alice@example.com>;tag=1');
    assert.equal(res?.headers.get('To'), '<sip:bob@example.com>;tag=T1');
    assert.equal(res?.headers.get('Call-ID'), 'c1@host');
    assert.equal(res?.headers.get('CSeq'), '1 OPTIONS');
    assert.equal(parseMessage(serializeMessage(res!)).type, 'response');
  });

  it('createErrorResponse() keeps an existing To tag', () => {
    const res = createErrorResponse(errorOf(req({ To: '<sip:bob@example.com>;tag=existing', 'Max-Forwards': 'x' })));
    assert.equal(res?.headers.get('To'), '<sip:bob@example.com>;tag=existing');
  });

  it('createErrorResponse() for an unsupported version returns 505 Version Not Supported', () => {
    const res = createErrorResponse(errorOf(req({}, '', 'OPTIONS sip:bob@example.com SIP/3.0')));
    assert.equal(res?.status, 505);
    assert.equal(res?.reason, 'Version Not Supported');
  });

  it('createErrorResponse() for an oversize request returns 513 Message Too Large', () => {
    const r = safeParseMessage(req({}, 'x'.repeat(100)), { maxMessageSize: 200 });
    assert.equal(r.ok, false);
    assert.equal(createErrorResponse((r as { error: SipParseError }).error)?.status, 513);
  });

  it('createErrorResponse() for a malformed ACK returns undefined (never answer an ACK)', () => {
    assert.equal(createErrorResponse(errorOf(req({ CSeq: '1 ACK', 'Max-Forwards': 'x' }, '', 'ACK sip:bob@example.com SIP/2.0'))), undefined);
  });

  it('createErrorResponse() for a malformed response returns undefined (responses are dropped)', () => {
    assert.equal(createErrorResponse(errorOf(RESP('200 OK').replace('CSeq: 1 OPTIONS\r\n', ''))), undefined);
  });

  it('createErrorResponse() without any Via returns undefined (nowhere to route the answer)', () => {
    assert.equal(createErrorResponse(errorOf(req({ Via: null }))), undefined);
  });

  it('createErrorResponse() for an unrecognisable start line returns 400 when headers were recovered', () => {
    const res = createErrorResponse(errorOf(req({}, '', 'INVITE <sip:bob@example.com> SIP/2.0')));
    assert.equal(res?.status, 400);
  });
});
