// serializeMessage(), the message builders (createRequest, createResponse, CANCEL, non-2xx ACK) and
// next-hop routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cloneMessage,
  createCancel,
  createNon2xxAck,
  createRequest,
  createResponse,
  describeMessage,
  destinationOfUri,
  generateBranch,
  generateCallId,
  generateTag,
  isRfc3261Branch,
  nextHop,
  parseMessage,
  parseSipUri,
  parseUri,
  reasonPhrase,
  serializeHead,
  serializeMessage,
  SipHeaders,
  type SipMessage,
} from '../../src/sip/mod.ts';
import { sampleRequest, sampleResponse } from './sampleMessages.ts';

describe('serializeMessage()', () => {
  it('serializeMessage() writes start line, headers in order, CRLF, body', () => {
    const m = createRequest({
      method: 'MESSAGE',
      uri: parseSipUri('sip:bob@example.com'),
      headers: [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['To', '<sip:bob@example.com>'], ['From', '<sip:a@b>;tag=1'], ['Call-ID', 'x'], ['CSeq', '1 MESSAGE']],
      body: 'hello',
      contentType: 'text/plain',
    });
    assert.equal(
      serializeMessage(m).toString(),
      'MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
    );
  });
  it('serializeMessage() fixes a stale Content-Length and adds a missing one', () => {
    const m = sampleRequest();
    m.body = Buffer.from('abcdef');
    assert.match(serializeHead(m), /\r\nContent-Length: 6\r\n\r\n$/);
    m.headers.delete('Content-Length');
    assert.match(serializeHead(m), /\r\nContent-Length: 6\r\n\r\n$/);
  });
  it('serializeMessage() of a response writes the status line', () => {
    const res = createResponse(sampleRequest(), 486, { toTag: 't' });
    assert.ok(serializeMessage(res).toString().startsWith('SIP/2.0 486 Busy Here\r\n'));
  });
  it('serializeMessage() keeps binary bodies intact', () => {
    const m = sampleRequest({ method: 'MESSAGE' });
    m.body = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]);
    assert.deepEqual(parseMessage(serializeMessage(m)).body, m.body);
  });

  const roundTrips: Array<{ name: string; message: () => SipMessage }> = [
    { name: 'INVITE with SDP body', message: () => sampleRequest({ body: 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n' }) },
    { name: 'OPTIONS without body', message: () => sampleRequest({ method: 'OPTIONS' }) },
    { name: '200 with Record-Route', message: () => sampleResponse(sampleRequest({ extra: [['Record-Route', '<sip:p1;lr>']] }), 200) },
    { name: '100 Trying', message: () => createResponse(sampleRequest(), 100) },
    { name: 'request to an IPv6 URI with UTF-8 header', message: () => sampleRequest({ uri: 'sip:bob@[2001:db8::1]:5070;transport=udp', extra: [['Subject', 'Grüße']] }) },
    { name: 'tel Request-URI', message: () => sampleRequest({ uri: 'sip:x@y', method: 'OPTIONS' }) },
  ];
  for (const row of roundTrips) {
    it(`parse(serialize(m)) with ${row.name} deep-equals m`, () => {
      const m = row.message();
      assert.deepEqual(parseMessage(serializeMessage(m)), m);
    });
  }
});

describe('createResponse()', () => {
  it('createResponse() copies Via (all, in order), From, To, Call-ID, CSeq and adds the To tag', () => {
    const req = sampleRequest({ extra: [['Via', 'SIP/2.0/UDP proxy;branch=z9hG4bKp']] });
    const res = createResponse(req, 200, { toTag: 'xyz' });
    assert.deepEqual(res.headers.getAll('Via'), req.headers.getAll('Via'));
    assert.equal(res.headers.get('From'), req.headers.get('From'));
    assert.equal(res.headers.toTag(), 'xyz');
    assert.equal(res.headers.callId(), req.headers.callId());
    assert.deepEqual(res.headers.cseq(), req.headers.cseq());
    assert.equal(res.reason, 'OK');
  });
  it('createResponse() for 100 does not add a To tag', () => {
    assert.equal(createResponse(sampleRequest(), 100, { toTag: 'x' }).headers.toTag(), undefined);
  });
  it('createResponse() keeps an existing To tag', () => {
    assert.equal(createResponse(sampleRequest({ toTag: 'old' }), 200, { toTag: 'new' }).headers.toTag(), 'old');
  });
  it('createResponse() copies Record-Route on 1xx/2xx only', () => {
    const req = sampleRequest({ extra: [['Record-Route', '<sip:p1;lr>'], ['Record-Route', '<sip:p2;lr>']] });
    assert.equal(createResponse(req, 180, { toTag: 't' }).headers.count('Record-Route'), 2);
    assert.equal(createResponse(req, 200, { toTag: 't' }).headers.count('Record-Route'), 2);
    assert.equal(createResponse(req, 486, { toTag: 't' }).headers.count('Record-Route'), 0);
  });
  it('createResponse() with body sets Content-Type and Content-Length', () => {
    const res = createResponse(sampleRequest(), 200, { body: 'v=0\r\n', contentType: 'application/sdp', toTag: 't' });
    assert.equal(res.headers.get('Content-Type'), 'application/sdp');
    assert.equal(res.headers.contentLength(), 5);
  });
  for (const bad of [99, 700, 200.5]) {
    it(`createResponse() with status ${bad} throws TypeError`, () => assert.throws(() => createResponse(sampleRequest(), bad), TypeError));
  }
  it('reasonPhrase() falls back to the class default', () => {
    assert.deepEqual([reasonPhrase(180), reasonPhrase(299), reasonPhrase(499), reasonPhrase(650)], ['Ringing', 'OK', 'Bad Request', 'Busy Everywhere']);
  });
});

describe('derived requests', () => {
  it('createCancel() copies Request-URI, top Via, From, To, Call-ID, CSeq number and Route', () => {
    const invite = sampleRequest({ extra: [['Route', '<sip:p1;lr>']] });
    const cancel = createCancel(invite);
    assert.equal(cancel.method, 'CANCEL');
    assert.deepEqual(cancel.uri, invite.uri);
    assert.equal(cancel.headers.get('Via'), invite.headers.get('Via'));
    assert.deepEqual(cancel.headers.cseq(), { seq: 314159, method: 'CANCEL' });
    assert.equal(cancel.headers.get('To'), invite.headers.get('To'));
    assert.deepEqual(cancel.headers.getAll('Route'), ['<sip:p1;lr>']);
    assert.equal(cancel.headers.has('Contact'), false);
  });
  it('createCancel() of a non-INVITE throws TypeError', () => assert.throws(() => createCancel(sampleRequest({ method: 'BYE' })), TypeError));
  it('createNon2xxAck() takes To (with tag) from the response and the branch of the INVITE', () => {
    const invite = sampleRequest();
    const res = sampleResponse(invite, 486, 'rtag');
    const ack = createNon2xxAck(invite, res);
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.headers.toTag(), 'rtag');
    assert.equal(ack.headers.get('Via'), invite.headers.get('Via'));
    assert.deepEqual(ack.headers.cseq(), { seq: 314159, method: 'ACK' });
    assert.equal(ack.body.length, 0);
  });
  it('cloneMessage() copies headers and body', () => {
    const a = sampleRequest({ body: 'x' });
    const b = cloneMessage(a);
    b.headers.set('Call-ID', 'other');
    b.body[0] = 0x79;
    assert.notEqual(a.headers.callId(), 'other');
    assert.equal(a.body.toString(), 'x');
  });
  it('createRequest() with an invalid method throws TypeError', () => assert.throws(() => createRequest({ method: 'BAD METHOD', uri: parseSipUri('sip:a@b') }), TypeError));
  it('generateBranch(), generateTag(), generateCallId() are random and well-formed', () => {
    const branches = new Set(Array.from({ length: 100 }, generateBranch));
    assert.equal(branches.size, 100);
    assert.ok([...branches].every(isRfc3261Branch));
    assert.match(generateTag(), /^[A-Za-z0-9]+$/);
    assert.match(generateCallId('host.example'), /^[A-Za-z0-9]+@host\.example$/);
    const h = new SipHeaders([['Call-ID', generateCallId()]]);
    assert.ok(h.callId().length >= 16);
  });
  it('describeMessage() names method or status with CSeq and Call-ID', () => {
    assert.equal(describeMessage(sampleRequest()), 'INVITE [cseq:314159 INVITE, callId:a84b4c76e66710@pc33.atlanta.example.com]');
  });
});

