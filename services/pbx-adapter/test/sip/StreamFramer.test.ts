// StreamFramer: framing by Content-Length for any chunking, keep-alives, limits and failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage, SipParseError, SipParseErrorReason, StreamFramer, type FramedItem } from '../../src/sip/mod.ts';
import { torture } from './rfc4475.ts';

const msg = (callId: string, body = ''): string =>
  [
    'MESSAGE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK' + callId,
    'To: <sip:bob@example.com>',
    'From: <sip:a@example.com>;tag=1',
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

const messagesOf = (items: FramedItem[]): string[] =>
  items.filter((i): i is { type: 'message'; data: Buffer } => i.type === 'message').map((i) => parseMessage(i.data).headers.callId());

describe('StreamFramer', () => {
  const stream = Buffer.from(msg('one', 'body-1') + msg('two') + '\r\n\r\n' + msg('three', 'x\r\n\r\ny') + msg('four', 'äöü'));

  it('push() with the whole stream at once returns every message and the ping in order', () => {
    const items = new StreamFramer().push(stream);
    assert.deepEqual(items.map((i) => i.type), ['message', 'message', 'ping', 'message', 'message']);
    assert.deepEqual(messagesOf(items), ['one', 'two', 'three', 'four']);
  });

  it('push() split at every byte offset yields the same messages with bodies intact', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const f = new StreamFramer();
      const items = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      assert.deepEqual(messagesOf(items), ['one', 'two', 'three', 'four'], `cut at ${cut}`);
      assert.equal(f.buffered, 0);
      const bodies = items.filter((i) => i.type === 'message').map((i) => parseMessage((i as { data: Buffer }).data).body.toString());
      assert.deepEqual(bodies, ['body-1', '', 'x\r\n\r\ny', 'äöü']);
      // A ping split across chunks is reported as pong+ping; a ping is always seen.
      assert.ok(items.some((i) => i.type === 'ping'), `ping lost at cut ${cut}`);
    }
  });

  it('push() one byte at a time frames every message', () => {
    const f = new StreamFramer();
    const items: FramedItem[] = [];
    for (const b of stream) items.push(...f.push(Buffer.from([b])));
    assert.deepEqual(messagesOf(items), ['one', 'two', 'three', 'four']);
  });

  it('push() of RFC 4475 wsinv (folded Content-Length header name) frames it', () => {
    const data = torture('wsinv');
    const items = new StreamFramer().push(data);
    assert.equal(items.length, 1);
    assert.equal(parseMessage((items[0] as { data: Buffer }).data).body.length, 150);
  });

  it('push() of a double CRLF returns ping, a single CRLF returns pong', () => {
    assert.deepEqual(new StreamFramer().push(Buffer.from('\r\n\r\n')), [{ type: 'ping' }]);
    assert.deepEqual(new StreamFramer().push(Buffer.from('\r\n')), [{ type: 'pong' }]);
    assert.deepEqual(new StreamFramer().push(Buffer.from('\r\n\r\n\r\n')).map((i) => i.type), ['ping', 'pong']);
  });

  it('push() of a partial message keeps it buffered', () => {
    const f = new StreamFramer();
    assert.deepEqual(f.push(Buffer.from(msg('p', 'abc')).subarray(0, 40)), []);
    assert.equal(f.buffered, 40);
  });

  const failures: Array<{ name: string; input: string; reason: SipParseErrorReason; status: number }> = [
    { name: 'missing Content-Length', input: msg('m').replace('Content-Length: 0\r\n', ''), reason: SipParseErrorReason.MissingContentLength, status: 400 },
    { name: 'negative Content-Length', input: msg('m').replace('Content-Length: 0', 'Content-Length: -1'), reason: SipParseErrorReason.BadContentLength, status: 400 },
    { name: 'two Content-Length headers', input: msg('m').replace('Content-Length: 0', 'Content-Length: 0\r\nl: 0'), reason: SipParseErrorReason.DuplicateHeader, status: 400 },
    { name: 'message larger than maxMessageSize', input: msg('m', 'x'.repeat(500)), reason: SipParseErrorReason.MessageTooLarge, status: 513 },
    { name: 'header section growing past maxMessageSize', input: 'OPTIONS sip:a@b SIP/2.0\r\nX: ' + 'y'.repeat(400), reason: SipParseErrorReason.BufferOverflow, status: 513 },
  ];
  for (const row of failures) {
    it(`push() with ${row.name} throws SipParseError(${row.reason}) with recovered headers`, () => {
      const f = new StreamFramer({ maxMessageSize: 300 });
      assert.throws(
        () => f.push(Buffer.from(row.input)),
        (e: unknown) => e instanceof SipParseError && e.reason === row.reason && e.status === row.status,
      );
      // Once failed the framer stays failed: the connection must be closed.
      assert.throws(() => f.push(Buffer.from(msg('next'))), SipParseError);
    });
  }

  it('push() failure for a request without Content-Length carries the Via for a 400', () => {
    try {
      new StreamFramer().push(Buffer.from(msg('m').replace('Content-Length: 0\r\n', '')));
      assert.fail('expected a SipParseError');
    } catch (err) {
      assert.ok(err instanceof SipParseError);
      assert.equal(err.partial?.type, 'request');
      assert.ok(err.partial?.headers.some((h) => h.name === 'Via'));
    }
  });
});
