/**
 * zod building blocks for the estos JSON encoding (subset reference §3).
 *
 * Every block is a zod *codec*: decoding (`schema.parse(wire)` / `safeParse`) is lenient in the ways §3
 * says real peers differ, and yields one canonical in-memory value; encoding (`z.encode(schema, value)`)
 * is strict on the in-memory type and writes the canonical wire form. Operation schemas in `protocol/`
 * are built only from these blocks, so "lenient in, canonical out" holds for every message.
 *
 * | block | wire in (accepted) | in memory | wire out |
 * |---|---|---|---|
 * | {@link asnBool} | `true`/`false`, any number (0 = false) | boolean | `true`/`false` |
 * | {@link asnInt} | integer, numeric string, boolean | number (safe integer) | number |
 * | {@link asnTime} | ISO with/without fraction or zone, `""`, variant-time number | canonical ISO string or `""` | same |
 * | {@link asnOctets} | base64 with/without padding | Uint8Array | padded base64 |
 * | {@link asnNull} | any present value (`null`, C++ `0`) | `null` | `null` |
 * | {@link asnOptional} | member absent or `null` | member absent | member omitted |
 * | {@link asnOptionalParams} | array notation or map notation; booleans → 0/1 | `Record<key, string \| number \| Uint8Array>` | map notation |
 * | {@link asnSequence} | object; unknown members (incl. `_type`) ignored | object | members in ASN.1 order |
 * | {@link asnChoice} | object; first alternative present wins, others ignored | `{ alt: value }` | `{ alt: value }` |
 */
import { z } from 'zod';
import { normaliseAsnTime } from './asnTime.ts';
import { decodeBase64, encodeBase64, isBase64 } from './base64.ts';
import type { SchemaIssue } from './errors.ts';

const asnTypeNames = new WeakMap<z.ZodType, string>();

/** The ASN.1 type name given to {@link asnSequence}/{@link asnChoice}; it becomes `_type` on output. */
export function asnTypeNameOf(schema: z.ZodType): string | undefined {
  return asnTypeNames.get(schema);
}

function named<T extends z.ZodType>(typeName: string, schema: T): T {
  asnTypeNames.set(schema, typeName);
  return schema;
}

const INTEGER_TEXT_RE = /^[+-]?\d{1,16}$/;

/** UTF8String: any JSON string (escaped or raw non-ASCII, surrogate pairs). */
export const asnString = z.string();

/** UTF8StringList: `["a","b"]`. */
export const asnStringList = z.array(asnString);

/** INTEGER / ENUMERATED / bit mask. Accepts numeric strings and booleans as the C++ peer does. */
export const asnInt = z.codec(
  z.union([z.number().int(), z.string().regex(INTEGER_TEXT_RE, 'not an integer'), z.boolean()]),
  z.number().int(),
  {
    decode: (v) => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v)),
    encode: (v) => v,
  },
);

/** BOOLEAN. Accepts numbers (0 = false, anything else = true) as the C++ peer does; always sends booleans. */
export const asnBool = z.codec(z.union([z.boolean(), z.number()]), z.boolean(), {
  decode: (v) => (typeof v === 'boolean' ? v : v !== 0),
  encode: (v) => v,
});

/** NULL (e.g. `dummy` of the keep-alives). The value is ignored (C++ writes `0`); we send `null`. */
export const asnNull = z.codec(
  z.custom<unknown>((v) => v !== undefined, { message: 'NULL member missing' }),
  z.null(),
  { decode: () => null, encode: () => null },
);

/** AsnSystemTime; see `asnTime.ts` for the accepted and canonical forms. */
export const asnTime = z.codec(
  z
    .union([z.string(), z.number()])
    .refine((v) => normaliseAsnTime(v) !== undefined, { message: 'not an AsnSystemTime (ISO 8601 UTC, "" or variant time)' }),
  z.string().refine((v) => normaliseAsnTime(v) !== undefined, { message: 'not an AsnSystemTime string' }),
  {
    decode: (v) => normaliseAsnTime(v) ?? '',
    encode: (v) => normaliseAsnTime(v) ?? '',
  },
);

/** Any Uint8Array (Buffer included), typed without pinning the backing buffer kind. */
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected a Uint8Array' });

const base64Text = z.string().refine(isBase64, { message: 'not standard base64' });

/** OCTET STRING as base64 text; padded or unpadded in, padded out. */
export const asnOctets = z.codec(base64Text, bytes, {
  decode: (text) => decodeBase64(text),
  encode: (value) => encodeBase64(value),
});

/**
 * An OPTIONAL member: absent or `null` on input both mean "absent"; an absent member is omitted on output
 * (never written as `null`). The inner schema decodes/encodes the present value. A member that was sent
 * as `null` is decoded as present-with-value-`undefined` (`JSON.stringify` and `?.` treat it as absent).
 */
