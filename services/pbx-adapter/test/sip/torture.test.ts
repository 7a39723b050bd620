// RFC 4475 torture tests: every message of §3 as a required table. Valid messages parse to the values
// the RFC states; invalid ones fail with a SipParseError that maps to the RFC's outcome (400, 505, or
// dropping a response); semantic tests parse and leave the decision to the layer the RFC names.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  createErrorResponse,
  isRfc3261Branch,
  parseMessage,
  serializeMessage,
  serverTransactionKey,
  SipParseError,
  SipParseErrorReason,
  unescapeUriComponent,
  viaBranch,
  type SipMessage,
  type SipRequest,
} from '../../src/sip/mod.ts';
import { projectKey } from './project.ts';
import { torture } from './rfc4475.ts';

interface ValidRow {
  name: string;
  section: string;
  title: string;
  expected: Record<string, unknown>;
  check?: (m: SipMessage) => void;
}

interface InvalidRow {
  name: string;
  section: string;
  title: string;
  error: { reason: SipParseErrorReason; answer: number | undefined };
}

const R = SipParseErrorReason;
const longs = (n: number): string => 'long'.repeat(n);

const valid: ValidRow[] = [
  {
    name: 'wsinv',
    section: '3.1.1.1',
    title: 'A Short Tortuous INVITE',
    expected: {
      method: 'INVITE',
      uri: { scheme: 'sip', user: 'vivekg', password: undefined, host: 'chair-dnrc.example.com', port: undefined, params: { unknownparam: null }, headers: [] },
      to: { displayName: undefined, uri: 'sip:vivekg@chair-dnrc.example.com', params: { tag: '1918181833n' } },
      from: { displayName: 'J Rosenberg \\"', uri: 'sip:jdrosen@example.com', params: { tag: '98asjd8' } },
      maxForwards: 68,
      callId: 'wsinv.ndaksdj@192.0.2.1',
      cseq: { seq: 9, method: 'INVITE' },
      contentLength: 150,
      bodyLength: 150,
      vias: [
        { transport: 'UDP', host: '192.0.2.2', port: undefined, params: { branch: '390skdjuw' } },
        { transport: 'TCP', host: 'spindle.example.com', port: undefined, params: { branch: 'z9hG4bK9ikj8' } },
        { transport: 'UDP', host: '192.168.255.111', port: undefined, params: { branch: 'z9hG4bK30239' } },
      ],
      'header:Subject': [''],
      'header:NewFangledHeader': ['newfangled value continued newfangled value'],
      'header:UnknownHeaderWithUnusualValue': [';;,,;;,;'],
      routes: [{ displayName: undefined, uri: 'sip:services.example.com;lr;unknownwith=value;unknown-no-value', params: {} }],
      contacts: [{ displayName: 'Quoted string ""', uri: 'sip:jdrosen@example.com', params: { newparam: 'newvalue', secondparam: null, q: '0.33' } }],
      contentType: { type: 'application', subtype: 'sdp', params: {} },
    },
  },
  {
    name: 'intmeth',
    section: '3.1.1.2',
    title: 'Wide Range of Valid Characters',
    expected: {
      method: "!interesting-Method0123456789_*+`.%indeed'~",
      uri: {
        scheme: 'sip',
        user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
        password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
        host: 'example.com',
        port: undefined,
        params: {},
        headers: [],
      },
      vias: [{ transport: 'TCP', host: 'host1.example.com', port: undefined, params: { branch: "z9hG4bK-.!%66*_+`'~" } }],
      to: { displayName: 'BEL:\x07 NUL:\x00 DEL:\x7f', uri: "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com", params: {} },
      from: {
        displayName: "token1~` token2'+_ token3*%!.-",
        uri: 'sip:mundane@example.com',
        params: { "fromparam''~+*_!.-%": 'работающий', tag: "_token~1'+`*%!-." },
      },
      callId: "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
      cseq: { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" },
      maxForwards: 255,
      "header:extensionHeader-!.%*+_`'~": ['\ufeff大停電'],
      bodyLength: 0,
    },
  },
  {
    name: 'esc01',
    section: '3.1.1.3',
    title: 'Valid Use of the % Escaping Mechanism',
    expected: {
      uri: { scheme: 'sip', user: 'sips%3Auser%40example.com', password: undefined, host: 'example.net', port: undefined, params: {}, headers: [] },
      toUri: { scheme: 'sip', user: '%75se%72', password: undefined, host: 'example.com', port: undefined, params: {}, headers: [] },
      from: { displayName: undefined, uri: 'sip:I%20have%20spaces@example.net', params: { tag: '938' } },
      callId: 'esc01.239409asdfakjkn23onasd0-3234',
      contactUris: [
        { scheme: 'sip', user: 'cal%6Cer', password: undefined, host: 'host5.example.net', port: undefined, params: { '%6c%72': null, 'n%61me': 'v%61lue%25%34%31' }, headers: [] },
      ],
      contentType: { type: 'application', subtype: 'sdp', params: {} },
      bodyLength: 150,
    },
    check: (m) => {
      const r = m as SipRequest;
      // The application treats %HEX HEX as the character it encodes, never recursively (value%41 stays).
      assert.equal(unescapeUriComponent((r.uri as { user: string }).user), 'sips:user@example.com');
      assert.equal(unescapeUriComponent('v%61lue%25%34%31'), 'value%41');
    },
  },
  {
    name: 'escnull',
    section: '3.1.1.4',
    title: 'Escaped Nulls in URIs',
    expected: {
      method: 'REGISTER',
      to: { displayName: undefined, uri: 'sip:null-%00-null@example.com', params: {} },
      from: { displayName: undefined, uri: 'sip:null-%00-null@example.com', params: { tag: '839923423' } },
      contacts: [
        { displayName: undefined, uri: 'sip:%00@host5.example.com', params: {} },
        { displayName: undefined, uri: 'sip:%00%00@host5.example.com', params: {} },
      ],
      contentLength: 0,
    },
    check: (m) => assert.equal(unescapeUriComponent('null-%00-null'), 'null-\u0000-null'),
  },
  {
    name: 'esc02',
    section: '3.1.1.5',
    title: 'Use of % When It Is Not an Escape',
    expected: {
      method: 'RE%47IST%45R',
      cseq: { seq: 29344, method: 'RE%47IST%45R' },
      to: { displayName: '%Z%45', uri: 'sip:resource@example.com', params: {} },
      vias: [{ transport: 'TCP', host: 'host.example.com', port: undefined, params: { branch: 'z9hG4bK209%fzsnel234' } }],
      contacts: [
        { displayName: undefined, uri: 'sip:alias1@host1.example.com', params: {} },
        { displayName: undefined, uri: 'sip:alias3@host3.example.com', params: {} },
      ],
      'header:C%6Fntact': ['<sip:alias2@host2.example.com>'],
    },
  },
  {
    name: 'lwsdisp',
    section: '3.1.1.6',
    title: 'Message with No LWS between Display Name and <',
    expected: { from: { displayName: 'caller', uri: 'sip:caller@example.com', params: { tag: '323' } } },
  },
  {
    name: 'longreq',
    section: '3.1.1.7',
    title: 'Long Values in Header Fields',
    expected: {
      to: {
        displayName: `I have a user name of ${'extreme'.repeat(10)} proportion`,
        uri: `sip:user@example.com:6000;unknownparam1=very${longs(20)}value;longparamname${'name'.repeat(25)}=shortvalue;very${longs(25)}parameternamewithnovalue`,
        params: {},
      },
      from: {
        displayName: undefined,
        uri: `sip:${'amazinglylongcallername'.repeat(5)}@example.net`,
        params: {
          tag: `12${'982'.repeat(50)}424`,
          [`unknownheaderparamname${'name'.repeat(20)}`]: `unknowheaderparamvalue${'value'.repeat(15)}`,
          [`unknownvaluelessparamname${'paramname'.repeat(10)}`]: null,
        },
      },
      callId: `longreq.one${'really'.repeat(20)}longcallid`,
      viaCount: 34,
      [`header:Unknown-${'Long'.repeat(20)}-Name`]: [
        `unknown-${longs(20)}-value; unknown-${longs(20)}-parameter-name = unknown-${longs(20)}-parameter-value`,
      ],
      contacts: [{ displayName: undefined, uri: `sip:${'amazinglylongcallername'.repeat(5)}@host5.example.net`, params: {} }],
      bodyLength: 150,
    },
    check: (m) => {
      const last = m.headers.vias().at(-1);
      assert.equal(last?.params.get('branch'), `very${longs(50)}branchvalue`);
      assert.equal(last?.params.get('received'), '192.0.2.5');
    },
  },
  {
    name: 'dblreq',
    section: '3.1.1.8',
    title: 'Extra Trailing Octets in a UDP Datagram',
    expected: { method: 'REGISTER', callId: 'dblreq.0ha0isndaksdj99sdfafnl3lk233412', contentLength: 0, bodyLength: 0 },
  },
  {
    name: 'semiuri',
    section: '3.1.1.9',
    title: 'Semicolon-Separated Parameters in URI User Part',
    expected: {
      uri: { scheme: 'sip', user: 'user;par=u%40example.net', password: undefined, host: 'example.com', port: undefined, params: {}, headers: [] },
      'header:Accept': ['application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag'],
    },
    check: (m) => assert.equal(m.headers.values('Accept').length, 6),
  },
  {
    name: 'transports',
    section: '3.1.1.10',
    title: 'Varied and Unknown Transport Types',
    expected: { callId: 'transports.kijh4akdnaqjkwendsasfdj' },
    check: (m) => assert.deepEqual(m.headers.vias().map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']),
  },
  {
    name: 'mpart01',
    section: '3.1.1.11',
    title: 'Multipart MIME Message',
    expected: {
      method: 'MESSAGE',
      contentType: { type: 'multipart', subtype: 'mixed', params: { boundary: '7a9cbec02ceef655' } },
      contentLength: 553,
      bodyLength: 553,
      routes: [{ displayName: undefined, uri: 'sip:127.0.0.1:5080', params: {} }],
    },
    check: (m) => {
      // The binary part (with NUL octets) is framed by Content-Length, not by text rules.
      assert.ok(m.body.includes(Buffer.from([0x01, 0x95, 0x00, 0x71])));
      assert.ok(m.body.toString('latin1').endsWith('--7a9cbec02ceef655--\r\n'));
    },
  },
  {
    name: 'unreason',
    section: '3.1.1.12',
    title: 'Unusual Reason Phrase',
    expected: { status: 200, reason: '= 2**3 * 5**2 но сто девяносто девять - простое', bodyLength: 154 },
  },
  {
    name: 'noreason',
    section: '3.1.1.13',
    title: 'Empty Reason Phrase',
    expected: { status: 100, reason: '', callId: 'noreason.asndj203insdf99223ndf' },
  },
];

const invalid: InvalidRow[] = [
  { name: 'badinv01', section: '3.1.2.1', title: 'Extraneous Header Field Separators', error: { reason: R.BadHeader, answer: 400 } },
  { name: 'clerr', section: '3.1.2.2', title: 'Content Length Larger Than Message', error: { reason: R.TruncatedBody, answer: 400 } },
  { name: 'ncl', section: '3.1.2.3', title: 'Negative Content-Length', error: { reason: R.BadContentLength, answer: 400 } },
  { name: 'scalar02', section: '3.1.2.4', title: 'Request Scalar Fields with Overlarge Values', error: { reason: R.BadHeader, answer: 400 } },
  { name: 'scalarlg', section: '3.1.2.5', title: 'Response Scalar Fields with Overlarge Values', error: { reason: R.BadHeader, answer: undefined } },
  { name: 'quotbal', section: '3.1.2.6', title: 'Unterminated Quoted String in Display Name', error: { reason: R.BadHeader, answer: 400 } },
  { name: 'ltgtruri', section: '3.1.2.7', title: '<> Enclosing Request-URI', error: { reason: R.BadUri, answer: 400 } },
  { name: 'lwsruri', section: '3.1.2.8', title: 'Malformed SIP Request-URI (embedded LWS)', error: { reason: R.BadStartLine, answer: 400 } },
  { name: 'lwsstart', section: '3.1.2.9', title: 'Multiple SP Separating Request-Line Elements', error: { reason: R.BadStartLine, answer: 400 } },
  { name: 'trws', section: '3.1.2.10', title: 'SP Characters at End of Request-Line', error: { reason: R.BadStartLine, answer: 400 } },
  { name: 'escruri', section: '3.1.2.11', title: 'Escaped Headers in SIP Request-URI', error: { reason: R.BadUri, answer: 400 } },
  { name: 'regbadct', section: '3.1.2.13', title: 'Failure to Enclose name-addr URI in <>', error: { reason: R.BadHeader, answer: 400 } },
  { name: 'badaspec', section: '3.1.2.14', title: 'Spaces within addr-spec', error: { reason: R.BadUri, answer: 400 } },
  { name: 'baddn', section: '3.1.2.15', title: 'Non-token Characters in Display Name', error: { reason: R.BadUri, answer: 400 } },
  { name: 'badvers', section: '3.1.2.16', title: 'Unknown Protocol Version', error: { reason: R.BadVersion, answer: 505 } },
  { name: 'mismatch01', section: '3.1.2.17', title: 'Start Line and CSeq Method Mismatch', error: { reason: R.CSeqMismatch, answer: 400 } },
  { name: 'mismatch02', section: '3.1.2.18', title: 'Unknown Method with CSeq Method Mismatch', error: { reason: R.CSeqMismatch, answer: 400 } },
  { name: 'bigcode', section: '3.1.2.19', title: 'Overlarge Response Code', error: { reason: R.BadStatusCode, answer: undefined } },
  { name: 'insuf', section: '3.3.1', title: 'Missing Required Header Fields', error: { reason: R.MissingHeader, answer: 400 } },
  { name: 'multi01', section: '3.3.8', title: 'Multiple Values in Single Value Required Fields', error: { reason: R.DuplicateHeader, answer: 400 } },
  { name: 'mcl01', section: '3.3.9', title: 'Multiple Content-Length Values', error: { reason: R.DuplicateHeader, answer: 400 } },
];

/** Messages the parser must accept; the RFC leaves the outcome to the transaction layer or the UA. */
const semantic: ValidRow[] = [
  {
    name: 'baddate',
    section: '3.1.2.12',
    title: 'Invalid Time Zone in Date Header Field (accepted, Date is not used)',
    expected: { 'header:Date': ['Fri, 01 Jan 2010 16:00:00 EST'], bodyLength: 150 },
  },
  {
    name: 'badbranch',
    section: '3.2.1',
    title: 'Missing Transaction Identifier (RFC 2543 matching fallback)',
    expected: { method: 'OPTIONS' },
    check: (m) => {
      const branch = viaBranch(m.headers.topVia());
      assert.equal(branch, 'z9hG4bK');
      assert.equal(isRfc3261Branch(branch), false);
      assert.match(serverTransactionKey(m as SipRequest), /^rfc2543\|/);
    },
  },
  {
    name: 'unkscm',
    section: '3.3.2',
    title: 'Request-URI with Unknown Scheme (UA answers 416)',
    expected: { uri: { scheme: 'nobodyknowsthisscheme', opaque: 'totallyopaquecontent' } },
  },
  {
    name: 'novelsc',
    section: '3.3.3',
    title: 'Request-URI with Known but Atypical Scheme (UA answers 416)',
    expected: { uri: { scheme: 'soap.beep', opaque: '//192.0.2.103:3002' } },
  },
  {
    name: 'unksm2',
    section: '3.3.4',
    title: 'Unknown URI Schemes in Header Fields',
    expected: {
      toUri: { scheme: 'isbn', opaque: '2983792873' },
      fromUri: { scheme: 'http', opaque: '//www.example.com' },
      contactUris: [{ scheme: 'name', opaque: 'John_Smith' }],
    },
  },
  {
    name: 'bext01',
    section: '3.3.5',
    title: 'Proxy-Require and Require (UA answers 420)',
    expected: { require: ['nothingSupportsThis', 'nothingSupportsThisEither'] },
    check: (m) => assert.deepEqual(m.headers.tokens('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']),
  },
  {
    name: 'invut',
    section: '3.3.6',
    title: 'Unknown Content-Type (UA answers 415)',
    expected: { contentType: { type: 'application', subtype: 'unknownformat', params: {} }, body: '<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n' },
  },
  {
    name: 'regaut01',
    section: '3.3.7',
    title: 'Unknown Authorization Scheme (registrar answers 401)',
    expected: { method: 'REGISTER' },
    check: (m) => {
      const [c] = m.headers.credentials('Authorization');
      assert.equal(c?.scheme, 'NoOneKnowsThisScheme');
      assert.deepEqual(Object.fromEntries(c?.params ?? []), { 'opaque-data': 'here' });
    },
  },
  {
    name: 'bcast',
    section: '3.3.10',
    title: '200 OK Response with Broadcast Via Header Field Value (UAC drops: two Vias)',
    expected: { status: 200, viaCount: 2 },
    check: (m) => assert.equal(m.headers.vias()[1]?.host, '255.255.255.255'),
  },
  { name: 'zeromf', section: '3.3.11', title: 'Max-Forwards of Zero', expected: { maxForwards: 0, method: 'OPTIONS' } },
  {
    name: 'cparam01',
    section: '3.3.12',
    title: 'REGISTER with a Contact Header Parameter',
    expected: { contacts: [{ displayName: undefined, uri: 'sip:+19725552222@gw1.example.net', params: { unknownparam: null } }] },
  },
  {
    name: 'cparam02',
    section: '3.3.13',
    title: 'REGISTER with a url-parameter',
    expected: { contacts: [{ displayName: undefined, uri: 'sip:+19725552222@gw1.example.net;unknownparam', params: {} }] },
  },
  {
    name: 'regescrt',
    section: '3.3.14',
    title: 'REGISTER with a URL Escaped Header',
    expected: {
      contactUris: [
        { scheme: 'sip', user: 'user', password: undefined, host: 'example.com', port: undefined, params: {}, headers: [['Route', '%3Csip:sip.example.com%3E']] },
      ],
    },
    check: () => assert.equal(unescapeUriComponent('%3Csip:sip.example.com%3E'), '<sip:sip.example.com>'),
  },
  {
    name: 'sdp01',
    section: '3.3.15',
    title: 'Unacceptable Accept Offering (UA answers 406/415)',
    expected: { 'header:Accept': ['text/nobodyKnowsThis'], bodyLength: 150 },
  },
  {
    name: 'inv2543',
    section: '3.4.1',
    title: 'INVITE with RFC 2543 Syntax',
    expected: {
      maxForwards: undefined,
      contentLength: undefined,
      bodyLength: 105,
      from: { displayName: undefined, uri: 'sip:+13035551111@ift.client.example.net;user=phone', params: {} },
      to: { displayName: undefined, uri: 'sip:+16505552222@ss1.example.net', params: { user: 'phone' } },
      recordRoutes: [{ displayName: undefined, uri: 'sip:UserB@example.com;maddr=ss1.example.com', params: {} }],
    },
    check: (m) => {
      assert.equal(viaBranch(m.headers.topVia()), undefined);
      assert.match(serverTransactionKey(m as SipRequest), /^rfc2543\|/);
    },
  },
];

const assertParses = (row: ValidRow): void => {
  const m = parseMessage(torture(row.name));
  for (const [key, value] of Object.entries(row.expected)) {
    assert.deepEqual(projectKey(m, key), value, `${row.name}: ${key}`);
  }
  row.check?.(m);
};

describe('RFC 4475 torture tests', () => {
  it('the table covers every message of RFC 4475 §3 (49 fixtures)', () => {
    const dir = fileURLToPath(new URL('../fixtures/sip/rfc4475/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();
    const rows = [...valid, ...invalid, ...semantic].map((r) => r.name).sort();
    assert.equal(files.length, 49);
    assert.deepEqual(rows, files);
  });

  describe('§3.1.1 valid messages: parseMessage() accepts with the values the RFC states', () => {
    for (const row of valid) it(`${row.section} ${row.name} (${row.title})`, () => assertParses(row));
  });

  describe('§3.1.2 / §3.3 invalid messages: parseMessage() throws SipParseError with the RFC outcome', () => {
    for (const row of invalid) {
      const outcome = row.error.answer === undefined ? 'response dropped' : `answered ${row.error.answer}`;
      it(`${row.section} ${row.name} (${row.title}) → ${row.error.reason}, ${outcome}`, () => {
        let caught: unknown;
        assert.throws(() => parseMessage(torture(row.name)), (err: unknown) => {
          caught = err;
          return err instanceof SipParseError;
        });
        const err = caught as SipParseError;
        assert.equal(err.reason, row.error.reason);
        assert.equal(err.code, 'UCS_ERR_SIP_PARSE');
        const answer = createErrorResponse(err);
        assert.equal(answer?.status, row.error.answer);
        if (answer) {
          // The answer echoes the recovered Via, Call-ID and CSeq so the client can match it.
          const raw = (name: string): string | undefined => err.partial?.headers.find((f) => f.name === name)?.value;
          assert.ok(serializeMessage(answer).toString('utf8').startsWith(`SIP/2.0 ${row.error.answer} `));
          assert.deepEqual(answer.headers.getAll('Via'), err.partial?.headers.filter((f) => f.name === 'Via').map((f) => f.value));
          assert.equal(answer.headers.get('Call-ID'), raw('Call-ID'));
          assert.equal(answer.headers.get('CSeq'), raw('CSeq'));
        }
      });
    }
  });

  describe('§3.1.2.12 / §3.2 / §3.3 / §3.4 semantic tests: parseMessage() accepts, the layer above decides', () => {
    for (const row of semantic) it(`${row.section} ${row.name} (${row.title})`, () => assertParses(row));
  });

  describe('round trip: parse(serialize(m)) equals m for every accepted message', () => {
    for (const row of [...valid, ...semantic]) {
      it(`${row.name} round-trips`, () => {
        const m = parseMessage(torture(row.name));
        const wire = serializeMessage(m);
        const again = parseMessage(wire);
        if (m.headers.has('Content-Length')) assert.deepEqual(again, m);
        else assert.deepEqual({ ...again, headers: undefined }, { ...m, headers: undefined });
        assert.deepEqual(serializeMessage(again), wire);
      });
    }
  });
});
