// The fuzz suite's pure parts: the seeded generator, the expectations each input carries (what the
// server owes), the SIP answer rule and the SDP mutations, table-driven.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectationOf, rosePayload, tcpInput, wsInput } from '../inputs/ctiInputs.ts';
import { browserOffers, mutatedSdp } from '../inputs/sdpInputs.ts';
import { answerDue, callIdOf, framingIntact, mutatedRequest, rfc4475Names, RFC4475_RESPONSES, tortureInput, validRequest, type SipContext } from '../inputs/sipInputs.ts';
import { Rng } from '../rng.ts';
import { excerptBytes } from '../types.ts';

describe('Rng', () => {
  it('is a pure function of (seed, target, index)', () => {
    const a = Rng.forInput(7, 'cti-tcp', 12);
    const b = Rng.forInput(7, 'cti-tcp', 12);
    const xs = Array.from({ length: 20 }, () => a.next());
    assert.deepEqual(Array.from({ length: 20 }, () => b.next()), xs);
    assert.notDeepEqual(Array.from({ length: 20 }, () => Rng.forInput(7, 'cti-tcp', 13).next()), xs.slice(0, 1).concat(xs.slice(1)));
    assert.notEqual(Rng.forInput(8, 'cti-tcp', 12).next(), xs[0]);
    assert.notEqual(Rng.forInput(7, 'cti-ws', 12).next(), xs[0]);
  });

  it('stays within its ranges', () => {
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(-3, 3);
      assert.ok(n >= -3 && n <= 3 && Number.isInteger(n));
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
    }
  });
});

describe('expectationOf (the reply the gateway owes, by the §2 table)', () => {
  const rows: Array<[string, string, Array<number | null>]> = [
    ['a valid invoke', '{"invoke":{"invokeID":5,"operationID":703,"operationName":"asnSubscribeServices","argument":{}}}', [5]],
    ['garbage JSON', '{"invoke":', [null]],
    ['an event (asnKeepAlive)', '{"invoke":{"invokeID":6,"operationID":100,"operationName":"asnKeepAlive","argument":{"dummy":null}}}', []],
    ['invokeID 99999', '{"invoke":{"invokeID":99999,"operationID":703,"argument":{}}}', []],
    ['an unknown operation', '{"invoke":{"invokeID":7,"operationID":4242,"operationName":"asnNope"}}', [7]],
    ['invokeID 0 and an unknown operation', '{"invoke":{"invokeID":0,"operationID":4242}}', [null]],
    ['a broken envelope', '{"invoke":{"invokeID":"x","operationID":703}}', [null]],
    ['a mistyped argument', '{"invoke":{"invokeID":8,"operationID":1261,"argument":{"u8sLinePhoneNumber":5}}}', [8]],
    ['a result from the client', '{"result":{"invokeID":9,"result":{"resultValue":0,"result":{}}}}', []],
    ['operationID 0 without a name', '{"invoke":{"invokeID":10,"operationID":0}}', []],
  ];
  for (const [name, text, ids] of rows) {
    it(name, () => assert.deepEqual(expectationOf(text).replyIds, ids));
  }
});

describe('CTI inputs', () => {
  it('are reproducible and their expectations are consistent over many seeds', () => {
    for (let i = 0; i < 300; i++) {
      const a = tcpInput(Rng.forInput(1, 'cti-tcp', i), 100 + i);
      const b = tcpInput(Rng.forInput(1, 'cti-tcp', i), 100 + i);
      assert.deepEqual(Buffer.concat(b.chunks), Buffer.concat(a.chunks));
      assert.equal(b.mutation, a.mutation);
      if (a.breaksStream) assert.deepEqual(a.replyIds, [], `${a.mutation}: a broken stream owes only the close`);
      const w = wsInput(Rng.forInput(1, 'cti-ws', i), 100 + i);
      if (w.binary) assert.ok(w.breaksStream, 'a binary frame must close the WebSocket');
    }
  });

  it('J-frames carry the byte length of their payload', () => {
    for (let i = 0; i < 200; i++) {
      const input = tcpInput(Rng.forInput(2, 'cti-tcp', i), 1);
      if (!input.mutation.startsWith('J-frame:')) continue;
      const frame = Buffer.concat(input.chunks);
      assert.equal(Number(frame.subarray(1, 8).toString('latin1')), frame.length - 8, input.mutation);
    }
  });

  it('deep nesting is built as text (no stack overflow in the fuzzer)', () => {
    let seen = false;
    for (let i = 0; i < 2000 && !seen; i++) {
      const p = rosePayload(Rng.forInput(3, 'x', i), 1);
      if (p.mutation.startsWith('nesting 5000')) {
        seen = true;
        assert.ok(p.text.includes('{"a":'.repeat(5000)));
        assert.doesNotThrow(() => JSON.parse(p.text));
      }
    }
    assert.ok(seen, 'the generator makes 5000-deep nesting');
  });
});

