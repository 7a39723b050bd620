// SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966) plus any other absoluteURI as an opaque
// value. Components keep their escaped (%HEX HEX) wire form so that formatting reproduces the input;
// use unescapeUriComponent() or uriEquals() for comparisons.
import { isIPv4, isIPv6 } from 'node:net';
import { SipParseError, SipParseErrorReason } from './errors.ts';
import {
  isAlpha,
  isEscapedRun,
  isHeaderNameValueChar,
  isHexDigit,
  isHostnameChar,
  isOpaqueChar,
  isParamChar,
  isPasswordChar,
  isSchemeChar,
  isUserChar,
} from './grammar/charsets.ts';
import type { Params } from './grammar/Scanner.ts';

export type { Params } from './grammar/Scanner.ts';

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** Escaped user part (may be a telephone-subscriber with ';' parameters), undefined when absent. */
  user: string | undefined;
  password: string | undefined;
  /** Host name, IPv4 address or IPv6 reference in brackets ("[2001:db8::1]"). Case as received. */
  host: string;
  port: number | undefined;
  /** uri-parameters; names lower-cased, values escaped as received; null for a flag (";lr"). */
  params: Params;
  /** Escaped header fields after '?', in order. */
  headers: Array<[name: string, value: string]>;
}

export interface TelUri {
  scheme: 'tel';
  /** global-number or local-number, as received (visual separators kept). */
  number: string;
  params: Params;
}

/** Any other absoluteURI (http:, urn:, isbn:, ...) kept opaque. */
export interface AbsoluteUri {
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | AbsoluteUri;

export const isSipUri = (uri: Uri): uri is SipUri => uri.scheme === 'sip' || uri.scheme === 'sips';
export const isTelUri = (uri: Uri): uri is TelUri => uri.scheme === 'tel';

const bad = (context: string, text: string, why: string): never => {
  throw new SipParseError(SipParseErrorReason.BadUri, `invalid URI in ${context} (${why}): "${text}"`, {
    header: context,
  });
};

/** Validate a host (hostname, IPv4address or IPv6reference) and return it unchanged. */
export const checkHost = (host: string, context = 'URI'): string => {
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || !isIPv6(host.slice(1, -1))) bad(context, host, 'bad IPv6 reference');
    return host;
  }
  if (host.length === 0) bad(context, host, 'empty host');
  for (let i = 0; i < host.length; i++) if (!isHostnameChar(host.charCodeAt(i))) bad(context, host, 'bad host character');
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  const last = labels[labels.length - 1] ?? '';
  if (/^[0-9.]+$/.test(host)) {
    if (!isIPv4(host)) bad(context, host, 'bad IPv4 address');
    return host;
  }
  for (const label of labels) {
    if (label.length === 0 || label.startsWith('-') || label.endsWith('-')) bad(context, host, 'bad domain label');
  }
  if (!isAlpha(last.charCodeAt(0))) bad(context, host, 'top label must start with a letter');
  return host;
};

const parsePort = (text: string, context: string, whole: string): number => {
  if (!/^[0-9]{1,5}$/.test(text)) bad(context, whole, 'bad port');
  const port = Number(text);
  if (port > 65535) bad(context, whole, 'port out of range');
  return port;
};

/** Split `host[:port]` (IPv6 references in brackets). */
export const parseHostPort = (text: string, context = 'URI'): { host: string; port: number | undefined } => {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) bad(context, text, 'unterminated IPv6 reference');
    host = text.slice(0, close + 1);
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
  }
  checkHost(host, context);
  if (rest === '') return { host, port: undefined };
  if (!rest.startsWith(':')) bad(context, text, 'garbage after host');
  return { host, port: parsePort(rest.slice(1), context, text) };
};

const parseUriParams = (text: string, context: string, whole: string): Params => {
  const params: Params = new Map();
  if (text === '') return params;
  // text starts with ';'
  for (const part of text.slice(1).split(';')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? null : part.slice(eq + 1);
    if (name === '' || !isEscapedRun(name, isParamChar)) bad(context, whole, `bad parameter name '${name}'`);
    if (value !== null && (value === '' || !isEscapedRun(value, isParamChar))) bad(context, whole, `bad parameter value '${value}'`);
    const key = name.toLowerCase();
    if (params.has(key)) bad(context, whole, `duplicate parameter '${key}'`);
    params.set(key, value);
  }
  return params;
};

const parseSipUriBody = (scheme: 'sip' | 'sips', body: string, context: string, whole: string): SipUri => {
  let user: string | undefined;
  let password: string | undefined;
  let rest = body;
  const at = body.indexOf('@');
  if (at >= 0) {
    const userinfo = body.slice(0, at);
    rest = body.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    password = colon < 0 ? undefined : userinfo.slice(colon + 1);
    if (user === '' || !isEscapedRun(user, isUserChar)) bad(context, whole, 'bad user part');
    if (password !== undefined && !isEscapedRun(password, isPasswordChar)) bad(context, whole, 'bad password');
  }
  const q = rest.indexOf('?');
  const headerText = q < 0 ? '' : rest.slice(q + 1);
  const beforeHeaders = q < 0 ? rest : rest.slice(0, q);
  let semi: number;
  if (beforeHeaders.startsWith('[')) {
    const close = beforeHeaders.indexOf(']');
    semi = close < 0 ? -1 : beforeHeaders.indexOf(';', close);
  } else {
    semi = beforeHeaders.indexOf(';');
  }
  const hostport = semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const { host, port } = parseHostPort(hostport, context);
  const params = parseUriParams(semi < 0 ? '' : beforeHeaders.slice(semi), context, whole);
  const headers: Array<[string, string]> = [];
  if (q >= 0) {
    for (const part of headerText.split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) bad(context, whole, 'bad URI header');
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (!isEscapedRun(name, isHeaderNameValueChar) || !isEscapedRun(value, isHeaderNameValueChar)) {
        bad(context, whole, 'bad URI header');
      }
      headers.push([name, value]);
    }
  }
  return { scheme, user, password, host, port, params, headers };
};

