// Generic header parameters (";name=value") and comma-separated header lists.
import { isTokenChar, quote } from '../grammar/charsets.ts';
import type { Params } from '../grammar/Scanner.ts';

const isPlainValue = (v: string): boolean => {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!(isTokenChar(c) || c === 0x3a || c === 0x5b || c === 0x5d)) return false;
  }
  return true;
};

/** Format header parameters; values that are not token/host are written as quoted strings. */
export const formatHeaderParams = (params: Params): string => {
  let out = '';
  for (const [name, value] of params) {
    if (value === null) out += `;${name}`;
    else out += `;${name}=${isPlainValue(value) ? value : quote(value)}`;
  }
  return out;
};

/**
 * Split a header value at top-level commas (outside quoted strings and angle brackets). Used for the
 * raw view of list headers; typed parsers tokenise values themselves.
 */
export const splitHeaderList = (value: string): string[] => {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>' && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
};
