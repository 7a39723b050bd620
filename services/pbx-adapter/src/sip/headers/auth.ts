// WWW-Authenticate / Proxy-Authenticate challenges and Authorization / Proxy-Authorization
// credentials (RFC 3261 §25.1, RFC 7616 §3.3-3.4). A header line may carry several challenges.
import { isTokenChar, quote } from '../grammar/charsets.ts';
import { Scanner } from '../grammar/Scanner.ts';

/** auth-scheme plus its auth-params (names lower-cased, quoted values unquoted). */
export interface AuthChallenge {
  scheme: string;
  params: Map<string, string>;
}

export type AuthCredentials = AuthChallenge;

const isAuthValueChar = (c: number): boolean => isTokenChar(c) || c === 0x2f || c === 0x3a;

/** True when, at the cursor, `token SWS "="` follows (an auth-param rather than a new scheme). */
const atParam = (s: Scanner): boolean => {
  const save = s.pos;
  const ok = s.tryToken() !== undefined && s.trySep('=');
  s.pos = save;
  return ok;
};

const scanAuthParams = (s: Scanner, into: Map<string, string>): void => {
  for (;;) {
    const name = s.token('auth-param name').toLowerCase();
    s.sep('=');
    const value = s.peek() === '"' ? s.quotedString() : s.readWhile(isAuthValueChar);
    if (value.length === 0 && s.input.charAt(s.pos - 1) !== '"') s.fail(`empty value for '${name}'`);
    if (into.has(name)) s.fail(`duplicate auth-param '${name}'`);
    into.set(name, value);
    const save = s.pos;
    if (!s.trySep(',')) return;
    if (!atParam(s)) {
      s.pos = save;
      return;
    }
  }
};

/** Parse one header value holding one or more challenges (or credentials). */
const parseAuthValues = (value: string, context: string): AuthChallenge[] => {
  const s = new Scanner(value, context);
  const out: AuthChallenge[] = [];
  s.skipWs();
  do {
    const scheme = s.token('auth-scheme');
    const params = new Map<string, string>();
    if (s.skipWs() && !s.done && s.peek() !== ',') scanAuthParams(s, params);
    out.push({ scheme, params });
  } while (s.trySep(','));
  s.end();
  return out;
};

export const parseChallenges = (value: string, context = 'WWW-Authenticate'): AuthChallenge[] => parseAuthValues(value, context);
export const parseCredentials = (value: string, context = 'Authorization'): AuthCredentials[] => parseAuthValues(value, context);

const UNQUOTED_IN_CHALLENGE = new Set(['algorithm', 'stale', 'charset', 'userhash']);
const UNQUOTED_IN_CREDENTIALS = new Set(['algorithm', 'nc', 'qop', 'userhash']);

const formatAuth = (v: AuthChallenge, unquoted: ReadonlySet<string>): string => {
  const parts: string[] = [];
  for (const [name, value] of v.params) {
    const plain = unquoted.has(name) && value.length > 0 && [...value].every((ch) => isTokenChar(ch.charCodeAt(0)));
    parts.push(`${name}=${plain ? value : quote(value)}`);
  }
  return parts.length > 0 ? `${v.scheme} ${parts.join(', ')}` : v.scheme;
};

export const formatChallenge = (c: AuthChallenge): string => formatAuth(c, UNQUOTED_IN_CHALLENGE);
export const formatCredentials = (c: AuthCredentials): string => formatAuth(c, UNQUOTED_IN_CREDENTIALS);
