// A cursor over one unfolded header value (or URI) implementing the RFC 3261 §25.1 lexical rules:
// SWS separators, tokens, quoted strings with quoted-pairs, and generic parameters.
import { SipParseError, SipParseErrorReason } from '../errors.ts';
import { isTokenChar, isWsp } from './charsets.ts';

/** Ordered parameters; names lower-cased, `null` for a parameter without value. */
export type Params = Map<string, string | null>;

export class Scanner {
  readonly input: string;
  /** Header (or element) name, used in error messages. */
  readonly context: string;
  pos = 0;

  constructor(input: string, context: string) {
    this.input = input;
    this.context = context;
  }

  get done(): boolean {
    return this.pos >= this.input.length;
  }

  peek(offset = 0): string {
    return this.input.charAt(this.pos + offset);
  }

  /** Skip SWS (the value is already unfolded, so only SP / HTAB remain). Returns whether any was skipped. */
  skipWs(): boolean {
    const start = this.pos;
    while (this.pos < this.input.length && isWsp(this.input.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  /** Consume `ch` if it is next; no white space skipping. */
  eat(ch: string): boolean {
    if (this.input.startsWith(ch, this.pos)) {
      this.pos += ch.length;
      return true;
    }
    return false;
  }

  expect(ch: string): void {
    if (!this.eat(ch)) this.fail(`expected '${ch}'`);
  }

  /** SWS ch SWS (e.g. SEMI, COMMA, EQUAL, SLASH). Consumes nothing when `ch` does not follow. */
  trySep(ch: string): boolean {
    const save = this.pos;
    this.skipWs();
    if (this.eat(ch)) {
      this.skipWs();
      return true;
    }
    this.pos = save;
    return false;
  }

  sep(ch: string): void {
    if (!this.trySep(ch)) this.fail(`expected '${ch}'`);
  }

  readWhile(pred: (code: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.input.length && pred(this.input.charCodeAt(this.pos))) this.pos++;
    return this.input.slice(start, this.pos);
  }

  tryToken(): string | undefined {
    const t = this.readWhile(isTokenChar);
    return t.length > 0 ? t : undefined;
  }

  token(what = 'token'): string {
    const t = this.tryToken();
    if (t === undefined) this.fail(`expected ${what}`);
    return t;
  }

  /** quoted-string; returns the content with quoted-pairs resolved. The cursor must be on the DQUOTE. */
  quotedString(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      if (this.done) this.fail('unterminated quoted string');
      const c = this.input.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c === 0x5c) {
        const next = this.input.charCodeAt(this.pos + 1);
        if (Number.isNaN(next) || next === 0x0a || next === 0x0d || next > 0x7f) this.fail('invalid quoted-pair');
        out += this.input.charAt(this.pos + 1);
        this.pos += 2;
        continue;
      }
      // qdtext: LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII; other controls are invalid.
      if (c < 0x20 && c !== 0x09) this.fail('control character in quoted string');
      if (c === 0x7f) this.fail('DEL in quoted string');
      out += this.input.charAt(this.pos);
      this.pos++;
    }
  }

  /**
   * gen-value = token / host / quoted-string. Unquoted values also accept ':' and '[' ']' so that
   * IPv6 references and bare IPv6 `received` values parse (RFC 5118 §4.5).
   */
  genericValue(): string {
    if (this.peek() === '"') return this.quotedString();
    const v = this.readWhile((c) => isTokenChar(c) || c === 0x3a || c === 0x5b || c === 0x5d);
    if (v.length === 0) this.fail('expected parameter value');
    return v;
  }

  /** *( SEMI generic-param ), stopping before anything that is not a SEMI. */
  params(into: Params = new Map()): Params {
    while (this.trySep(';')) {
      const name = this.token('parameter name').toLowerCase();
      let value: string | null = null;
      if (this.trySep('=')) value = this.genericValue();
      if (into.has(name)) this.fail(`duplicate parameter '${name}'`);
      into.set(name, value);
    }
    return into;
  }

  /** Everything from the cursor to the end. */
  rest(): string {
    const r = this.input.slice(this.pos);
    this.pos = this.input.length;
    return r;
  }

  /** Fail unless only white space remains. */
  end(): void {
    this.skipWs();
    if (!this.done) this.fail(`unexpected '${this.peek()}'`);
  }

  fail(message: string, reason: SipParseErrorReason = SipParseErrorReason.BadHeader): never {
    throw new SipParseError(reason, `${message} at offset ${this.pos} of ${this.context} value "${this.input}"`, {
      header: this.context,
    });
  }
}
