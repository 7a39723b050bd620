// URIs: parse/format tables, round trips, RFC 3261 §19.1.4 equality examples, escaping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSipUri,
  formatUri,
  parseHostPort,
  parseSipUri,
  parseUri,
  SipParseError,
  SipParseErrorReason,
  unescapeUriComponent,
  uriEquals,
} from '../../src/sip/mod.ts';
import { uriView } from './project.ts';

const ok: Array<{ name: string; input: string; expected: Record<string, unknown> }> = [
  { name: 'host only', input: 'sip:example.com', expected: { scheme: 'sip', user: undefined, password: undefined, host: 'example.com', port: undefined, params: {}, headers: [] } },
  { name: 'user, port, params', input: 'sip:alice@atlanta.com:5070;transport=TCP;lr', expected: { scheme: 'sip', user: 'alice', password: undefined, host: 'atlanta.com', port: 5070, params: { transport: 'TCP', lr: null }, headers: [] } },
  { name: 'password', input: 'sip:alice:secretword@atlanta.com;transport=tcp', expected: { scheme: 'sip', user: 'alice', password: 'secretword', host: 'atlanta.com', port: undefined, params: { transport: 'tcp' }, headers: [] } },
  { name: 'empty password', input: 'sip:alice:@atlanta.com', expected: { scheme: 'sip', user: 'alice', password: '', host: 'atlanta.com', port: undefined, params: {}, headers: [] } },
  { name: 'sips with headers', input: 'sips:alice@atlanta.com?subject=project%20x&priority=urgent', expected: { scheme: 'sips', user: 'alice', password: undefined, host: 'atlanta.com', port: undefined, params: {}, headers: [['subject', 'project%20x'], ['priority', 'urgent']] } },
  { name: 'telephone-subscriber user', input: 'sip:+1-212-555-1212:1234@gateway.com;user=phone', expected: { scheme: 'sip', user: '+1-212-555-1212', password: '1234', host: 'gateway.com', port: undefined, params: { user: 'phone' }, headers: [] } },
  { name: 'IPv4 host with port', input: 'sip:alice@192.0.2.4:5060', expected: { scheme: 'sip', user: 'alice', password: undefined, host: '192.0.2.4', port: 5060, params: {}, headers: [] } },
  { name: 'IPv6 reference with port and params', input: 'sip:[2001:db8::10]:5070;transport=udp', expected: { scheme: 'sip', user: undefined, password: undefined, host: '[2001:db8::10]', port: 5070, params: { transport: 'udp' }, headers: [] } },
  { name: 'IPv6 reference without port, ";" after ]', input: 'sip:bob@[::1];maddr=[::2]', expected: { scheme: 'sip', user: 'bob', password: undefined, host: '[::1]', port: undefined, params: { maddr: '[::2]' }, headers: [] } },
  { name: 'header with sip URI value', input: 'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', expected: { scheme: 'sip', user: undefined, password: undefined, host: 'biloxi.com', port: undefined, params: { transport: 'tcp', method: 'REGISTER' }, headers: [['to', 'sip:bob%40biloxi.com']] } },
  { name: 'scheme is case-insensitive', input: 'SIP:ALICE@AtLanTa.CoM;Transport=udp', expected: { scheme: 'sip', user: 'ALICE', password: undefined, host: 'AtLanTa.CoM', port: undefined, params: { transport: 'udp' }, headers: [] } },
  { name: 'trailing dot in host name', input: 'sip:alice@example.com.', expected: { scheme: 'sip', user: 'alice', password: undefined, host: 'example.com.', port: undefined, params: {}, headers: [] } },
  { name: 'tel URI global number', input: 'tel:+1-201-555-0123', expected: { scheme: 'tel', number: '+1-201-555-0123', params: {} } },
  { name: 'tel URI local number with context', input: 'tel:7042;phone-context=example.com', expected: { scheme: 'tel', number: '7042', params: { 'phone-context': 'example.com' } } },
  { name: 'absolute URI kept opaque', input: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', expected: { scheme: 'urn', opaque: 'uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' } },
  { name: 'mailto', input: 'mailto:alice@example.com', expected: { scheme: 'mailto', opaque: 'alice@example.com' } },
];

const bad: Array<{ name: string; input: string }> = [
  { name: 'no scheme', input: 'alice@example.com' },
  { name: 'empty', input: '' },
  { name: 'scheme starting with digit', input: '1sip:a@b' },
  { name: 'space in host', input: 'sip:alice@exa mple.com' },
  { name: 'port too large', input: 'sip:alice@example.com:65536' },
  { name: 'port not numeric', input: 'sip:alice@example.com:50a' },
  { name: 'empty host', input: 'sip:alice@' },
  { name: 'unterminated IPv6', input: 'sip:[2001:db8::1' },
  { name: 'IPv6 without brackets', input: 'sip:2001:db8::1' },
  { name: 'invalid IPv6', input: 'sip:[2001:db8::g]' },
  { name: 'bad escape in user', input: 'sip:a%2@example.com' },
  { name: '"<" in user', input: 'sip:a<b@example.com' },
  { name: 'empty parameter name', input: 'sip:example.com;=x' },
  { name: 'duplicate parameter', input: 'sip:example.com;lr;LR' },
  { name: 'header without "="', input: 'sip:example.com?subject' },
  { name: 'tel with letters', input: 'tel:call-me' },
  { name: 'absolute URI with space', input: 'http://a b' },
  { name: 'absolute URI with empty body', input: 'urn:' },
  { name: 'numeric top label', input: 'sip:host.123' },
];

describe('parseUri()', () => {
  for (const row of ok) {
    it(`parseUri() with ${row.name} returns its components`, () => assert.deepEqual(uriView(parseUri(row.input)), row.expected));
    it(`formatUri(parseUri()) with ${row.name} round-trips`, () => {
      const u = parseUri(row.input);
      assert.deepEqual(parseUri(formatUri(u)), u);
    });
  }
  for (const row of bad) {
    it(`parseUri() with ${row.name} throws SipParseError(bad-uri)`, () =>
      assert.throws(() => parseUri(row.input), (e: unknown) => e instanceof SipParseError && e.reason === SipParseErrorReason.BadUri));
  }
  it('parseSipUri() with a tel URI throws SipParseError', () => assert.throws(() => parseSipUri('tel:+123'), SipParseError));
});

describe('uriEquals() (RFC 3261 §19.1.4 examples)', () => {
  const equal: Array<[string, string]> = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
  ];
  const different: Array<[string, string]> = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;newparam=6'],
  ];
  for (const [a, b] of equal) it(`uriEquals() with ${a} and ${b} is true`, () => assert.equal(uriEquals(parseUri(a), parseUri(b)), true));
  for (const [a, b] of different) it(`uriEquals() with ${a} and ${b} is false`, () => assert.equal(uriEquals(parseUri(a), parseUri(b)), false));
  it('uriEquals() with identical tel URIs is true', () => assert.equal(uriEquals(parseUri('tel:+1234'), parseUri('tel:+1234')), true));
});

describe('URI helpers', () => {
  it('unescapeUriComponent() decodes UTF-8 escapes and keeps invalid ones', () => {
    assert.equal(unescapeUriComponent('I%20have%20spaces'), 'I have spaces');
    assert.equal(unescapeUriComponent('caf%C3%A9'), 'café');
    assert.equal(unescapeUriComponent('%zz%4'), '%zz%4');
  });
  it('createSipUri() builds a URI that formats as expected', () => {
    const u = createSipUri({ user: 'bob', host: '192.0.2.1', port: 5062, params: [['Transport', 'tcp'], ['lr', null]] });
    assert.equal(formatUri(u), 'sip:bob@192.0.2.1:5062;transport=tcp;lr');
  });
  it('parseHostPort() splits host and port, IPv6 included', () => {
    assert.deepEqual(parseHostPort('example.com:5060'), { host: 'example.com', port: 5060 });
    assert.deepEqual(parseHostPort('[::1]:5070'), { host: '[::1]', port: 5070 });
    assert.deepEqual(parseHostPort('[::1]'), { host: '[::1]', port: undefined });
    assert.throws(() => parseHostPort('[::1]x'), SipParseError);
  });
});
