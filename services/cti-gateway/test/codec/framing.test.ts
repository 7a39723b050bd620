import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CtiCodecErrorCodes,
  encodeFrame,
  EncodingNotSupportedError,
  FrameDecoder,
  FramingError,
  MAX_J_FRAME_PAYLOAD_BYTES,
  type FramedMessage,
} from '../../src/codec/mod.ts';
import { loadSessionFrames } from '../fixtures/enetuc/session.ts';

const sessionFrames = loadSessionFrames();

/** §1.1 worked example: a client keep-alive event, 114 bytes of JSON, no trailing LF. */
const KEEPALIVE_JSON =
  '{"invoke":{"invokeID":99999,"operationID":1706,"operationName":"asnTransportKeepAlive","argument":{"dummy":null}}}';
/** §1.1 hex dump of the whole 122-byte frame. */
const KEEPALIVE_HEX =
  '4a303030303131347b22696e766f6b65223a7b22696e766f6b654944223a39' +
  '393939392c226f7065726174696f6e4944223a313730362c226f706572617469' +
  '6f6e4e616d65223a2261736e5472616e73706f72744b656570416c697665222c' +
  '22617267756d656e74223a7b2264756d6d79223a6e756c6c7d7d7d';
/** §1.1 C++-style server result: 101 JSON bytes + LF counted in N. */
const CPP_RESULT_FRAME =
  'J0000102{"result":{"invokeID":7,"result":{"resultValue":0,"result":{"_type":"AsnCtiLineMonitorStopResult"}}}}\n';

function decodeAll(chunks: Buffer[], decoder = new FrameDecoder()): { messages: FramedMessage[]; error: Error | null } {
  const messages: FramedMessage[] = [];
  for (const chunk of chunks) {
    const r = decoder.push(chunk);
    messages.push(...r.messages);
    if (r.error) return { messages, error: r.error };
  }
  return { messages, error: null };
}

function texts(messages: FramedMessage[]): string[] {
  return messages.map((m) => m.text);
}

/** A stream mixing J-frames, bare JSON objects/arrays, multibyte UTF-8 and inter-message whitespace. */
const mixed: { bytes: Buffer; texts: string[] } = (() => {
  const parts: { wire: Buffer; text: string }[] = [];
  const j = (text: string) => parts.push({ wire: encodeFrame(text, 'json-framed'), text });
  const bare = (text: string, trailer = '') => parts.push({ wire: Buffer.from(text + trailer, 'utf8'), text });
  j(sessionFrames[0]!.json);
  bare('{"invoke":{"invokeID":2,"operationID":1005,"argument":{"auth":{"authBasic":{"credential":"}{]["}}}}}', '\n');
  j('{"x":"Müller"}');
  bare('[{"result":{"invokeID":3,"note":"quote \\" and backslash \\\\"}}]', '\r\n');
  j(sessionFrames[14]!.json + '\n');
  bare('{"a":"€ 😀 \\u00fc","b":[[],{}]}');
  j(sessionFrames[19]!.json);
  return { bytes: Buffer.concat(parts.map((p) => p.wire)), texts: parts.map((p) => p.text) };
})();

