// The media mark's codec (X-UCS-Media: <nodeId>;call=<callId>): what we write reads back, and every value
// that is not exactly that shape with two id tokens is refused with a reason, never thrown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMediaMark, MEDIA_MARK_HEADER, MEDIA_MARK_MAX_LENGTH, mediaMarkHeaders, parseMediaMark, readMediaMark } from '../../src/media/mediaMark.ts';
import { SipHeaders } from '../../src/sip/SipHeaders.ts';

const id128 = 'n'.repeat(128);

describe('parseMediaMark()', () => {
  const valid: Array<{ name: string; input: string; nodeId: string; callId: string }> = [
    { name: 'as we write it', input: 'media-1;call=3f2a-77', nodeId: 'media-1', callId: '3f2a-77' },
    { name: 'a UUID call id', input: 'host-a-4711;call=6c7a0a7e-8d44-4b7e-9d0e-2f1c5a3b9e10', nodeId: 'host-a-4711', callId: '6c7a0a7e-8d44-4b7e-9d0e-2f1c5a3b9e10' },
    { name: 'every id character (_ : @ + -)', input: 'a_b:c@d+e-f;call=X_1:2@3+4-5', nodeId: 'a_b:c@d+e-f', callId: 'X_1:2@3+4-5' },
    { name: 'LWS around ; and = and at the ends', input: '  media-1 ;\tcall = c1  ', nodeId: 'media-1', callId: 'c1' },
    { name: 'the parameter name in upper case', input: 'media-1;CALL=c1', nodeId: 'media-1', callId: 'c1' },
    { name: 'ids of 128 characters', input: `${id128};call=${id128}`, nodeId: id128, callId: id128 },
  ];
  for (const row of valid) {
    it(`reads ${row.name}`, () => assert.deepEqual(parseMediaMark(row.input), { kind: 'mark', mark: { nodeId: row.nodeId, callId: row.callId } }));
  }

  const invalid: Array<{ name: string; input: string; reason: RegExp }> = [
    { name: 'empty', input: '', reason: /not <nodeId>;call=<callId>/ },
    { name: 'a node id alone', input: 'media-1', reason: /not <nodeId>;call=<callId>/ },
    { name: 'no call id', input: 'media-1;call=', reason: /not <nodeId>;call=<callId>/ },
    { name: 'no node id', input: ';call=c1', reason: /not <nodeId>;call=<callId>/ },
    { name: 'a parameter without value', input: 'media-1;call', reason: /not <nodeId>;call=<callId>/ },
    { name: 'another parameter', input: 'media-1;leg=c1', reason: /unknown parameter 'leg'/ },
    { name: 'a second parameter', input: 'media-1;call=c1;x=y', reason: /not <nodeId>;call=<callId>/ },
    { name: 'two calls', input: 'media-1;call=c1;call=c2', reason: /not <nodeId>;call=<callId>/ },
    { name: 'a comma list', input: 'media-1;call=c1, media-2;call=c2', reason: /not <nodeId>;call=<callId>/ },
    { name: 'a space inside the node id', input: 'media 1;call=c1', reason: /not <nodeId>;call=<callId>/ },
    { name: 'a dot in the node id', input: 'media.1;call=c1', reason: /node id is not an id token/ },
    { name: 'a slash in the call id', input: 'media-1;call=../etc', reason: /call id is not an id token/ },
    { name: 'quotes', input: '"media-1";call=c1', reason: /node id is not an id token/ },
    { name: 'a subject wildcard in the node id', input: 'media-*;call=c1', reason: /node id is not an id token/ },
    { name: 'a NATS token separator in the node id', input: 'media>;call=c1', reason: /node id is not an id token/ },
    { name: 'non-ASCII', input: 'médiä;call=c1', reason: /node id is not an id token/ },
    { name: 'a control character', input: 'media-1;call=c1\u0000', reason: /call id is not an id token/ },
    { name: 'a node id of 129 characters', input: `${id128}n;call=c1`, reason: /node id is not an id token/ },
    { name: 'a call id of 129 characters', input: `media-1;call=${id128}c`, reason: /call id is not an id token/ },
    { name: `longer than ${MEDIA_MARK_MAX_LENGTH} characters`, input: `media-1;call=c1${' '.repeat(MEDIA_MARK_MAX_LENGTH)}`, reason: /longer than 300/ },
    { name: 'a megabyte', input: 'x'.repeat(1 << 20), reason: /longer than 300/ },
  ];
  for (const row of invalid) {
    it(`refuses ${row.name}`, () => {
      const reading = parseMediaMark(row.input);
      assert.equal(reading.kind, 'invalid');
      assert.match((reading as { reason: string }).reason, row.reason);
    });
  }
});

