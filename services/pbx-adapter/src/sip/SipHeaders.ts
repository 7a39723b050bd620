// The ordered header fields of a message, with raw access for every header and typed accessors for
// the ones the UA core needs. Names are stored canonically (compact forms expanded) and compared
// case-insensitively; values are stored unfolded, as received. Typed accessors parse on demand and
// throw SipParseError for malformed values; a value is parsed once per SipHeaders (the parser's checks,
// then the transaction, dialog and call layers read the same Via, CSeq, From, To again), and each read
// gets its own copy, so a caller may change what it got.
import { SipParseError, SipParseErrorReason } from './errors.ts';
import { isWordChar } from './grammar/charsets.ts';
import { canonicalHeaderName, isListHeader } from './headerNames.ts';
import { parseChallenges, parseCredentials, type AuthChallenge, type AuthCredentials } from './headers/auth.ts';
import { parseCSeq, type CSeq } from './headers/cseq.ts';
import { cloneNameAddr, parseNameAddr, parseNameAddrList, tagOf, type NameAddr } from './headers/nameAddr.ts';
import { splitHeaderList } from './headers/params.ts';
import {
  parseContentLength,
  parseDeltaSeconds,
  parseMaxForwards,
  parseMediaType,
  parseMinSE,
  parseSessionExpires,
  parseTokenList,
  type MediaType,
  type SessionExpires,
} from './headers/scalar.ts';
import { parseVias, type Via } from './headers/via.ts';

export interface HeaderField {
  name: string;
  value: string;
}

// The lookup key of a header name (canonical, lower-cased), remembered for the names looked up: a few
// dozen literals in practice, bounded in case names come from outside.
const KEYS_REMEMBERED = 512;
const keys = new Map<string, string>();
const key = (name: string): string => {
  let k = keys.get(name);
  if (k === undefined) {
    k = canonicalHeaderName(name).toLowerCase();
    if (keys.size < KEYS_REMEMBERED) keys.set(name, k);
  }
  return k;
};

const PARSED_REMEMBERED = 16;

const NAME_ADDR = { From: (v: string) => parseNameAddr(v, 'From'), To: (v: string) => parseNameAddr(v, 'To') };
const NAME_ADDR_LIST = {
  Contact: (v: string) => parseNameAddrList(v, 'Contact'),
  Route: (v: string) => parseNameAddrList(v, 'Route'),
  'Record-Route': (v: string) => parseNameAddrList(v, 'Record-Route'),
};

interface Parsed {
  kind: string;
  raw: string;
  value: unknown;
}

const copyVia = (via: Via): Via => ({ ...via, params: new Map(via.params) });

export class SipHeaders implements Iterable<HeaderField> {
  // An own property, not a #field, on purpose: deepEqual of two messages then compares their header
  // lines (the parse/serialize round-trip tests rely on it); TypeScript still keeps it private.
  private readonly list: HeaderField[] = [];
  /** key() of each line's name, index for index with `list`. */
  readonly #keys: string[] = [];
  /** Parsed values by accessor and raw value (see the file's head); created on the first typed read. */
  #parsed: Parsed[] | undefined;

  constructor(fields: Iterable<HeaderField | readonly [string, string]> = []) {
    for (const f of fields) {
      if (Array.isArray(f)) this.append(f[0] as string, f[1] as string);
      else this.append((f as HeaderField).name, (f as HeaderField).value);
    }
  }