describe('FrameDecoder', () => {
  for (const frame of sessionFrames) {
    test(`push() of §5 frame ${frame.no} yields its JSON text as json-framed`, () => {
      const { messages, error } = new FrameDecoder().push(frame.bytes);
      assert.equal(error, null);
      assert.deepEqual(messages, [{ encoding: 'json-framed', text: frame.json, byteLength: frame.bytes.length - 8 }]);
    });
  }

  test('push() of the §1.1 keep-alive hex dump yields the 114-byte JSON', () => {
    const { messages } = new FrameDecoder().push(Buffer.from(KEEPALIVE_HEX, 'hex'));
    assert.deepEqual(texts(messages), [KEEPALIVE_JSON]);
    assert.equal(messages[0]!.byteLength, 114);
  });

  test('push() of a C++-style frame keeps the trailing LF counted in N', () => {
    const { messages } = new FrameDecoder().push(Buffer.from(CPP_RESULT_FRAME, 'latin1'));
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.byteLength, 102);
    assert.ok(messages[0]!.text.endsWith('}\n'));
  });

  test('push() of many frames in one chunk yields them all in order', () => {
    const all = Buffer.concat(sessionFrames.map((f) => f.bytes));
    const { messages, error } = new FrameDecoder().push(all);
    assert.equal(error, null);
    assert.deepEqual(texts(messages), sessionFrames.map((f) => f.json));
  });

  test('push() of a mixed stream split into two chunks at every byte offset yields the same messages', () => {
    for (let cut = 0; cut <= mixed.bytes.length; cut++) {
      const { messages, error } = decodeAll([mixed.bytes.subarray(0, cut), mixed.bytes.subarray(cut)]);
      assert.equal(error, null, `cut at ${cut}`);
      assert.deepEqual(texts(messages), mixed.texts, `cut at ${cut}`);
    }
  });

  test('push() of a mixed stream fed one byte at a time yields the same messages', () => {
    const chunks = [...mixed.bytes].map((b) => Buffer.from([b]));
    const { messages, error } = decodeAll(chunks);
    assert.equal(error, null);
    assert.deepEqual(texts(messages), mixed.texts);
  });

  test('push() of the whole §5 session in pseudo-random chunk sizes yields the 25 frames', () => {
    const all = Buffer.concat(sessionFrames.map((f) => f.bytes));
    let seed = 7;
    const chunks: Buffer[] = [];
    for (let i = 0; i < all.length; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const size = 1 + (seed % 97);
      chunks.push(all.subarray(i, i + size));
      i += size;
    }
    const { messages, error } = decodeAll(chunks);
    assert.equal(error, null);
    assert.deepEqual(texts(messages), sessionFrames.map((f) => f.json));
  });

  test('push() counts J-frame length in UTF-8 bytes: {"x":"Müller"} is 15 bytes', () => {
    const frame = encodeFrame('{"x":"Müller"}', 'json-framed');
    assert.equal(frame.toString('latin1', 0, 8), 'J0000015');
    // split inside the two bytes of ü
    const at = frame.indexOf(0xc3) + 1;
    const { messages } = decodeAll([frame.subarray(0, at), frame.subarray(at)]);
    assert.deepEqual(messages, [{ encoding: 'json-framed', text: '{"x":"Müller"}', byteLength: 15 }]);
  });

  test('push() skips whitespace between messages but not inside the J header', () => {
    const stream = Buffer.concat([
      Buffer.from(' \r\n\t'),
      encodeFrame('{"a":1}', 'json-framed'),
      Buffer.from('\n\n'),
      Buffer.from('{"b":2}'),
      Buffer.from('  '),
    ]);
    const decoder = new FrameDecoder();
    const { messages, error } = decoder.push(stream);
    assert.equal(error, null);
    assert.deepEqual(texts(messages), ['{"a":1}', '{"b":2}']);
    assert.equal(decoder.bufferedBytes, 0);
  });

  test('push() of J0000000 yields an empty message (the ROSE layer rejects it)', () => {
    const { messages, error } = new FrameDecoder().push(Buffer.from('J0000000J0000002{}'));
    assert.equal(error, null);
    assert.deepEqual(texts(messages), ['', '{}']);
  });

  test('push() of bare JSON handles brackets in strings, escaped quotes and escaped backslashes', () => {
    const rows = [
      '{"a":"}"}',
      '{"a":"\\"}\\""}',
      '{"a":"\\\\"}',
      '[{"a":[1,{"b":"]"}]}]',
      '["[", "{", "\\"", "\\\\\\""]',
      '{"deep":[[[[{"x":[]}]]]]}',
    ];
    for (const text of rows) {
      const { messages, error } = new FrameDecoder().push(Buffer.from(text + text));
      assert.equal(error, null, text);
      assert.deepEqual(texts(messages), [text, text], text);
      assert.equal(messages[0]!.encoding, 'json-bare');
      assert.doesNotThrow(() => JSON.parse(messages[0]!.text), text);
    }
  });

  test('push() returns the messages completed before an error in the same chunk', () => {
    const decoder = new FrameDecoder();
    const { messages, error } = decoder.push(Buffer.concat([encodeFrame('{"ok":1}', 'json-framed'), Buffer.from('X')]));
    assert.deepEqual(texts(messages), ['{"ok":1}']);
    assert.ok(error instanceof FramingError);
  });

  const errorRows: { name: string; chunks: (string | Buffer)[]; code: string; options?: ConstructorParameters<typeof FrameDecoder>[0] }[] = [
    { name: 'a bad first byte', chunks: ['X0000002{}'], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_PREFIX },
    { name: 'a NUL first byte', chunks: [Buffer.from([0])], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_PREFIX },
    { name: 'a stray closing brace', chunks: ['}'], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_PREFIX },
    { name: 'a non-digit length', chunks: ['J00a0012{}'], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_LENGTH },
    { name: 'a space inside the header', chunks: ['J 000002{}'], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_LENGTH },
    { name: 'a non-digit length split across chunks', chunks: ['J000', '-002{}'], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_LENGTH },
    {
      name: 'a J-frame over the limit',
      chunks: ['J0000101'],
      code: CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
      options: { maxMessageBytes: 100 },
    },
    {
      name: 'a J-frame over the default 1 MiB limit',
      chunks: ['J2000000'],
      code: CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
    },
    {
      name: 'bare JSON over the limit',
      chunks: ['{"a":"', 'x'.repeat(60), '"}'],
      code: CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
      options: { maxMessageBytes: 50 },
    },
    {
      name: 'invalid UTF-8 in a J-frame',
      chunks: [Buffer.concat([Buffer.from('J0000009{"a":"'), Buffer.from([0xff]), Buffer.from('"}')])],
      code: CtiCodecErrorCodes.UCS_ERR_FRAMING_INVALID_UTF8,
    },
    {
      name: 'invalid UTF-8 (bad continuation) in bare JSON',
      chunks: [Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])],
      code: CtiCodecErrorCodes.UCS_ERR_FRAMING_INVALID_UTF8,
    },
    { name: 'unbalanced bare JSON', chunks: ['{"a":[1}'], code: CtiCodecErrorCodes.UCS_ERR_FRAMING_UNBALANCED },
    {
      name: 'bare JSON nested too deep',
      chunks: ['[[[[1]]]]'],
      code: CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_DEEP,
      options: { maxBareJsonDepth: 3 },
    },
  ];
  for (const row of errorRows) {
    test(`push() of ${row.name} returns FramingError ${row.code} and poisons the decoder`, () => {
      const decoder = new FrameDecoder(row.options);
      const { error } = decodeAll(row.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c)), decoder);
      assert.ok(error instanceof FramingError, String(error));
      assert.equal(error.code, row.code);
      assert.equal(error.name, 'FramingError');
      assert.ok(decoder.poisoned);
      assert.equal(decoder.bufferedBytes, 0);
      const again = decoder.push(Buffer.from('J0000002{}'));
      assert.deepEqual(again.messages, []);
      assert.equal(again.error, error);
    });
  }

  test('push() with invalid UTF-8 keeps the TextDecoder error as cause', () => {
    const { error } = new FrameDecoder().push(Buffer.from([0x4a, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x31, 0xff]));
    assert.ok(error instanceof FramingError);
    assert.ok(error.cause instanceof TypeError);
  });

  for (const byte of [0xa1, 0xa2, 0xa3, 0xa4]) {
    test(`push() of a BER message (0x${byte.toString(16)}) returns EncodingNotSupportedError`, () => {
      const decoder = new FrameDecoder();
      const { error } = decoder.push(Buffer.from([byte, 0x03, 0x02, 0x01, 0x05]));
      assert.ok(error instanceof EncodingNotSupportedError);
      assert.equal(error.code, CtiCodecErrorCodes.UCS_ERR_FRAMING_ENCODING_NOT_SUPPORTED);
      assert.equal(error.firstByte, byte);
      assert.ok(decoder.poisoned);
    });
  }

  test('bufferedBytes of a partial J-frame stays within header plus payload', () => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1000 });
    decoder.push(Buffer.from('J0000009{"a":'));
    assert.equal(decoder.bufferedBytes, 8 + 5);
    const { messages } = decoder.push(Buffer.from('"b"}'));
    assert.deepEqual(texts(messages), ['{"a":"b"}']);
    assert.equal(decoder.bufferedBytes, 0);
  });

  test('push() does not keep references to the caller chunk of bare JSON', () => {
    const decoder = new FrameDecoder();
    const chunk = Buffer.from('{"a":"x');
    decoder.push(chunk);
    chunk.fill(0x20);
    const { messages } = decoder.push(Buffer.from('y"}'));
    assert.deepEqual(texts(messages), ['{"a":"xy"}']);
  });

  test('constructor with maxMessageBytes outside 1..9,999,999 throws TypeError', () => {
    assert.throws(() => new FrameDecoder({ maxMessageBytes: 0 }), TypeError);
    assert.throws(() => new FrameDecoder({ maxMessageBytes: 10_000_000 }), TypeError);
    assert.throws(() => new FrameDecoder({ maxMessageBytes: 1.5 }), TypeError);
    assert.throws(() => new FrameDecoder({ maxBareJsonDepth: 0 }), TypeError);
    assert.doesNotThrow(() => new FrameDecoder({ maxMessageBytes: MAX_J_FRAME_PAYLOAD_BYTES }));
  });

  test('push() with a non-buffer throws TypeError', () => {
    assert.throws(() => new FrameDecoder().push('J0000002{}' as never), TypeError);
  });
});