describe('SIP inputs', () => {
  const ctx: SipContext = { transport: 'UDP', host: '127.0.0.1', port: 5062, localHost: '127.0.0.1', localPort: 40000 };
  const valid = validRequest('OPTIONS', ctx, 'abc');

  const rows: Array<[string, string, boolean]> = [
    ['the valid request', valid, true],
    ['an extra header', valid.replace('User-Agent', 'X-A: 1\r\nUser-Agent'), true],
    ['a broken Max-Forwards', valid.replace('Max-Forwards: 70', 'Max-Forwards: x'), true],
    ['no Via', valid.replace(/^Via:[^\r]*\r\n/m, ''), false],
    ['two Call-IDs', valid.replace(/^(Call-ID:[^\r]*\r\n)/m, '$1$1'), false],
    ['a changed CSeq', valid.replace('CSeq: 2 OPTIONS', 'CSeq: x OPTIONS'), false],
    ['a compact From', valid.replace(/^From:/m, 'f:'), false],
    ['an ACK', validRequest('ACK', ctx, 'abc'), false],
    ['no empty line', valid.replace('\r\n\r\n', '\r\n'), false],
    ['a changed start line', valid.replace('SIP/2.0\r\n', 'SIP/3.0\r\n'), false],
  ];
  for (const [name, text, due] of rows) {
    it(`answerDue: ${name} → ${due}`, () => assert.equal(answerDue(validRequest(name === 'an ACK' ? 'ACK' : 'OPTIONS', ctx, 'abc'), Buffer.from(text, 'latin1')), due));
  }

  it('every RFC 4475 message is there; responses owe nothing, requests owe an answer', () => {
    const names = rfc4475Names();
    assert.ok(names.length >= 49, `${names.length} messages`);
    for (const n of names) {
      const input = tortureInput(n, 'UDP');
      assert.equal(input.answerDue, !RFC4475_RESPONSES.has(n), n);
      assert.equal(input.bytes.toString('latin1').startsWith('SIP/2.0'), RFC4475_RESPONSES.has(n), n);
    }
    // On a stream these leave bytes behind (or wait for more): each goes on its own connection.
    assert.deepEqual(names.filter((n) => tortureInput(n, 'TCP').breaksStream), ['clerr', 'dblreq', 'inv2543', 'mcl01', 'multi01', 'ncl']);
    assert.ok(names.every((n) => !tortureInput(n, 'UDP').breaksStream));
    // A body shorter than its Content-Length is waited for: clerr (9999) and multi01 (154 for 152) owe only the close.
    assert.deepEqual(names.filter((n) => !tortureInput(n, 'TCP').answerDue && !RFC4475_RESPONSES.has(n)), ['clerr', 'multi01']);
    assert.match(tortureInput('cparam02', 'TCP').mutation, /top Via says UDP/);
  });

  it('mutated requests: reproducible, below the UDP limit, Call-ID known when an answer is owed', () => {
    for (let i = 0; i < 300; i++) {
      const a = mutatedRequest(Rng.forInput(4, 'sip-udp', i), ctx, `t${i}`);
      const b = mutatedRequest(Rng.forInput(4, 'sip-udp', i), ctx, `t${i}`);
      assert.deepEqual(b.bytes, a.bytes);
      assert.ok(a.bytes.length <= 60_000);
      if (a.answerDue) assert.equal(a.callId, `t${i}@127.0.0.1`, a.mutation);
      if (a.answerDue) assert.equal(a.breaksStream, false);
    }
  });

  const framing: Array<[string, string, boolean]> = [
    ['a valid request', valid, true],
    ['a body longer than its Content-Length', valid.replace('Content-Length: 0', 'Content-Length: 0').concat('xyz'), false],
    ['a Content-Length past the body', valid.replace('Content-Length: 0', 'Content-Length: 5'), false],
    ['two Content-Lengths', valid.replace('Content-Length: 0', 'Content-Length: 0\r\nl: 0'), false],
    ['a compact Content-Length', valid.replace('Content-Length: 0', 'l: 0'), true],
    ['no end of the header section', valid.replace('\r\n\r\n', '\r\n'), false],
  ];
  for (const [name, text, intact] of framing) {
    it(`framingIntact: ${name} → ${intact}`, () => assert.equal(framingIntact(Buffer.from(text, 'latin1')), intact));
  }

  it('over TCP every mutated request whose framing is broken goes on its own connection', () => {
    const tcp: SipContext = { ...ctx, transport: 'TCP' };
    for (let i = 0; i < 600; i++) {
      const input = mutatedRequest(Rng.forInput(2026, 'sip-tcp', i), tcp, `t${i}`);
      if (!framingIntact(input.bytes)) assert.ok(input.breaksStream && !input.answerDue, `#${i} ${input.mutation}`);
    }
  });

  it('callIdOf reads long and compact forms', () => {
    assert.equal(callIdOf('OPTIONS x SIP/2.0\r\ni: abc@h\r\n'), 'abc@h');
    assert.equal(callIdOf('OPTIONS x SIP/2.0\r\nCall-ID:   x y \r\n'), 'x y');
    assert.equal(callIdOf('OPTIONS x SIP/2.0\r\n'), undefined);
  });
});

describe('SDP inputs', () => {
  it('start from the browser fixtures and stay under the 1 MiB message limit', () => {
    assert.equal(browserOffers().length, 3);
    for (const o of browserOffers()) assert.match(o, /^v=0\r\n/);
    const kinds = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const m = mutatedSdp(Rng.forInput(5, 'sdp', i));
      assert.ok(Buffer.byteLength(m.sdp) < 1_000_000, m.mutation);
      kinds.add(m.mutation.split(' ')[0]!);
    }
    assert.ok(kinds.size >= 10, `mutation kinds: ${[...kinds].join(', ')}`);
  });
});

describe('excerptBytes', () => {
  const rows: Array<[string, Buffer, number, string]> = [
    ['printable stays', Buffer.from('abc'), 10, 'abc'],
    ['CR LF escaped', Buffer.from('a\r\nb'), 10, 'a\\r\\nb'],
    ['binary as \\x', Buffer.from([0, 0xff]), 10, '\\x00\\xff'],
    ['long is cut with the size', Buffer.alloc(20, 0x41), 5, 'AAAAA… (20 bytes)'],
  ];
  for (const [name, input, max, out] of rows) it(name, () => assert.equal(excerptBytes(input, max), out));
});