export function asnOptional<T extends z.ZodType>(schema: T) {
  return z.codec(schema.nullish(), z.custom<z.output<T>>().optional(), {
    decode: (v) => v ?? undefined,
    // the out side is a pass-through; the inner schema validates the value on its way back to the wire
    encode: (v) => v ?? undefined,
  });
}

/** An extensible SEQUENCE named after its ASN.1 type; unknown members are dropped on input. */
export function asnSequence<S extends z.ZodRawShape>(typeName: string, shape: S) {
  return named(typeName, z.object(shape));
}

type ChoiceOption<T extends Record<string, z.ZodType>, K extends keyof T & string> = z.ZodObject<
  { [P in K]: T[K] },
  z.core.$strip
>;
type ChoiceOptions<T extends Record<string, z.ZodType>> = { [K in keyof T & string]: ChoiceOption<T, K> }[keyof T &
  string];

/**
 * A CHOICE: a JSON object with exactly one member named after the alternative. On input the first
 * alternative present (in ASN.1 order) wins and other members (e.g. `_type`) are ignored.
 */
export function asnChoice<T extends Record<string, z.ZodType>>(typeName: string, alternatives: T) {
  const options = Object.entries(alternatives).map(([key, schema]) => z.object({ [key]: schema }));
  if (options.length === 0) throw new TypeError(`asnChoice(${typeName}): no alternatives`);
  return named(typeName, z.union(options as unknown as ChoiceOptions<T>[]));
}

/** One value of {@link asnOptionalParams} in memory: stringdata, integerdata or binarydata. */
export type AsnOptionalParamValue = string | number | Uint8Array;

const paramIntegerIn = z.union([z.number().int(), z.string().regex(INTEGER_TEXT_RE, 'not an integer'), z.boolean()]);
const paramChoiceIn = z.union([
  z.object({ stringdata: z.string() }),
  z.object({ binarydata: base64Text }),
  z.object({ integerdata: paramIntegerIn }),
]);
const paramsArrayIn = z.array(z.object({ key: z.string(), value: paramChoiceIn }));
const paramsMapIn = z.record(
  z.string(),
  z.union([z.string(), z.number().int(), z.boolean(), z.null(), paramChoiceIn]),
);
const paramsOut = z.record(z.string(), z.union([z.string(), z.number().int(), bytes]));

function toInteger(v: number | string | boolean): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
}

function fromChoice(v: z.output<typeof paramChoiceIn>): AsnOptionalParamValue {
  if ('stringdata' in v) return v.stringdata;
  if ('binarydata' in v) return decodeBase64(v.binarydata);
  return toInteger(v.integerdata);
}

function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
  // defineProperty: a key such as "__proto__" must never change the prototype (zod's record then drops it)
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * AsnOptionalParameters (`SEQUENCE OF {key, value CHOICE{stringdata, binarydata, integerdata}}`).
 * Accepts the array notation (`[{"key":"K","value":{"integerdata":1}}]`) and the map ("UCServer")
 * notation (`{"K":1,"S":"x","B":{"binarydata":"…"}}`; booleans become 0/1 like the C++ peer; `null`
 * values are dropped). In memory and on output it is the map form; flags are numbers.
 */
export const asnOptionalParams = z.codec(z.union([paramsArrayIn, paramsMapIn]), paramsOut, {
  decode: (wire) => {
    const params: Record<string, AsnOptionalParamValue> = {};
    if (Array.isArray(wire)) {
      for (const { key, value } of wire) setOwn(params, key, fromChoice(value));
    } else {
      for (const [key, value] of Object.entries(wire)) {
        if (value === null) continue;
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
          setOwn(params, key, typeof value === 'string' ? value : toInteger(value));
        } else {
          setOwn(params, key, fromChoice(value));
        }
      }
    }
    return params;
  },
  encode: (params) => {
    const wire: Record<string, string | number | { binarydata: string }> = {};
    for (const [key, value] of Object.entries(params)) {
      setOwn(wire, key, value instanceof Uint8Array ? { binarydata: encodeBase64(value) } : value);
    }
    return wire;
  },
});

/** Flattens a zod error into {@link SchemaIssue}s (path joined with dots). */
/**
 * The dotted path of the first string in `value` (a decoded argument: objects, arrays, strings) that holds
 * U+0000, else undefined. JSON may carry it (`\u0000`), no PostgreSQL text column can store or even
 * compare it, and no ENetUC field has a use for it. Iterative: a client's nesting cannot exhaust the stack.
 */
export function nulStringPath(value: unknown): string | undefined {
  const pending: Array<[unknown, string]> = [[value, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) pending.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const [k, child] of Object.entries(v).reverse()) pending.push([child, path ? `${path}.${k}` : k]);
    }
  }
  return undefined;
}

export function schemaIssues(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
