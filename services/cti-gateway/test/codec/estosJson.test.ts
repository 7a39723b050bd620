// estos JSON building blocks (§3): lenient decode rows, failing rows, canonical encode rows, and the
// AsnSystemTime / base64 helpers underneath.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  asnBool,
  asnChoice,
  asnInt,
  asnNull,
  asnOctets,
  asnOptional,
  asnOptionalParams,
  asnSequence,
  asnString,
  asnTime,
  asnTimeFromDate,
  asnTimeToDate,
  asnTypeNameOf,
  dateToVariantTime,
  nulStringPath,
  decodeBase64,
  encodeBase64,
  isBase64,
  normaliseAsnTime,
  schemaIssues,
  variantTimeToDate,
} from '../../src/codec/mod.ts';

/** Compares decoded values structurally, with Uint8Array contents as arrays. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { bytes: [...v] } : v)));
}

const Sample = asnSequence('SampleSequence', {
  name: asnString,
  flag: asnBool,
  count: asnOptional(asnInt),
});

const Choice = asnChoice('SampleChoice', {
  first: asnSequence('First', { a: asnInt }),
  second: asnString,
});

describe('estos JSON decode (lenient)', () => {
  const rows: { name: string; schema: z.ZodType; input: unknown; expected: unknown }[] = [
    { name: 'asnBool true', schema: asnBool, input: true, expected: true },
    { name: 'asnBool 1', schema: asnBool, input: 1, expected: true },
    { name: 'asnBool 0', schema: asnBool, input: 0, expected: false },
    { name: 'asnBool -1', schema: asnBool, input: -1, expected: true },
    { name: 'asnInt number', schema: asnInt, input: 42, expected: 42 },
    { name: 'asnInt negative (iPHONENUMBERTYPEALL)', schema: asnInt, input: -1, expected: -1 },
    { name: 'asnInt numeric string', schema: asnInt, input: '0042', expected: 42 },
    { name: 'asnInt signed numeric string', schema: asnInt, input: '-7', expected: -7 },
    { name: 'asnInt boolean true', schema: asnInt, input: true, expected: 1 },
    { name: 'asnInt 1.0 (integral)', schema: asnInt, input: 1.0, expected: 1 },
    { name: 'asnInt large bit mask', schema: asnInt, input: 0x7f000000, expected: 0x7f000000 },
    { name: 'asnString with raw UTF-8 and a surrogate pair', schema: asnString, input: 'Müller 😀', expected: 'Müller 😀' },
    { name: 'asnNull null', schema: asnNull, input: null, expected: null },
    { name: 'asnNull C++ 0', schema: asnNull, input: 0, expected: null },
    { name: 'asnTime ISO without fraction', schema: asnTime, input: '2024-10-01T09:00:05Z', expected: '2024-10-01T09:00:05Z' },
    { name: 'asnTime ISO with .000', schema: asnTime, input: '2024-10-01T09:00:05.000Z', expected: '2024-10-01T09:00:05Z' },
    { name: 'asnTime ISO with .1 (TS style)', schema: asnTime, input: '2024-10-01T09:00:05.1Z', expected: '2024-10-01T09:00:05.100Z' },
    { name: 'asnTime ISO with µs', schema: asnTime, input: '2024-10-01T09:00:05.123456Z', expected: '2024-10-01T09:00:05.123Z' },
    { name: 'asnTime ISO with offset', schema: asnTime, input: '2024-10-01T11:00:05+02:00', expected: '2024-10-01T09:00:05Z' },
    { name: 'asnTime ISO without zone (UTC)', schema: asnTime, input: '2024-10-01T09:00:05', expected: '2024-10-01T09:00:05Z' },
    { name: 'asnTime ""', schema: asnTime, input: '', expected: '' },
    { name: 'asnTime variant number', schema: asnTime, input: 45566.375, expected: '2024-10-01T09:00:00Z' },
    { name: 'asnTime variant 0 ("no time")', schema: asnTime, input: 0, expected: '' },
    { name: 'asnTime variant 9.99 ("no time")', schema: asnTime, input: 9.99, expected: '' },
    { name: 'asnTime variant 2.0 is below 10 ("no time")', schema: asnTime, input: 2, expected: '' },
    { name: 'asnTime leap day', schema: asnTime, input: '2024-02-29T00:00:00Z', expected: '2024-02-29T00:00:00Z' },
    { name: 'asnOctets padded', schema: asnOctets, input: 'AAE=', expected: { bytes: [0, 1] } },
    { name: 'asnOctets unpadded', schema: asnOctets, input: 'AAE', expected: { bytes: [0, 1] } },
    { name: 'asnOctets empty', schema: asnOctets, input: '', expected: { bytes: [] } },
    {
      name: 'asnOptionalParams array notation',
      schema: asnOptionalParams,
      input: [
        { key: 'PBXCallID', value: { stringdata: '4711' } },
        { key: 'AddressID', value: { integerdata: 0 } },
        { key: 'jpegPhoto', value: { binarydata: 'AAEC' } },
      ],
      expected: { PBXCallID: '4711', AddressID: 0, jpegPhoto: { bytes: [0, 1, 2] } },
    },
    {
      name: 'asnOptionalParams map notation',
      schema: asnOptionalParams,
      input: { PBXCallID: '4711', AddressID: 0, jpegPhoto: { binarydata: 'AAEC' } },
      expected: { PBXCallID: '4711', AddressID: 0, jpegPhoto: { bytes: [0, 1, 2] } },
    },
    {
      name: 'asnOptionalParams map notation with booleans (C++ → 0/1) and null (dropped)',
      schema: asnOptionalParams,
      input: { PrivateLine: true, BusyOnBusy: false, Gone: null },
      expected: { PrivateLine: 1, BusyOnBusy: 0 },
    },
    {
      name: 'asnOptionalParams map notation with explicit CHOICE objects',
      schema: asnOptionalParams,
      input: { A: { stringdata: 'x' }, B: { integerdata: '5' } },
      expected: { A: 'x', B: 5 },
    },
    { name: 'asnOptionalParams demo-client {}', schema: asnOptionalParams, input: {}, expected: {} },
    { name: 'asnOptionalParams empty array', schema: asnOptionalParams, input: [], expected: {} },
    {
      name: 'asnOptionalParams duplicate keys (last wins)',
      schema: asnOptionalParams,
      input: [
        { key: 'K', value: { integerdata: 1 } },
        { key: 'K', value: { integerdata: 2 } },
      ],
      expected: { K: 2 },
    },
    {
      name: 'asnSequence ignores unknown members and _type, null optional is absent',
      schema: Sample,
      input: { _type: 'SampleSequence', name: 'n', flag: 1, count: null, extra: { deep: true } },
      expected: { name: 'n', flag: true },
    },
    {
      name: 'asnChoice with _type picks the present alternative',
      schema: Choice,
      input: { _type: 'SampleChoice', second: 'x' },
      expected: { second: 'x' },
    },
    {
      name: 'asnChoice with two alternatives picks the first in ASN.1 order',
      schema: Choice,
      input: { second: 'x', first: { a: '1' } },
      expected: { first: { a: 1 } },
    },
  ];
  for (const row of rows) {
    test(`${row.name} decodes to the canonical value`, () => {
      assert.deepEqual(plain(row.schema.parse(row.input)), row.expected);
    });
  }

  test('asnOptionalParams drops a "__proto__" key in either notation and never changes the prototype', () => {
    const fromMap = asnOptionalParams.parse(JSON.parse('{"__proto__":{"integerdata":1},"x":"y"}'));
    const fromArray = asnOptionalParams.parse([{ key: '__proto__', value: { integerdata: 1 } }, { key: 'x', value: { stringdata: 'y' } }]);
    for (const decoded of [fromMap, fromArray]) {
      assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyNames(decoded), ['x']);
    }
  });
});

describe('estos JSON decode (rejected)', () => {
  const rows: { name: string; schema: z.ZodType; input: unknown }[] = [
    { name: 'asnBool string "true"', schema: asnBool, input: 'true' },
    { name: 'asnBool null', schema: asnBool, input: null },
    { name: 'asnInt fraction', schema: asnInt, input: 1.5 },
    { name: 'asnInt non-numeric string', schema: asnInt, input: '4x' },
    { name: 'asnInt empty string', schema: asnInt, input: '' },
    { name: 'asnInt beyond safe range', schema: asnInt, input: 2 ** 60 },
    { name: 'asnInt null', schema: asnInt, input: null },
    { name: 'asnString number', schema: asnString, input: 5 },
    { name: 'asnTime nonsense', schema: asnTime, input: 'yesterday' },
    { name: 'asnTime date only', schema: asnTime, input: '2024-10-01' },
    { name: 'asnTime month 13', schema: asnTime, input: '2024-13-01T00:00:00Z' },
    { name: 'asnTime 30 February', schema: asnTime, input: '2024-02-30T00:00:00Z' },
    { name: 'asnTime hour 24', schema: asnTime, input: '2024-10-01T24:00:00Z' },
    { name: 'asnTime null', schema: asnTime, input: null },
    { name: 'asnTime boolean', schema: asnTime, input: true },
    { name: 'asnOctets not base64', schema: asnOctets, input: '***' },
    { name: 'asnOctets one char', schema: asnOctets, input: 'A' },
    { name: 'asnOctets url-safe alphabet', schema: asnOctets, input: 'A-_=' },
    { name: 'asnOctets with line break', schema: asnOctets, input: 'AAAA\nAAAA' },
    { name: 'asnNull missing', schema: z.object({ dummy: asnNull }), input: {} },
    { name: 'asnOptionalParams integerdata fraction', schema: asnOptionalParams, input: [{ key: 'K', value: { integerdata: 1.5 } }] },
    { name: 'asnOptionalParams array item without key', schema: asnOptionalParams, input: [{ value: { stringdata: 'x' } }] },
    { name: 'asnOptionalParams array item with unknown value type', schema: asnOptionalParams, input: [{ key: 'K', value: { floatdata: 1 } }] },
    { name: 'asnOptionalParams map binarydata not base64', schema: asnOptionalParams, input: { P: { binarydata: '**' } } },
    { name: 'asnOptionalParams map value an array', schema: asnOptionalParams, input: { P: [1] } },
    { name: 'asnOptionalParams a string', schema: asnOptionalParams, input: 'K=1' },
    { name: 'asnSequence missing mandatory member', schema: Sample, input: { name: 'n' } },
    { name: 'asnSequence an array', schema: Sample, input: [] },
    { name: 'asnChoice no alternative', schema: Choice, input: { _type: 'SampleChoice' } },
    { name: 'asnChoice alternative null', schema: Choice, input: { second: null } },
  ];
  for (const row of rows) {
    test(`${row.name} fails to decode`, () => {
      assert.equal(row.schema.safeParse(row.input).success, false);
    });
  }

  test('schemaIssues() names the member path of a nested failure', () => {
    const schema = z.object({ outer: z.array(Sample) });
    const result = schema.safeParse({ outer: [{ name: 'a', flag: true }, { name: 'b', flag: 'no' }] });
    assert.equal(result.success, false);
    if (!result.success) assert.deepEqual(schemaIssues(result.error).map((i) => i.path), ['outer.1.flag']);
  });
});

describe('estos JSON encode (canonical, strict)', () => {
  const rows: { name: string; schema: z.ZodType; value: unknown; wire: unknown }[] = [
    { name: 'asnBool', schema: asnBool, value: false, wire: false },
    { name: 'asnInt', schema: asnInt, value: -1, wire: -1 },
    { name: 'asnNull', schema: asnNull, value: null, wire: null },
    { name: 'asnTime canonical', schema: asnTime, value: '2024-10-01T09:00:05Z', wire: '2024-10-01T09:00:05Z' },
    { name: 'asnTime with .000 is shortened', schema: asnTime, value: '2024-10-01T09:00:05.000Z', wire: '2024-10-01T09:00:05Z' },
    { name: 'asnTime keeps non-zero ms', schema: asnTime, value: '2024-10-01T09:00:05.007Z', wire: '2024-10-01T09:00:05.007Z' },
    { name: 'asnTime offset → UTC', schema: asnTime, value: '2024-10-01T09:00:05-01:30', wire: '2024-10-01T10:30:05Z' },
    { name: 'asnTime ""', schema: asnTime, value: '', wire: '' },
    { name: 'asnOctets padded out', schema: asnOctets, value: new Uint8Array([0, 1]), wire: 'AAE=' },
    { name: 'asnOctets Buffer', schema: asnOctets, value: Buffer.from('test'), wire: 'dGVzdA==' },
    {
      name: 'asnOptionalParams map form with binarydata',
      schema: asnOptionalParams,
      value: { S: 's', I: 1, B: new Uint8Array([0xff]) },
      wire: { S: 's', I: 1, B: { binarydata: '/w==' } },
    },
    {
      name: 'asnSequence in ASN.1 member order, absent optional omitted, extras stripped',
      schema: Sample,
      value: { count: undefined, flag: true, name: 'n', extra: 1 },
      wire: { name: 'n', flag: true },
    },
    { name: 'asnChoice', schema: Choice, value: { first: { a: 3 } }, wire: { first: { a: 3 } } },
  ];
  for (const row of rows) {
    test(`z.encode(${row.name}) writes the canonical wire form`, () => {
      const wire = z.encode(row.schema, row.value as never);
      assert.equal(JSON.stringify(wire), JSON.stringify(row.wire));
    });
  }

  const strictRows: { name: string; schema: z.ZodType; value: unknown }[] = [
    { name: 'asnBool given a number', schema: asnBool, value: 1 },
    { name: 'asnInt given a string', schema: asnInt, value: '1' },
    { name: 'asnInt given a fraction', schema: asnInt, value: 0.5 },
    { name: 'asnTime given a number', schema: asnTime, value: 45566 },
    { name: 'asnTime given nonsense', schema: asnTime, value: 'now' },
    { name: 'asnOctets given base64 text', schema: asnOctets, value: 'AAE=' },
    { name: 'asnOptionalParams given a boolean flag', schema: asnOptionalParams, value: { Flag: true } },
    { name: 'asnSequence missing a mandatory member', schema: Sample, value: { name: 'n' } },
  ];
  for (const row of strictRows) {
    test(`z.encode(${row.name}) throws`, () => {
      assert.equal(z.safeEncode(row.schema, row.value as never).success, false);
    });
  }

  test('decode(encode(x)) round-trips every block', () => {
    const value = {
      name: 'x',
      flag: false,
      count: 3,
    };
    assert.deepEqual(Sample.parse(z.encode(Sample, value)), value);
    const params = { a: 'b', n: -5, bin: new Uint8Array([1, 2, 3]) };
    assert.deepEqual(plain(asnOptionalParams.parse(z.encode(asnOptionalParams, params))), plain(params));
  });

  test('asnTypeNameOf() returns the ASN.1 name given to asnSequence/asnChoice', () => {
    assert.equal(asnTypeNameOf(Sample), 'SampleSequence');
    assert.equal(asnTypeNameOf(Choice), 'SampleChoice');
    assert.equal(asnTypeNameOf(asnString), undefined);
  });

  test('asnChoice() without alternatives throws TypeError', () => {
    assert.throws(() => asnChoice('Empty', {}), TypeError);
  });
});

describe('AsnSystemTime helpers', () => {
  test('variantTimeToDate()/dateToVariantTime() follow unix = (v − 25569) × 86400', () => {
    assert.equal(variantTimeToDate(25569)?.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(variantTimeToDate(45566.375)?.toISOString(), '2024-10-01T09:00:00.000Z');
    assert.equal(variantTimeToDate(9.5), null);
    assert.equal(dateToVariantTime(new Date('1970-01-02T12:00:00Z')), 25570.5);
  });

  test('asnTimeToDate() and asnTimeFromDate() convert canonical strings', () => {
    assert.equal(asnTimeToDate('2024-10-01T09:00:05Z')?.getTime(), Date.UTC(2024, 9, 1, 9, 0, 5));
    assert.equal(asnTimeToDate(''), null);
    assert.equal(asnTimeFromDate(new Date(Date.UTC(2024, 9, 1, 9, 0, 5, 250))), '2024-10-01T09:00:05.250Z');
    assert.equal(asnTimeFromDate(null), '');
    assert.equal(asnTimeFromDate(undefined), '');
    assert.throws(() => asnTimeToDate('soon'), TypeError);
    assert.throws(() => asnTimeFromDate(new Date(Number.NaN)), TypeError);
  });

  test('normaliseAsnTime() maps instants before 1900-01-09 to "" like the C++ server', () => {
    assert.equal(normaliseAsnTime('1899-12-30T00:00:00Z'), '');
    assert.equal(normaliseAsnTime('0001-01-01T00:00:00Z'), '');
    assert.equal(normaliseAsnTime('1900-01-09T00:00:00Z'), '1900-01-09T00:00:00Z');
    assert.equal(normaliseAsnTime(Number.POSITIVE_INFINITY), undefined);
  });
});

describe('base64 helpers', () => {
  const rows: { input: string; valid: boolean }[] = [
    { input: '', valid: true },
    { input: 'dGVzdA==', valid: true },
    { input: 'dGVzdA', valid: true },
    { input: 'dGVzdA=', valid: false },
    { input: 'dGVzd', valid: false },
    { input: 'dG Vz', valid: false },
    { input: 'dGVz-A==', valid: false },
  ];
  for (const row of rows) {
    test(`isBase64(${JSON.stringify(row.input)}) is ${row.valid}`, () => {
      assert.equal(isBase64(row.input), row.valid);
    });
  }

  test('decodeBase64()/encodeBase64() round-trip and decodeBase64() rejects invalid text with TypeError', () => {
    assert.deepEqual([...decodeBase64('dGVzdA')], [...Buffer.from('test')]);
    assert.equal(encodeBase64(decodeBase64('dGVzdA')), 'dGVzdA==');
    assert.equal(encodeBase64(new Uint8Array(new ArrayBuffer(8), 2, 3)), 'AAAA');
    assert.throws(() => decodeBase64('%%'), TypeError);
  });
});

describe('nulStringPath (strings no PostgreSQL text can hold)', () => {
  const deep: unknown[] = [];
  let at: unknown[] = deep;
  for (let i = 0; i < 100_000; i++) at = (at[0] = []) as unknown[];
  at.push('x\u0000');
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a clean argument', { u8sConnectionID: 'abc', list: ['1', '2'], n: 3, b: true, nested: { s: 'ü\u0001' } }, undefined],
    ['a top-level string', '\u0000', ''],
    ['a member', { u8sConnectionID: '\u0000\u0001\u0002' }, 'u8sConnectionID'],
    ['the first of two', { a: 'ok', b: { c: ['x', 'y\u0000'] }, d: '\u0000' }, 'b.c.1'],
    ['octets are not strings', { data: new Uint8Array([0, 0]) }, undefined],
    ['null and undefined members', { a: null, b: undefined }, undefined],
    ['100,000 levels of nesting (no stack overflow)', deep, `${Array.from({ length: 100_000 }, () => '0').join('.')}.0`],
  ];
  for (const [name, value, path] of cases) {
    test(name, () => assert.equal(nulStringPath(value), path));
  }
});