const TEL_NUMBER = /^\+?[0-9A-Fa-f*#().\-pw]+$/;

/** Parse any URI. `context` names the header or element for error messages. */
export const parseUri = (text: string, context = 'URI'): Uri => {
  const colon = text.indexOf(':');
  if (colon <= 0) bad(context, text, 'missing scheme');
  const schemeText = text.slice(0, colon);
  if (!isAlpha(schemeText.charCodeAt(0))) bad(context, text, 'bad scheme');
  for (let i = 1; i < schemeText.length; i++) if (!isSchemeChar(schemeText.charCodeAt(i))) bad(context, text, 'bad scheme');
  const scheme = schemeText.toLowerCase();
  const body = text.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUriBody(scheme, body, context, text);
  if (scheme === 'tel') {
    const semi = body.indexOf(';');
    const number = semi < 0 ? body : body.slice(0, semi);
    if (!TEL_NUMBER.test(number)) bad(context, text, 'bad telephone number');
    return { scheme: 'tel', number, params: parseUriParams(semi < 0 ? '' : body.slice(semi), context, text) };
  }
  if (body.length === 0) bad(context, text, 'empty opaque part');
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (!isOpaqueChar(c)) bad(context, text, 'bad character');
    if (c === 0x25 && !(isHexDigit(body.charCodeAt(i + 1)) && isHexDigit(body.charCodeAt(i + 2)))) bad(context, text, 'bad escape');
  }
  return { scheme, opaque: body };
};

/** Parse a URI that must be sip: or sips:. */
export const parseSipUri = (text: string, context = 'URI'): SipUri => {
  const uri = parseUri(text, context);
  if (!isSipUri(uri)) bad(context, text, 'not a SIP URI');
  return uri as SipUri;
};

const formatParams = (params: Params): string => {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
};

export const formatUri = (uri: Uri): string => {
  if (isSipUri(uri)) {
    let out = `${uri.scheme}:`;
    if (uri.user !== undefined) out += `${uri.user}${uri.password !== undefined ? `:${uri.password}` : ''}@`;
    out += uri.host;
    if (uri.port !== undefined) out += `:${uri.port}`;
    out += formatParams(uri.params);
    if (uri.headers.length > 0) out += `?${uri.headers.map(([n, v]) => `${n}=${v}`).join('&')}`;
    return out;
  }
  if (isTelUri(uri)) return `tel:${uri.number}${formatParams(uri.params)}`;
  const abs = uri as AbsoluteUri;
  return `${abs.scheme}:${abs.opaque}`;
};

/** Build a SIP URI from parts. */
export const createSipUri = (init: {
  scheme?: 'sip' | 'sips';
  user?: string | undefined;
  password?: string | undefined;
  host: string;
  port?: number | undefined;
  params?: Iterable<[string, string | null]>;
  headers?: Array<[string, string]>;
}): SipUri => ({
  scheme: init.scheme ?? 'sip',
  user: init.user,
  password: init.password,
  host: init.host,
  port: init.port,
  params: new Map([...(init.params ?? [])].map(([n, v]) => [n.toLowerCase(), v])),
  headers: init.headers ?? [],
});

export const cloneUri = <T extends Uri>(uri: T): T => {
  if (isSipUri(uri)) return { ...uri, params: new Map(uri.params), headers: uri.headers.map(([n, v]) => [n, v]) } as T;
  if (isTelUri(uri)) return { ...uri, params: new Map(uri.params) } as T;
  return { ...uri };
};

/** Resolve %HEX HEX escapes (UTF-8); invalid escapes are kept literally. */
export const unescapeUriComponent = (s: string): string => {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s.charAt(i), 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
};

const COMPARED_IF_EITHER = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equality per RFC 3261 §19.1.4 (SIP/SIPS), or exact comparison for other schemes. */
export const uriEquals = (a: Uri, b: Uri): boolean => {
  if (a.scheme !== b.scheme) return false;
  if (isSipUri(a) && isSipUri(b)) {
    const u = (x: string | undefined): string | undefined => (x === undefined ? undefined : unescapeUriComponent(x));
    if (u(a.user) !== u(b.user) || u(a.password) !== u(b.password)) return false;
    if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
    const val = (x: string | null | undefined): string | null | undefined =>
      typeof x === 'string' ? unescapeUriComponent(x).toLowerCase() : x;
    for (const name of COMPARED_IF_EITHER) {
      if (val(a.params.get(name)) !== val(b.params.get(name))) return false;
    }
    for (const [name, value] of a.params) {
      if (b.params.has(name) && val(value) !== val(b.params.get(name))) return false;
    }
    const headers = (x: SipUri): string =>
      x.headers
        .map(([n, v]) => `${unescapeUriComponent(n).toLowerCase()}=${unescapeUriComponent(v)}`)
        .sort()
        .join('&');
    return headers(a) === headers(b);
  }
  return formatUri(a) === formatUri(b);
};
