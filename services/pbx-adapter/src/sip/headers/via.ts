// Via (RFC 3261 §20.42, §18.2.1; RFC 3581 rport; RFC 5118 IPv6).
import { isDigit } from '../grammar/charsets.ts';
import { Scanner, type Params } from '../grammar/Scanner.ts';
import { checkHost } from '../uri.ts';
import { formatHeaderParams } from './params.ts';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 compliant elements start with this cookie. */
const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  /** protocol-name, "SIP" for every real message. */
  protocol: string;
  version: string;
  /** Transport, upper-cased ("UDP", "TCP", "TLS", "SCTP", "WS", ...). */
  transport: string;
  host: string;
  port: number | undefined;
  /** via-params: branch, received, rport, maddr, ttl and extensions; names lower-cased. */
  params: Params;
}

const scanVia = (s: Scanner): Via => {
  s.skipWs();
  const protocol = s.token('protocol name');
  s.sep('/');
  const version = s.token('protocol version');
  s.sep('/');
  const transport = s.token('transport').toUpperCase();
  if (!s.skipWs()) s.fail('expected LWS before sent-by');
  let host: string;
  if (s.peek() === '[') {
    host = s.readWhile((c) => c !== 0x5d);
    s.expect(']');
    host += ']';
  } else {
    host = s.readWhile((c) => c !== 0x3a && c !== 0x3b && c !== 0x2c && c !== 0x20 && c !== 0x09);
  }
  checkHost(host, s.context);
  let port: number | undefined;
  if (s.trySep(':')) {
    const p = s.readWhile(isDigit);
    if (p.length === 0 || p.length > 5 || Number(p) > 65535) s.fail('bad port');
    port = Number(p);
  }
  const params = s.params();
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !/^[0-9]{1,3}$/.test(ttl) || Number(ttl) > 255)) s.fail('bad ttl');
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && (!/^[0-9]{1,5}$/.test(rport) || Number(rport) > 65535)) s.fail('bad rport');
  if (params.get('branch') === null) s.fail('branch without value');
  return { protocol, version, transport, host, port, params };
};

/** Parse one Via header line (which may hold several comma-separated via-parms). */
export const parseVias = (value: string): Via[] => {
  const s = new Scanner(value, 'Via');
  const out: Via[] = [];
  do {
    out.push(scanVia(s));
  } while (s.trySep(','));
  s.end();
  return out;
};

export const formatVia = (via: Via): string =>
  `${via.protocol}/${via.version}/${via.transport} ${via.host}${via.port !== undefined ? `:${via.port}` : ''}${formatHeaderParams(via.params)}`;

export const createVia = (init: {
  transport: string;
  host: string;
  port?: number | undefined;
  branch: string;
  rport?: boolean;
  params?: Iterable<[string, string | null]>;
}): Via => {
  const params: Params = new Map([['branch', init.branch]]);
  if (init.rport) params.set('rport', null);
  for (const [n, v] of init.params ?? []) params.set(n.toLowerCase(), v);
  return { protocol: 'SIP', version: '2.0', transport: init.transport.toUpperCase(), host: init.host, port: init.port, params };
};

export const viaBranch = (via: Via): string | undefined => via.params.get('branch') ?? undefined;
export const viaReceived = (via: Via): string | undefined => via.params.get('received') ?? undefined;
/** rport: a number once filled in by the server, null when only requested (";rport"), undefined when absent. */
export const viaRport = (via: Via): number | null | undefined => {
  const v = via.params.get('rport');
  return v === undefined ? undefined : v === null ? null : Number(v);
};
export const viaMaddr = (via: Via): string | undefined => via.params.get('maddr') ?? undefined;
export const viaTtl = (via: Via): number | undefined => {
  const v = via.params.get('ttl');
  return v === undefined || v === null ? undefined : Number(v);
};
/** sent-by as written: host[:port]. */
export const viaSentBy = (via: Via): string => `${via.host.toLowerCase()}${via.port !== undefined ? `:${via.port}` : ''}`;

/** True for an RFC 3261 branch: the magic cookie followed by at least one character (RFC 4475 §3.2.1). */
export const isRfc3261Branch = (branch: string | undefined): branch is string =>
  branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length;