describe('encodeFrame', () => {
  for (const frame of sessionFrames) {
    test(`encodeFrame(json-framed) reproduces the header and bytes of §5 frame ${frame.no}`, () => {
      assert.deepEqual(encodeFrame(frame.json, 'json-framed'), frame.bytes);
    });
  }

  test('encodeFrame(json-framed) reproduces the §1.1 keep-alive hex dump (122 bytes)', () => {
    const frame = encodeFrame(KEEPALIVE_JSON, 'json-framed');
    assert.equal(frame.toString('hex'), KEEPALIVE_HEX);
    assert.equal(frame.length, 122);
  });

  test('encodeFrame(json-framed) counts a trailing LF: the C++-style example gets J0000102', () => {
    const json = CPP_RESULT_FRAME.slice(8);
    assert.equal(encodeFrame(json, 'json-framed').toString('latin1'), CPP_RESULT_FRAME);
  });

  test('encodeFrame(json-framed) writes exactly 7 digits up to 9,999,999 bytes and refuses 10^7', () => {
    const max = '"' + 'x'.repeat(MAX_J_FRAME_PAYLOAD_BYTES - 2) + '"';
    assert.equal(encodeFrame(max, 'json-framed').toString('latin1', 0, 8), 'J9999999');
    assert.throws(
      () => encodeFrame(max + ' ', 'json-framed'),
      (err: unknown) => err instanceof FramingError && err.code === CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
    );
  });

  test('encodeFrame(json-bare) writes the UTF-8 bytes only', () => {
    assert.deepEqual(encodeFrame('{"x":"Müller"}', 'json-bare'), Buffer.from('{"x":"Müller"}', 'utf8'));
    assert.deepEqual(encodeFrame('[{}]', 'json-bare'), Buffer.from('[{}]'));
  });

  test('encodeFrame() with bare text not starting with { or [, or an unknown encoding, throws TypeError', () => {
    assert.throws(() => encodeFrame(' {}', 'json-bare'), TypeError);
    assert.throws(() => encodeFrame('{}', 'ber' as never), TypeError);
  });

  test('encodeFrame() output decodes back to the same text (round trip)', () => {
    for (const text of ['{"x":"Müller"}', '{"emoji":"😀"}', '[{"a":"}"}]']) {
      for (const encoding of ['json-framed', 'json-bare'] as const) {
        const { messages } = new FrameDecoder().push(encodeFrame(text, encoding));
        assert.deepEqual(messages, [{ encoding, text, byteLength: Buffer.byteLength(text) }]);
      }
    }
  });
});
