// Bounded excerpts of strings that came from outside (client arguments, user names, SDP, URIs, HTTP
// bodies): a log line or an error text quotes at most a few hundred characters of them, never the whole
// megabyte a client chose to send. Pure functions, no I/O.

/** Characters of an outside string kept in an error text or a log field by default. */
export const EXCERPT_CHARS = 200;

/**
 * `value` itself when it has at most `max` characters; otherwise its first `max` characters followed by
 * `…(N bytes)`, N being the UTF-8 size of the whole, so a reader still sees how big it was. A surrogate
 * pair is never cut in half.
 */
export function excerpt(value: string, max: number = EXCERPT_CHARS): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max);
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…(${Buffer.byteLength(value, 'utf8')} bytes)`;
}

/** Limits of {@link boundFields}. */
export interface FieldBounds {
  /** Characters kept of any one string. */
  maxString: number;
  /** Characters kept of all strings of a record together; past it, strings shrink to their size. */
  maxTotal: number;
  /** Nesting levels walked; deeper objects and arrays are replaced by a placeholder. */
  maxDepth: number;
  /** Keys of an object or items of an array kept. */
  maxEntries: number;
}

/** The logger's bounds: a stack trace fits in one field, a whole record stays within ~16 KB of text. */
export const LOG_FIELD_BOUNDS: FieldBounds = { maxString: 4096, maxTotal: 16_384, maxDepth: 4, maxEntries: 64 };

/**
 * A copy of a log record (or of any plain data) whose size is bounded: long strings become excerpts,
 * big arrays and objects are cut with a note of what was left out, binary data becomes its size, deep
 * nesting becomes a placeholder. Errors and class instances pass unchanged (their serializers bound
 * them); the input is never modified.
 */
export function boundFields(record: Record<string, unknown>, bounds: FieldBounds = LOG_FIELD_BOUNDS): Record<string, unknown> {
  let left = bounds.maxTotal;
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      const out = excerpt(value, Math.min(bounds.maxString, Math.max(0, left)));
      left -= out.length;
      return out;
    }
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return value;
    if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
    if (value instanceof ArrayBuffer) return `[ArrayBuffer ${value.byteLength} bytes]`;
    if (Array.isArray(value)) {
      if (depth >= bounds.maxDepth) return `[Array(${value.length})]`;
      const out: unknown[] = value.slice(0, bounds.maxEntries).map((v) => walk(v, depth + 1));
      if (value.length > bounds.maxEntries) out.push(`…(${value.length - bounds.maxEntries} more)`);
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    if (depth >= bounds.maxDepth) return '[Object]';
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys.slice(0, bounds.maxEntries)) {
      out[excerpt(key, 128)] = walk((value as Record<string, unknown>)[key], depth + 1);
    }
    if (keys.length > bounds.maxEntries) out['…'] = `${keys.length - bounds.maxEntries} more keys`;
    return out;
  };
  return walk(record, 0) as Record<string, unknown>;
}
