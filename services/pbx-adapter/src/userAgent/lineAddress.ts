// Where a line's SIP traffic goes and what it says about itself, from its LineConfig: the registrar as a
// destination (it is also the outbound proxy of every call), the address-of-record (From/To of
// REGISTER, From of INVITE), the Contact under which the PBX reaches us, and call targets at the
// registrar's domain. Pure functions; bad values throw InvalidAddressError.
import type { LineConfig } from '@ucserver/shared';
import { InvalidAddressError } from '../errors.ts';
import {
  createSipUri,
  defaultPort,
  parseHostPort,
  parseUri,
  type Destination,
  type SipUri,
  type TransportProtocol,
} from '../sip/mod.ts';
import type { LineTransport } from './SipEndpointTypes.ts';

const PROTOCOL: Record<LineTransport, TransportProtocol> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };

export interface LineAddress {
  transport: LineTransport;
  /** Where REGISTER, OPTIONS and every initial INVITE of the line are sent. */
  destination: Destination;
  /** `sip:host:port` (with `;transport=` for tcp/tls): the Request-URI of REGISTER and OPTIONS. */
  registrarUri: SipUri;
  /** `host:port` of the registrar: the domain of call targets. */
  domain: string;
  /** Identifies the registrar (transport, host, port) for keepalives shared by its lines. */
  registrarKey: string;
  /** The line's address-of-record (its sipUri, or sip:<number>@<registrar host>). */
  aor: SipUri;
}

const uriTransportParam = (transport: LineTransport): Array<[string, string]> => (transport === 'udp' ? [] : [['transport', transport]]);

/** Splits `host[:port]` (or `sip:host[:port]`) of a registrar; the port defaults per transport. */
export const parseRegistrar = (registrar: string, transport: LineTransport): { host: string; port: number } => {
  const text = registrar.trim().replace(/^sips?:/i, '').replace(/;.*$/, '');
  try {
    const { host, port } = parseHostPort(text, 'registrar');
    return { host, port: port ?? defaultPort(PROTOCOL[transport]) };
  } catch (err) {
    throw new InvalidAddressError(`bad registrar '${registrar}' (expected host[:port])`, { cause: err });
  }
};

export const lineAddress = (line: LineConfig): LineAddress => {
  const { host, port } = parseRegistrar(line.registrar, line.transport);
  const protocol = PROTOCOL[line.transport];
  const unbracketed = host.startsWith('[') ? host.slice(1, -1) : host;
  let aor: SipUri | undefined;
  try {
    const parsed = parseUri(line.sipUri, 'sipUri');
    if (parsed.scheme === 'sip' || parsed.scheme === 'sips') aor = { ...(parsed as SipUri), params: new Map(), headers: [] };
  } catch {
    // An unusable sipUri falls back to the usual AOR below; registration then shows whether it works.
  }
  aor ??= createSipUri({ user: escapeUser(line.number), host });
  return {
    transport: line.transport,
    destination: { protocol, host: unbracketed, port },
    registrarUri: createSipUri({ host, port, params: uriTransportParam(line.transport) }),
    domain: `${host}:${port}`,
    registrarKey: `${line.transport}:${unbracketed}:${port}`,
    aor,
  };
};

/** `sip:<number>@<host>:<port>;transport=<t>`: where the PBX reaches this line. */
export const contactUri = (line: LineConfig, sentBy: { host: string; port: number }, transport: LineTransport): SipUri =>
  createSipUri({
    user: escapeUser(line.number),
    host: sentBy.host.includes(':') && !sentBy.host.startsWith('[') ? `[${sentBy.host}]` : sentBy.host,
    port: sentBy.port,
    params: [['transport', transport]],
  });

/**
 * The URI of a call target: a sip:/sips: URI as given, the number of a tel: URI, or a dial string (a
 * number or user), each at the registrar's domain (host:port), which proxies every call.
 */
export const targetUri = (to: string, address: LineAddress): SipUri => {
  const text = to.trim();
  if (/^sips?:/i.test(text)) {
    try {
      const uri = parseUri(text, 'call target') as SipUri;
      return { ...uri, params: new Map([...uri.params].filter(([k]) => k !== 'transport')), headers: [] };
    } catch (err) {
      throw new InvalidAddressError(`bad call target '${to}'`, { cause: err });
    }
  }
  const user = /^tel:/i.test(text) ? text.slice(4).split(';')[0]!.replace(/[().\s-]/g, '') : text;
  if (user.length === 0) throw new InvalidAddressError(`empty call target '${to}'`);
  const { host, port } = parseHostPort(address.domain, 'registrar');
  return createSipUri({ user: escapeUser(user), host, port, params: uriTransportParam(address.transport) });
};

/** Escapes characters a SIP user part cannot carry literally (RFC 3261 §25.1 user / unreserved). */
export const escapeUser = (user: string): string =>
  [...Buffer.from(user, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
