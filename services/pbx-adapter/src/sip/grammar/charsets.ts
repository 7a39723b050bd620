// Character classes of the RFC 3261 §25.1 grammar. All SIP syntax predicates live here and in
// Scanner.ts; header and URI parsers compose them instead of carrying their own regexes.

const table = (chars: string): Uint8Array => {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
};

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = '0123456789';
const ALPHANUM = ALPHA + DIGIT;
const MARK = "-_.!~*'()";
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = table(ALPHANUM + "-.!%*_+`'~");
/** word = 1*(token chars / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
const WORD = table(ALPHANUM + "-.!%*_+`'~" + '()<>:\\"/[]?{}');
/** user = 1*( unreserved / escaped / user-unreserved ), user-unreserved = & = + $ , ; ? / */
const USER = table(ALPHANUM + MARK + '&=+$,;?/');
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
const PASSWORD = table(ALPHANUM + MARK + '&=+$,');
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = [ ] / : & + $ */
const PARAM = table(ALPHANUM + MARK + '[]/:&+$');
/** hname/hvalue = hnv-unreserved / unreserved / escaped; hnv-unreserved = [ ] / ? : + $ */
const HNV = table(ALPHANUM + MARK + '[]/?:+$');
const HOSTNAME = table(ALPHANUM + '-.');
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
const SCHEME = table(ALPHANUM + '+-.');
/** Characters allowed in an absoluteURI's opaque part (RFC 3986 reserved + unreserved + "%"). */
const OPAQUE = table(ALPHANUM + MARK + ";/?:@&=+$,%[]#");

const inTable = (t: Uint8Array, code: number): boolean => code < 128 && t[code] === 1;

export const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
export const isAlpha = (code: number): boolean => (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
export const isHexDigit = (code: number): boolean =>
  isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
/** WSP = SP / HTAB */
export const isWsp = (code: number): boolean => code === 0x20 || code === 0x09;
export const isTokenChar = (code: number): boolean => inTable(TOKEN, code);
export const isWordChar = (code: number): boolean => inTable(WORD, code);
export const isUserChar = (code: number): boolean => inTable(USER, code);
export const isPasswordChar = (code: number): boolean => inTable(PASSWORD, code);
export const isParamChar = (code: number): boolean => inTable(PARAM, code);
export const isHeaderNameValueChar = (code: number): boolean => inTable(HNV, code);
export const isHostnameChar = (code: number): boolean => inTable(HOSTNAME, code);
export const isSchemeChar = (code: number): boolean => inTable(SCHEME, code);
export const isOpaqueChar = (code: number): boolean => inTable(OPAQUE, code);

/** True when every character of `s` satisfies `pred`, allowing `%HEX HEX` escapes. */
export const isEscapedRun = (s: string, pred: (code: number) => boolean): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (!isHexDigit(s.charCodeAt(i + 1)) || !isHexDigit(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (!pred(c)) {
      return false;
    }
  }
  return true;
};

/** Quote `s` as a quoted-string, escaping `"` and `\` (quoted-pair). */
export const quote = (s: string): string => `"${s.replace(/["\\]/g, (m) => `\\${m}`)}"`;

/** Strip surrounding WSP (SP / HTAB) only, unlike String#trim which also strips other white space. */
export const trimWsp = (s: string): string => {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
};
