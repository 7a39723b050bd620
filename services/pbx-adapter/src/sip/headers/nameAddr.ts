// name-addr / addr-spec values with header parameters: From, To, Contact, Route, Record-Route,
// Refer-To, P-Asserted-Identity, ... (RFC 3261 §20.10, §25.1).
import { SipParseError, SipParseErrorReason } from '../errors.ts';
import { quote } from '../grammar/charsets.ts';
import { Scanner, type Params } from '../grammar/Scanner.ts';
import { cloneUri, formatUri, parseUri, type Uri } from '../uri.ts';
import { formatHeaderParams } from './params.ts';

export interface NameAddr {
  /** Display name with quoted-pairs resolved; undefined when absent, '' for `""`. */
  displayName: string | undefined;
  uri: Uri;
  /** Header parameters (tag, expires, q, lr of Route is a URI parameter instead). */
  params: Params;
}

/** Scan one name-addr or addr-spec followed by its header parameters. */
const scanNameAddr = (s: Scanner, inList: boolean): NameAddr => {
  s.skipWs();
  let displayName: string | undefined;
  let bracketed = false;
  if (s.peek() === '"') {
    displayName = s.quotedString();
    s.skipWs();
    bracketed = true;
  } else if (s.peek() === '<') {
    bracketed = true;
  } else {
    // display-name = *(token LWS): only a display name if a '<' follows.
    const save = s.pos;
    const words: string[] = [];
    for (;;) {
      const t = s.tryToken();
      if (t === undefined) break;
      words.push(t);
      s.skipWs();
    }
    if (words.length > 0 && s.peek() === '<') {
      displayName = words.join(' ');
      bracketed = true;
    } else {
      s.pos = save;
    }
  }
  let uriText: string;
  if (bracketed) {
    s.expect('<');
    uriText = s.readWhile((c) => c !== 0x3e);
    s.expect('>');
  } else {
    // addr-spec: parameters after ';' belong to the header, so the URI cannot contain ';', '?' or ','.
    uriText = s.readWhile((c) => c !== 0x3b && c !== 0x20 && c !== 0x09 && !(inList && c === 0x2c));
    if (uriText.length === 0) s.fail('expected URI');
    if (uriText.includes('?')) s.fail('URI with headers must be enclosed in <>');
  }
  let uri: Uri;
  try {
    uri = parseUri(uriText, s.context);
  } catch (err) {
    if (err instanceof SipParseError) throw err;
    throw new SipParseError(SipParseErrorReason.BadUri, `bad URI in ${s.context}`, { header: s.context, cause: err });
  }
  const params = s.params();
  return { displayName, uri, params };
};

/** Parse a single name-addr / addr-spec header value (From, To, Refer-To, ...). */
export const parseNameAddr = (value: string, context = 'name-addr'): NameAddr => {
  const s = new Scanner(value, context);
  const na = scanNameAddr(s, false);
  s.end();
  return na;
};

/** Parse a comma-separated list of name-addr values (Contact, Route, Record-Route, Path, ...). */
export const parseNameAddrList = (value: string, context = 'name-addr'): NameAddr[] => {
  const s = new Scanner(value, context);
  const out: NameAddr[] = [];
  do {
    out.push(scanNameAddr(s, true));
  } while (s.trySep(','));
  s.end();
  return out;
};

/** Format as `"Display" <uri>;params` (always bracketed, which is valid for every URI). */
export const formatNameAddr = (na: NameAddr): string =>
  `${na.displayName !== undefined ? `${quote(na.displayName)} ` : ''}<${formatUri(na.uri)}>${formatHeaderParams(na.params)}`;

export const createNameAddr = (uri: Uri, init: { displayName?: string; params?: Iterable<[string, string | null]> } = {}): NameAddr => ({
  displayName: init.displayName,
  uri,
  params: new Map([...(init.params ?? [])].map(([n, v]) => [n.toLowerCase(), v])),
});

export const cloneNameAddr = (na: NameAddr): NameAddr => ({
  displayName: na.displayName,
  uri: cloneUri(na.uri),
  params: new Map(na.params),
});

/**
 * The `expires` parameter of a Contact in seconds (clamped to 2**32-1), undefined when absent. Throws
 * SipParseError when present but not delta-seconds.
 */
export const expiresOf = (na: NameAddr): number | undefined => {
  const v = na.params.get('expires');
  if (v === undefined) return undefined;
  if (v === null || !/^[0-9]+$/.test(v)) {
    throw new SipParseError(SipParseErrorReason.BadHeader, `bad Contact expires parameter "${v}"`, { header: 'Contact' });
  }
  return v.replace(/^0+(?=\d)/, '').length > 10 ? 2 ** 32 - 1 : Math.min(Number(v), 2 ** 32 - 1);
};

/** The tag parameter of a From or To value. */
export const tagOf = (na: NameAddr): string | undefined => na.params.get('tag') ?? undefined;