  /** Number of header lines. */
  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.list.map((f) => ({ ...f }))[Symbol.iterator]();
  }

  /** Copies of all header lines in order. */
  entries(): HeaderField[] {
    return this.list.map((f) => ({ ...f }));
  }

  has(name: string): boolean {
    return this.#keys.includes(key(name));
  }

  /** Value of the first line with this name. */
  get(name: string): string | undefined {
    const i = this.#keys.indexOf(key(name));
    return i < 0 ? undefined : this.list[i]?.value;
  }

  /** Values of every line with this name, one entry per line. */
  getAll(name: string): string[] {
    const k = key(name);
    const out: string[] = [];
    for (let i = 0; i < this.#keys.length; i++) if (this.#keys[i] === k) out.push((this.list[i] as HeaderField).value);
    return out;
  }

  /** Values of every line, with comma-separated list headers split into elements. */
  values(name: string): string[] {
    const lines = this.getAll(name);
    return isListHeader(name) ? lines.flatMap(splitHeaderList) : lines;
  }

  /** Number of lines with this name. */
  count(name: string): number {
    const k = key(name);
    let n = 0;
    for (const lineKey of this.#keys) if (lineKey === k) n++;
    return n;
  }

  append(name: string, value: string): this {
    this.list.push({ name: canonicalHeaderName(checkName(name)), value: checkValue(name, value) });
    this.#keys.push(key(name));
    return this;
  }

  /** Insert before the first line of this name (or at the top), e.g. a new top Via. */
  prepend(name: string, value: string): this {
    const k = key(name);
    const idx = this.#keys.indexOf(k);
    const field = { name: canonicalHeaderName(checkName(name)), value: checkValue(name, value) };
    if (idx < 0) {
      this.list.unshift(field);
      this.#keys.unshift(k);
    } else {
      this.list.splice(idx, 0, field);
      this.#keys.splice(idx, 0, k);
    }
    return this;
  }

  /** Replace every line of this name by the given value(s), at the position of the first one. */
  set(name: string, value: string | readonly string[]): this {
    const values = typeof value === 'string' ? [value] : [...value];
    const k = key(name);
    const idx = this.#keys.indexOf(k);
    this.delete(name);
    const fields = values.map((v) => ({ name: canonicalHeaderName(checkName(name)), value: checkValue(name, v) }));
    const at = idx < 0 ? this.list.length : idx;
    this.list.splice(at, 0, ...fields);
    this.#keys.splice(at, 0, ...fields.map(() => k));
    return this;
  }

  /** Remove every line of this name; returns how many were removed. */
  delete(name: string): number {
    const k = key(name);
    let removed = 0;
    for (let i = this.#keys.length - 1; i >= 0; i--) {
      if (this.#keys[i] === k) {
        this.list.splice(i, 1);
        this.#keys.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  /** Remove the first element of a list header (e.g. the top Via), splitting a combined line if needed. */
  shift(name: string): string | undefined {
    const idx = this.#keys.indexOf(key(name));
    const field = this.list[idx];
    if (!field) return undefined;
    const parts = isListHeader(name) ? splitHeaderList(field.value) : [field.value];
    const first = parts.shift();
    if (parts.length === 0) {
      this.list.splice(idx, 1);
      this.#keys.splice(idx, 1);
    } else field.value = parts.join(', ');
    return first;
  }

  clone(): SipHeaders {
    return new SipHeaders(this.list);
  }

  // ---- typed accessors -------------------------------------------------------------------------

  #single(name: string): string | undefined {
    const all = this.getAll(name);
    if (all.length > 1) {
      throw new SipParseError(SipParseErrorReason.DuplicateHeader, `${all.length} ${name} headers, expected one`, { header: name });
    }
    return all[0];
  }

  /** The single `name` header parsed with `parse`; undefined when there is none. */
  #optional<T>(name: string, parse: (value: string) => T): T | undefined {
    const v = this.#single(name);
    return v === undefined ? undefined : parse(v);
  }

  /**
   * `parse(raw)`, once per accessor and raw value: the value is not copied here (callers copy what they
   * return). A value that fails to parse is not remembered (it throws again on the next read).
   */
  #parse<T>(kind: string, raw: string, parse: (value: string) => T): T {
    // A short list scanned with ===: the kinds are literals and a raw value is usually the very string of
    // the header line, so both compare by reference (a Map keyed by kind + raw hashed a new string per read).
    const memo = (this.#parsed ??= []);
    for (const p of memo) if (p.kind === kind && p.raw === raw) return p.value as T;
    const value = parse(raw);
    // Headers kept and changed over and over (a REGISTER's CSeq on every refresh) must not grow it.
    if (memo.length >= PARSED_REMEMBERED) memo.length = 0;
    memo.push({ kind, raw, value });
    return value;
  }

  #nameAddr(name: 'From' | 'To'): NameAddr {
    return this.#parse(name, this.#required(name), NAME_ADDR[name]);
  }

  #nameAddrs(name: 'Contact' | 'Route' | 'Record-Route'): NameAddr[] {
    return this.getAll(name).flatMap((v) => this.#parse(name, v, NAME_ADDR_LIST[name]).map(cloneNameAddr));
  }

  #required(name: string): string {
    const v = this.#single(name);
    if (v === undefined) throw new SipParseError(SipParseErrorReason.MissingHeader, `missing ${name} header`, { header: name });
    return v;
  }

  /** All Via values, top first. */
  vias(): Via[] {
    return this.getAll('Via').flatMap((v) => this.#parse('Via', v, parseVias).map(copyVia));
  }

  topVia(): Via {
    const first = this.get('Via');
    if (first === undefined) throw new SipParseError(SipParseErrorReason.MissingHeader, 'missing Via header', { header: 'Via' });
    return copyVia(this.#parse('Via', first, parseVias)[0] as Via);
  }

  from(): NameAddr {
    return cloneNameAddr(this.#nameAddr('From'));
  }

  to(): NameAddr {
    return cloneNameAddr(this.#nameAddr('To'));
  }

  fromTag(): string | undefined {
    return tagOf(this.#nameAddr('From'));
  }

  toTag(): string | undefined {
    return tagOf(this.#nameAddr('To'));
  }

  /** Call-ID = word ["@" word]. */
  callId(): string {
    return this.#parse('Call-ID', this.#required('Call-ID'), parseCallId);
  }

  cseq(): CSeq {
    return { ...this.#parse('CSeq', this.#required('CSeq'), parseCSeq) };
  }

  maxForwards(): number | undefined {
    return this.#optional('Max-Forwards', parseMaxForwards);
  }

  contentLength(): number | undefined {
    return this.#optional('Content-Length', parseContentLength);
  }

  contentType(): MediaType | undefined {
    return this.#optional('Content-Type', parseMediaType);
  }

  /** Expires header in seconds (clamped to 2**32-1). */
  expires(): number | undefined {
    return this.#optional('Expires', (v) => parseDeltaSeconds(v, 'Expires'));
  }

  minExpires(): number | undefined {
    return this.#optional('Min-Expires', (v) => parseDeltaSeconds(v, 'Min-Expires'));
  }

  /** True when the Contact is the wildcard `*` (REGISTER removing all bindings). */
  isContactWildcard(): boolean {
    const all = this.getAll('Contact');
    const star = all.some((v) => v.trim().startsWith('*'));
    if (star && (all.length > 1 || (all[0] ?? '').trim() !== '*')) {
      throw new SipParseError(SipParseErrorReason.BadHeader, 'Contact "*" combined with other values', { header: 'Contact' });
    }
    return star;
  }

  /** Contact values in order; [] when absent or for the wildcard `*`. */
  contacts(): NameAddr[] {
    if (this.isContactWildcard()) return [];
    return this.#nameAddrs('Contact');
  }

  routes(): NameAddr[] {
    return this.#nameAddrs('Route');
  }

  recordRoutes(): NameAddr[] {
    return this.#nameAddrs('Record-Route');
  }

  /** Challenges of WWW-Authenticate or Proxy-Authenticate, in order. */
  challenges(name: 'WWW-Authenticate' | 'Proxy-Authenticate'): AuthChallenge[] {
    return this.getAll(name).flatMap((v) => parseChallenges(v, name));
  }

  /** Credentials of Authorization or Proxy-Authorization, in order. */
  credentials(name: 'Authorization' | 'Proxy-Authorization'): AuthCredentials[] {
    return this.getAll(name).flatMap((v) => parseCredentials(v, name));
  }

  sessionExpires(): SessionExpires | undefined {
    return this.#optional('Session-Expires', parseSessionExpires);
  }

  minSE(): number | undefined {
    return this.#optional('Min-SE', parseMinSE);
  }

  /** Tokens of a comma-separated token list header (Supported, Require, Allow, ...), all lines. */
  tokens(name: string): string[] {
    return this.getAll(name).flatMap((v) => parseTokenList(v, canonicalHeaderName(name)));
  }

  supported(): string[] {
    return this.tokens('Supported');
  }

  require(): string[] {
    return this.tokens('Require');
  }
}

/** Call-ID = word ["@" word] (RFC 3261 §25.1), surrounding whitespace dropped. */
function parseCallId(raw: string): string {
  const v = raw.trim();
  const parts = v.split('@');
  const ok = parts.length <= 2 && parts.every((p) => p.length > 0 && [...p].every((c) => isWordChar(c.charCodeAt(0))));
  if (!ok) throw new SipParseError(SipParseErrorReason.BadHeader, `bad Call-ID "${v}"`, { header: 'Call-ID' });
  return v;
}

function checkName(name: string): string {
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(name)) throw new TypeError(`invalid header name '${name}'`);
  return name;
}

function checkValue(name: string, value: string): string {
  if (typeof value !== 'string' || /[\r\n]/.test(value)) throw new TypeError(`invalid value for header '${name}': must be a string without CR/LF`);
  return value;
}