describe('formatMediaMark() / mediaMarkHeaders()', () => {
  it('writes <nodeId>;call=<callId>, which parses back to the same ids', () => {
    const mark = { nodeId: 'media-1', callId: '6c7a0a7e-8d44-4b7e-9d0e-2f1c5a3b9e10' };
    assert.equal(formatMediaMark(mark), 'media-1;call=6c7a0a7e-8d44-4b7e-9d0e-2f1c5a3b9e10');
    assert.deepEqual(parseMediaMark(formatMediaMark(mark)!), { kind: 'mark', mark });
    assert.deepEqual(mediaMarkHeaders(mark), [[MEDIA_MARK_HEADER, 'media-1;call=6c7a0a7e-8d44-4b7e-9d0e-2f1c5a3b9e10']]);
  });
  it('writes no header when marking is off (SIP_MEDIA_MARK=false)', () => {
    assert.deepEqual(mediaMarkHeaders({ nodeId: 'media-1', callId: 'c1' }, false), []);
    assert.deepEqual(mediaMarkHeaders({ nodeId: 'media-1', callId: 'c1' }, true), [[MEDIA_MARK_HEADER, 'media-1;call=c1']]);
  });
  const unwritable: Array<{ name: string; nodeId: string; callId: string }> = [
    { name: 'an empty node id', nodeId: '', callId: 'c1' },
    { name: 'a node id with a semicolon', nodeId: 'a;call=b', callId: 'c1' },
    { name: 'a call id with CRLF (header injection)', nodeId: 'media-1', callId: 'c1\r\nVia: x' },
  ];
  for (const row of unwritable) {
    it(`writes no header for ${row.name}`, () => {
      assert.equal(formatMediaMark(row), undefined);
      assert.deepEqual(mediaMarkHeaders(row), []);
    });
  }
});

describe('readMediaMark()', () => {
  const headers = (lines: Array<[string, string]>): SipHeaders => {
    const h = new SipHeaders();
    for (const [name, value] of lines) h.append(name, value);
    return h;
  };
  it('no header: none', () => assert.deepEqual(readMediaMark(headers([['Subject', 'x']])), { kind: 'none' }));
  it('one header, matched case-insensitively', () => {
    assert.deepEqual(readMediaMark(headers([['x-ucs-media', 'media-2;call=c9']])), { kind: 'mark', mark: { nodeId: 'media-2', callId: 'c9' } });
  });
  it('two headers: ignored (which one would be meant?)', () => {
    const reading = readMediaMark(headers([[MEDIA_MARK_HEADER, 'media-1;call=c1'], [MEDIA_MARK_HEADER, 'media-2;call=c2']]));
    assert.deepEqual(reading, { kind: 'invalid', reason: `2 ${MEDIA_MARK_HEADER} headers` });
  });
  it('one garbage header: invalid with its reason', () => {
    assert.deepEqual(readMediaMark(headers([[MEDIA_MARK_HEADER, 'garbage']])), { kind: 'invalid', reason: 'not <nodeId>;call=<callId>' });
  });
});