describe('routing', () => {
  const rows: Array<{ name: string; uri: string; expected: Record<string, unknown> }> = [
    { name: 'plain sip URI', uri: 'sip:bob@biloxi.example.com', expected: { protocol: 'UDP', host: 'biloxi.example.com', port: 5060 } },
    { name: 'transport=tcp with port', uri: 'sip:bob@192.0.2.4:5070;transport=TCP', expected: { protocol: 'TCP', host: '192.0.2.4', port: 5070 } },
    { name: 'sips defaults to TLS 5061', uri: 'sips:bob@biloxi.example.com', expected: { protocol: 'TLS', host: 'biloxi.example.com', port: 5061 } },
    { name: 'maddr overrides the host', uri: 'sip:bob@biloxi.example.com;maddr=192.0.2.9', expected: { protocol: 'UDP', host: '192.0.2.9', port: 5060 } },
    { name: 'IPv6 host is unbracketed', uri: 'sip:[2001:db8::1]:5080', expected: { protocol: 'UDP', host: '2001:db8::1', port: 5080 } },
  ];
  for (const row of rows) it(`destinationOfUri() with ${row.name}`, () => assert.deepEqual(destinationOfUri(parseUri(row.uri)), row.expected));
  it('destinationOfUri() with a tel URI throws TypeError', () => assert.throws(() => destinationOfUri(parseUri('tel:+123')), TypeError));
  it('nextHop() prefers the top Route over the Request-URI', () => {
    assert.deepEqual(nextHop(sampleRequest({ extra: [['Route', '<sip:proxy.example.com:5080;lr;transport=tcp>']] })), { protocol: 'TCP', host: 'proxy.example.com', port: 5080 });
    assert.deepEqual(nextHop(sampleRequest()), { protocol: 'UDP', host: 'biloxi.example.com', port: 5060 });
  });
});
