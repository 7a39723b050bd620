// SipHeaders (raw and typed access) and the header value codecs: Via, name-addr, CSeq, auth,
// Session-Expires / Min-SE, option tags, media types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalHeaderName,
  createNameAddr,
  createVia,
  expiresOf,
  formatChallenge,
  formatCredentials,
  formatCSeq,
  formatMediaType,
  formatNameAddr,
  formatSessionExpires,
  formatVia,
  isRfc3261Branch,
  parseChallenges,
  parseCredentials,
  parseCSeq,
  parseDeltaSeconds,
  parseMediaType,
  parseMinSE,
  parseNameAddr,
  parseNameAddrList,
  parseSessionExpires,
  parseSipUri,
  parseTokenList,
  parseVias,
  SipHeaders,
  SipParseError,
  splitHeaderList,
  viaBranch,
  viaMaddr,
  viaReceived,
  viaRport,
  viaSentBy,
  viaTtl,
} from '../../src/sip/mod.ts';
import { nameAddrView } from './project.ts';

describe('SipHeaders', () => {
  const h = (): SipHeaders =>
    new SipHeaders([
      ['v', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'],
      ['Via', 'SIP/2.0/UDP c;branch=z9hG4bK3'],
      ['Supported', 'timer'],
      ['X-A', '1'],
      ['supported', '100rel, path'],
    ]);

  it('constructor with compact and mixed-case names stores canonical names in order', () => {
    assert.deepEqual(h().entries().map((f) => f.name), ['Via', 'Via', 'Supported', 'X-A', 'Supported']);
  });
  it('get() returns the first line, getAll() every line, values() every list element', () => {
    const x = h();
    assert.equal(x.get('VIA'), 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2');
    assert.equal(x.getAll('v').length, 2);
    assert.deepEqual(x.values('Via'), ['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2', 'SIP/2.0/UDP c;branch=z9hG4bK3']);
    assert.deepEqual(x.values('k'), ['timer', '100rel', 'path']);
    assert.deepEqual(x.values('X-A'), ['1']);
  });
  it('has() / count() / size report presence', () => {
    const x = h();
    assert.equal(x.has('x-a'), true);
    assert.equal(x.has('X-B'), false);
    assert.equal(x.count('Supported'), 2);
    assert.equal(x.size, 5);
  });
  it('prepend() inserts before the first line of the name', () => {
    const x = h().prepend('Via', 'SIP/2.0/TCP top;branch=z9hG4bK0');
    assert.equal(x.vias()[0]?.host, 'top');
    assert.equal(x.entries()[0]?.name, 'Via');
  });
  it('prepend() of a new name puts it first', () => {
    assert.equal(h().prepend('Route', '<sip:p;lr>').entries()[0]?.name, 'Route');
  });
  it('set() replaces every line at the position of the first', () => {
    const x = h().set('Supported', ['a', 'b']);
    assert.deepEqual(x.entries().map((f) => `${f.name}:${f.value}`), [
      'Via:SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2',
      'Via:SIP/2.0/UDP c;branch=z9hG4bK3',
      'Supported:a',
      'Supported:b',
      'X-A:1',
    ]);
  });
  it('set() of an absent name appends', () => assert.equal(h().set('Expires', '60').entries().at(-1)?.name, 'Expires'));
  it('delete() removes every line and returns the count', () => {
    const x = h();
    assert.equal(x.delete('k'), 2);
    assert.equal(x.has('Supported'), false);
  });
  it('shift() removes the first list element, splitting a combined line', () => {
    const x = h();
    assert.equal(x.shift('Via'), 'SIP/2.0/UDP a;branch=z9hG4bK1');
    assert.deepEqual(x.vias().map((v) => v.host), ['b', 'c']);
    x.shift('Via');
    assert.deepEqual(x.vias().map((v) => v.host), ['c']);
    assert.equal(x.count('Via'), 1);
  });
  it('shift() of an absent header returns undefined', () => assert.equal(h().shift('Route'), undefined));
  it('clone() is independent', () => {
    const a = h();
    const b = a.clone();
    b.delete('Via');
    assert.equal(a.has('Via'), true);
  });
  it('iteration yields copies', () => {
    const x = h();
    for (const f of x) f.value = 'changed';
    assert.notEqual(x.get('X-A'), 'changed');
  });
  it('append() with an invalid name or CR/LF in the value throws TypeError', () => {
    assert.throws(() => new SipHeaders().append('Bad Name', 'x'), TypeError);
    assert.throws(() => new SipHeaders().append('X', 'a\r\nInjected: 1'), TypeError);
  });
  it('typed accessors of absent optional headers return undefined', () => {
    const x = new SipHeaders();
    assert.equal(x.maxForwards(), undefined);
    assert.equal(x.contentLength(), undefined);
    assert.equal(x.expires(), undefined);
    assert.equal(x.minExpires(), undefined);
    assert.equal(x.sessionExpires(), undefined);
    assert.equal(x.minSE(), undefined);
    assert.equal(x.contentType(), undefined);
    assert.deepEqual(x.contacts(), []);
    assert.deepEqual(x.routes(), []);
    assert.deepEqual(x.supported(), []);
  });
  it('typed accessors of absent required headers throw SipParseError(missing-header)', () => {
    const x = new SipHeaders();
    for (const f of [() => x.from(), () => x.to(), () => x.callId(), () => x.cseq(), () => x.topVia()]) {
      assert.throws(f, (e: unknown) => e instanceof SipParseError && e.reason === 'missing-header');
    }
  });
  it('expires() clamps huge values to 2**32-1 (RFC 4475 §3.1.2.4)', () => {
    assert.equal(new SipHeaders([['Expires', '1' + '0'.repeat(40)]]).expires(), 2 ** 32 - 1);
  });
  it('fromTag() / toTag() read the tag parameter', () => {
    const x = new SipHeaders([['From', '<sip:a@b>;tag=abc'], ['To', '<sip:c@d>']]);
    assert.equal(x.fromTag(), 'abc');
    assert.equal(x.toTag(), undefined);
  });
  it('canonicalHeaderName() expands compact forms and re-cases known names', () => {
    assert.deepEqual(['i', 'M', 'www-authenticate', 'cseq', 'x', 'X-Foo'].map(canonicalHeaderName), [
      'Call-ID', 'Contact', 'WWW-Authenticate', 'CSeq', 'Session-Expires', 'X-Foo',
    ]);
  });
});

describe('Via codec', () => {
  const rows: Array<{ name: string; input: string; expected: Array<Record<string, unknown>> }> = [
    { name: 'simple', input: 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds', expected: [{ transport: 'UDP', host: 'pc33.atlanta.com', port: undefined, branch: 'z9hG4bK776asdhds' }] },
    { name: 'port and lower-case transport', input: 'SIP/2.0/tcp 192.0.2.1:5070;branch=z9hG4bKx', expected: [{ transport: 'TCP', host: '192.0.2.1', port: 5070, branch: 'z9hG4bKx' }] },
    { name: 'LWS around separators', input: 'SIP / 2.0 / UDP  h.example.com : 5060 ; branch = z9hG4bKy', expected: [{ transport: 'UDP', host: 'h.example.com', port: 5060, branch: 'z9hG4bKy' }] },
    { name: 'two values', input: 'SIP/2.0/UDP a;branch=z9hG4bK1 , SIP/2.0/WS b.invalid;branch=z9hG4bK2', expected: [{ transport: 'UDP', host: 'a', port: undefined, branch: 'z9hG4bK1' }, { transport: 'WS', host: 'b.invalid', port: undefined, branch: 'z9hG4bK2' }] },
    { name: 'IPv6 sent-by', input: 'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3', expected: [{ transport: 'UDP', host: '[2001:db8::1]', port: 5060, branch: 'z9hG4bK3' }] },
  ];
  for (const row of rows) {
    it(`parseVias() with ${row.name}`, () => {
      const got = parseVias(row.input).map((v) => ({ transport: v.transport, host: v.host, port: v.port, branch: viaBranch(v) }));
      assert.deepEqual(got, row.expected);
    });
  }
  it('formatVia(parseVias()) round-trips', () => {
    const v = parseVias('SIP/2.0/UDP h:5060;rport;received=192.0.2.9;branch=z9hG4bK5;ttl=4;maddr=239.0.0.1')[0]!;
    assert.deepEqual(parseVias(formatVia(v))[0], v);
    assert.equal(viaRport(v), null);
    assert.equal(viaReceived(v), '192.0.2.9');
    assert.equal(viaTtl(v), 4);
    assert.equal(viaMaddr(v), '239.0.0.1');
    assert.equal(viaSentBy(v), 'h:5060');
  });
  it('viaRport() returns the number once filled in', () => assert.equal(viaRport(parseVias('SIP/2.0/UDP h;rport=1234;branch=z9hG4bK1')[0]!), 1234));
  it('createVia() builds SIP/2.0 with branch and rport flag', () => {
    assert.equal(formatVia(createVia({ transport: 'udp', host: '192.0.2.1', port: 5060, branch: 'z9hG4bKq', rport: true })), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKq;rport');
  });
  it('isRfc3261Branch() needs the magic cookie and at least one more character', () => {
    assert.deepEqual(['z9hG4bKa', 'z9hG4bK', 'abc', undefined].map(isRfc3261Branch), [true, false, false, false]);
  });
});

describe('name-addr codec', () => {
  const rows: Array<{ name: string; input: string; expected: Record<string, unknown> }> = [
    { name: 'addr-spec with header params', input: 'sip:alice@atlanta.com;tag=88sja8x', expected: { displayName: undefined, uri: 'sip:alice@atlanta.com', params: { tag: '88sja8x' } } },
    { name: 'name-addr with URI params vs header params', input: '<sip:alice@atlanta.com;transport=tcp>;tag=1', expected: { displayName: undefined, uri: 'sip:alice@atlanta.com;transport=tcp', params: { tag: '1' } } },
    { name: 'quoted display name', input: '"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7;expires=3600', expected: { displayName: 'Mr. Watson', uri: 'sip:watson@worcester.bell-telephone.com', params: { q: '0.7', expires: '3600' } } },
    { name: 'token display name', input: 'Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8', expected: { displayName: 'Anonymous', uri: 'sip:c8oqz84zk7z@privacy.org', params: { tag: 'hyh8' } } },
    { name: 'quoted param value', input: '<sip:a@b>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"', expected: { displayName: undefined, uri: 'sip:a@b', params: { '+sip.instance': '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>' } } },
    { name: 'tel URI', input: '<tel:+358-555-1234567;postd=pp22>', expected: { displayName: undefined, uri: 'tel:+358-555-1234567;postd=pp22', params: {} } },
  ];
  for (const row of rows) {
    it(`parseNameAddr() with ${row.name}`, () => assert.deepEqual(nameAddrView(parseNameAddr(row.input)), row.expected));
    it(`formatNameAddr(parseNameAddr()) with ${row.name} round-trips`, () => {
      const na = parseNameAddr(row.input);
      assert.deepEqual(parseNameAddr(formatNameAddr(na)), na);
    });
  }
  it('parseNameAddrList() splits at commas outside quotes and brackets', () => {
    const list = parseNameAddrList('"Doe, John" <sip:j@d;lr>, <sip:x@y?a=b%2Cc>;q=1, sip:z@w');
    assert.deepEqual(list.map((na) => na.displayName), ['Doe, John', undefined, undefined]);
    assert.equal(list.length, 3);
  });
  it('parseNameAddr() with a display name but no <> throws', () => assert.throws(() => parseNameAddr('Bob sip:bob@x'), SipParseError));
  it('createNameAddr() + formatNameAddr() quote the display name', () => {
    assert.equal(formatNameAddr(createNameAddr(parseSipUri('sip:a@b'), { displayName: 'A "x"', params: [['tag', '1']] })), '"A \\"x\\"" <sip:a@b>;tag=1');
  });
  it('expiresOf() reads the Contact expires parameter, clamping huge values (RFC 4475 scalar02)', () => {
    const [a, b, c] = parseNameAddrList('<sip:a@h>;expires=3600, <sip:b@h>, <sip:c@h>;expires=280297596632815');
    assert.deepEqual([expiresOf(a!), expiresOf(b!), expiresOf(c!)], [3600, undefined, 2 ** 32 - 1]);
    assert.throws(() => expiresOf(parseNameAddr('<sip:d@h>;expires=soon')), SipParseError);
  });
  it('splitHeaderList() splits raw list values', () => {
    assert.deepEqual(splitHeaderList('a, "b,c" ,<d,e>;x=1,, f'), ['a', '"b,c"', '<d,e>;x=1', 'f']);
  });
});

describe('CSeq codec', () => {
  it('parseCSeq() with LWS and leading zeros', () => assert.deepEqual(parseCSeq(' 0042   INVITE '), { seq: 42, method: 'INVITE' }));
  it('parseCSeq() at 2**31-1 is accepted', () => assert.equal(parseCSeq('2147483647 BYE').seq, 2147483647));
  it('formatCSeq() writes "seq METHOD"', () => assert.equal(formatCSeq({ seq: 7, method: 'BYE' }), '7 BYE'));
  for (const bad of ['', 'INVITE', '1', '1INVITE', '-1 INVITE', '1 INV ITE', '99999999999 INVITE']) {
    it(`parseCSeq() with "${bad}" throws SipParseError`, () => assert.throws(() => parseCSeq(bad), SipParseError));
  }
});

describe('auth codecs', () => {
  it('parseChallenges() with one Digest challenge unquotes values', () => {
    const [c] = parseChallenges('Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5');
    assert.equal(c?.scheme, 'Digest');
    assert.deepEqual(Object.fromEntries(c?.params ?? []), {
      realm: 'atlanta.com', domain: 'sip:boxesbybob.com', qop: 'auth', nonce: 'f84f1cec41e6cbe5aea9c8e88d359', opaque: '', stale: 'FALSE', algorithm: 'MD5',
    });
  });
  it('parseChallenges() with two challenges in one value separates them', () => {
    const cs = parseChallenges('Digest realm="a", nonce="1", algorithm=SHA-256, Digest realm="a", nonce="1", algorithm=MD5, Basic realm="b"');
    assert.deepEqual(cs.map((c) => [c.scheme, c.params.get('algorithm') ?? c.params.get('realm')]), [['Digest', 'SHA-256'], ['Digest', 'MD5'], ['Basic', 'b']]);
  });
  it('parseChallenges() with a quoted-pair in a value', () => {
    assert.equal(parseChallenges('Digest realm="a\\"b", nonce="n"')[0]?.params.get('realm'), 'a"b');
  });
  it('parseCredentials() with Digest response fields', () => {
    const [c] = parseCredentials('Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    assert.equal(c?.params.get('nc'), '00000001');
    assert.equal(c?.params.get('uri'), 'sip:bob@biloxi.com');
    assert.equal(c?.params.size, 9);
  });
  it('formatCredentials() quotes strings but not qop, nc, algorithm', () => {
    const text = formatCredentials({ scheme: 'Digest', params: new Map([['username', 'bob'], ['qop', 'auth'], ['nc', '00000001'], ['algorithm', 'MD5'], ['response', 'abc']]) });
    assert.equal(text, 'Digest username="bob", qop=auth, nc=00000001, algorithm=MD5, response="abc"');
    assert.deepEqual(parseCredentials(text)[0]?.params.get('username'), 'bob');
  });
  it('formatChallenge() quotes qop and keeps stale and algorithm bare', () => {
    assert.equal(formatChallenge({ scheme: 'Digest', params: new Map([['realm', 'r'], ['qop', 'auth,auth-int'], ['stale', 'true'], ['algorithm', 'SHA-256']]) }), 'Digest realm="r", qop="auth,auth-int", stale=true, algorithm=SHA-256');
  });
  for (const bad of ['', 'Digest realm=', 'Digest realm="a', 'Digest =x', 'Digest realm="a" nonce="b"', 'Digest realm="a", realm="b"']) {
    it(`parseChallenges() with '${bad}' throws SipParseError`, () => assert.throws(() => parseChallenges(bad), SipParseError));
  }
});

describe('scalar header codecs', () => {
  it('parseSessionExpires() with refresher', () => {
    const se = parseSessionExpires('1800;refresher=uac');
    assert.equal(se.interval, 1800);
    assert.equal(se.refresher, 'uac');
    assert.deepEqual(parseSessionExpires(formatSessionExpires(se)), se);
  });
  it('parseSessionExpires() without refresher and with extension params', () => {
    const se = parseSessionExpires(' 90 ; foo=bar');
    assert.equal(se.refresher, undefined);
    assert.equal(se.params.get('foo'), 'bar');
  });
  it('parseSessionExpires() with refresher=both throws', () => assert.throws(() => parseSessionExpires('90;refresher=both'), SipParseError));
  it('parseMinSE() reads delta-seconds and ignores params', () => assert.equal(parseMinSE('90;x=y'), 90));
  it('parseMinSE() with a non-number throws', () => assert.throws(() => parseMinSE('soon'), SipParseError));
  it('parseDeltaSeconds() clamps to 2**32-1', () => assert.equal(parseDeltaSeconds('99999999999', 'Expires'), 2 ** 32 - 1));
  it('parseMediaType() lower-cases type and subtype', () => {
    const m = parseMediaType('Application/SDP;charset=UTF-8');
    assert.deepEqual([m.type, m.subtype, m.params.get('charset')], ['application', 'sdp', 'UTF-8']);
    assert.equal(formatMediaType(m), 'application/sdp;charset=UTF-8');
  });
  it('parseTokenList() with empty value returns []', () => assert.deepEqual(parseTokenList('  ', 'Supported'), []));
  it('parseTokenList() with a non-token throws', () => assert.throws(() => parseTokenList('a, b c', 'Require'), SipParseError));
  it('createVia() + typed accessors of SipHeaders agree', () => {
    const h = new SipHeaders([['Via', formatVia(createVia({ transport: 'TCP', host: 'x.example', branch: 'z9hG4bKz' }))]]);
    assert.equal(viaBranch(h.topVia()), 'z9hG4bKz');
  });
});
