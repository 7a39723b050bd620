// Projections of parsed messages into plain values, so table rows can state expectations as data.
import {
  formatUri,
  isSipUri,
  type NameAddr,
  type SipMessage,
  type Uri,
} from '../../src/sip/mod.ts';

export const uriView = (u: Uri): Record<string, unknown> =>
  isSipUri(u)
    ? {
        scheme: u.scheme,
        user: u.user,
        password: u.password,
        host: u.host,
        port: u.port,
        params: Object.fromEntries(u.params),
        headers: u.headers,
      }
    : 'opaque' in u
      ? { scheme: u.scheme, opaque: u.opaque }
      : { scheme: u.scheme, number: (u as { number: string }).number, params: Object.fromEntries((u as { params: Map<string, string | null> }).params) };

export const nameAddrView = (na: NameAddr): Record<string, unknown> => ({
  displayName: na.displayName,
  uri: formatUri(na.uri),
  params: Object.fromEntries(na.params),
});

type Extractor = (m: SipMessage) => unknown;

const EXTRACTORS: Record<string, Extractor> = {
  type: (m) => m.type,
  method: (m) => (m.type === 'request' ? m.method : undefined),
  requestUri: (m) => (m.type === 'request' ? formatUri(m.uri) : undefined),
  uri: (m) => (m.type === 'request' ? uriView(m.uri) : undefined),
  status: (m) => (m.type === 'response' ? m.status : undefined),
  reason: (m) => (m.type === 'response' ? m.reason : undefined),
  callId: (m) => m.headers.callId(),
  cseq: (m) => m.headers.cseq(),
  maxForwards: (m) => m.headers.maxForwards(),
  contentLength: (m) => m.headers.contentLength(),
  contentType: (m) => {
    const c = m.headers.contentType();
    return c && { type: c.type, subtype: c.subtype, params: Object.fromEntries(c.params) };
  },
  bodyLength: (m) => m.body.length,
  body: (m) => m.body.toString('utf8'),
  from: (m) => nameAddrView(m.headers.from()),
  to: (m) => nameAddrView(m.headers.to()),
  fromUri: (m) => uriView(m.headers.from().uri),
  toUri: (m) => uriView(m.headers.to().uri),
  vias: (m) =>
    m.headers.vias().map((v) => ({ transport: v.transport, host: v.host, port: v.port, params: Object.fromEntries(v.params) })),
  viaCount: (m) => m.headers.vias().length,
  contacts: (m) => m.headers.contacts().map(nameAddrView),
  contactUris: (m) => m.headers.contacts().map((c) => uriView(c.uri)),
  routes: (m) => m.headers.routes().map(nameAddrView),
  recordRoutes: (m) => m.headers.recordRoutes().map(nameAddrView),
  require: (m) => m.headers.require(),
  supported: (m) => m.headers.supported(),
};

/** Value of one projection key; `header:Name` gives the raw values of every line of that header. */
export const projectKey = (m: SipMessage, key: string): unknown => {
  if (key.startsWith('header:')) return m.headers.getAll(key.slice(7));
  const ex = EXTRACTORS[key];
  if (!ex) throw new TypeError(`unknown projection key ${key}`);
  return ex(m);
};
