import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { boundFields, createLogger, excerpt, LOG_FIELD_BOUNDS } from '@ucserver/shared';

describe('excerpt()', () => {
  const rows: Array<{ name: string; input: string; max?: number; expected: string }> = [
    { name: 'a short string is itself', input: 'tel:100', expected: 'tel:100' },
    { name: 'exactly the limit is itself', input: 'a'.repeat(200), expected: 'a'.repeat(200) },
    { name: 'one over the limit is cut with its size', input: 'a'.repeat(201), expected: `${'a'.repeat(200)}…(201 bytes)` },
    { name: 'the size counts UTF-8 bytes', input: 'ü'.repeat(10), max: 4, expected: 'üüüü…(20 bytes)' },
    { name: 'a surrogate pair is not cut in half', input: `ab${'😀'.repeat(3)}`, max: 3, expected: 'ab…(14 bytes)' },
    { name: 'a limit of 0 keeps only the size', input: 'secret-ish', max: 0, expected: '…(10 bytes)' },
    { name: 'the empty string is itself', input: '', expected: '' },
  ];
  for (const r of rows) {
    it(`excerpt() with ${r.name}`, () => {
      assert.equal(excerpt(r.input, r.max), r.expected);
    });
  }
  it('excerpt() of 1 MB is bounded to the limit plus the size note', () => {
    const out = excerpt('x'.repeat(1_000_000));
    assert.equal(out, `${'x'.repeat(200)}…(1000000 bytes)`);
  });
});

describe('boundFields()', () => {
  const bounds = { maxString: 10, maxTotal: 25, maxDepth: 2, maxEntries: 3 };
  const rows: Array<{ name: string; input: Record<string, unknown>; expected: Record<string, unknown> }> = [
    { name: 'small fields unchanged', input: { a: 'x', n: 1, z: null }, expected: { a: 'x', n: 1, z: null } },
    { name: 'a long string cut', input: { a: 'y'.repeat(30) }, expected: { a: `${'y'.repeat(10)}…(30 bytes)` } },
    { name: 'the total budget shrinks later strings', input: { a: 'a'.repeat(10), b: 'b'.repeat(10), c: 'c'.repeat(10) }, expected: { a: 'a'.repeat(10), b: 'b'.repeat(10), c: 'ccccc…(10 bytes)' } },
    { name: 'long arrays cut with a count', input: { l: [1, 2, 3, 4, 5] }, expected: { l: [1, 2, 3, '…(2 more)'] } },
    { name: 'many keys cut with a count', input: { o: { a: 1, b: 2, c: 3, d: 4 } }, expected: { o: { a: 1, b: 2, c: 3, '…': '1 more keys' } } },
    { name: 'deep nesting replaced', input: { o: { p: { q: 1 } }, l: [[1]] }, expected: { o: { p: '[Object]' }, l: ['[Array(1)]'] } },
    { name: 'binary data becomes its size', input: { buf: Buffer.alloc(1000) }, expected: { buf: '[Buffer 1000 bytes]' } },
  ];
  for (const r of rows) {
    it(`boundFields() with ${r.name}`, () => {
      assert.deepEqual(boundFields(r.input, bounds), r.expected);
    });
  }
  it('boundFields() leaves errors and class instances to their serializers and never mutates its input', () => {
    const err = new Error('boom');
    const date = new Date(0);
    const input = { err, date, s: 'z'.repeat(50) };
    const out = boundFields(input, bounds);
    assert.equal(out.err, err);
    assert.equal(out.date, date);
    assert.equal(input.s.length, 50);
  });
});

describe('createLogger() bounds every record', () => {
  function capture(): { logger: ReturnType<typeof createLogger>; lines: () => string[] } {
    const chunks: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk.toString()); done(); } });
    const logger = createLogger({ service: 'test', level: 'debug', destination: sink });
    return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
  }
  const huge = 'x'.repeat(1_000_000);

  it('a 1 MB field, message, nested value and error message give a line of a few KB', () => {
    const { logger, lines } = capture();
    logger.warn({ op: huge, arg: { u8sLinePhoneNumber: huge }, err: new Error(`unknown line '${huge}'`) }, huge);
    const [line] = lines();
    assert.ok(line, 'one line written');
    assert.ok(line.length < LOG_FIELD_BOUNDS.maxTotal + 3 * LOG_FIELD_BOUNDS.maxString, `line of ${line.length} chars`);
    const record = JSON.parse(line) as { op: string; msg: string; err: { message: string; stack: string } };
    assert.match(record.op, /…\(1000000 bytes\)$/);
    assert.match(record.msg, /…\(1000000 bytes\)$/);
    assert.ok(record.err.message.length <= LOG_FIELD_BOUNDS.maxString + 20);
    assert.ok(record.err.stack.length <= LOG_FIELD_BOUNDS.maxString + 20);
  });

  it('an err field that is a string or a plain object stays what it is (bounded)', () => {
    const { logger, lines } = capture();
    logger.debug({ err: 'no service answers' }, 'text');
    logger.debug({ err: { code: 'X', detail: huge } }, 'object');
    const [text, object] = lines().map((l) => JSON.parse(l) as { err: unknown });
    assert.equal(text!.err, 'no service answers');
    assert.equal((object!.err as { code: string }).code, 'X');
    assert.match((object!.err as { detail: string }).detail, /…\(1000000 bytes\)$/);
  });

  it('secrets are still redacted, also the x-uctoken header and token fields', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'p1', login: { credential: 'c1' }, headers: { authorization: 'Basic YQ==', 'x-uctoken': 't1' }, token: 't2' }, 'login');
    const line = lines()[0]!;
    for (const secret of ['p1', 'c1', 'YQ==', 't1', 't2']) assert.equal(line.includes(`"${secret}"`), false, `${secret} redacted in ${line}`);
    assert.match(line, /\[redacted\]/);
  });
});
