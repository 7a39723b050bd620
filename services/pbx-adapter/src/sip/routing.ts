// Next hop of an outgoing request (RFC 3261 §8.1.2, §16.12; RFC 3263 §4 without DNS NAPTR/SRV): the
// first Route URI when it is a loose router, else the Request-URI; transport from the `transport`
// parameter (TLS for sips:), port from the URI or the transport default, host from maddr or the URI.
import type { SipRequest } from './message.ts';
import type { Destination, TransportProtocol } from './transport/TransportTypes.ts';
import { defaultPort } from './transport/viaProcessing.ts';
import { formatUri, isSipUri, type SipUri, type Uri } from './uri.ts';

const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** Destination for a SIP/SIPS URI. Throws TypeError for other schemes (tel: needs a gateway route). */
export const destinationOfUri = (uri: Uri): Destination => {
  if (!isSipUri(uri)) throw new TypeError(`cannot route to ${formatUri(uri)}: not a SIP URI`);
  const sip = uri as SipUri;
  const param = sip.params.get('transport')?.toUpperCase();
  let protocol: TransportProtocol;
  if (sip.scheme === 'sips') protocol = 'TLS';
  else if (param === 'TCP') protocol = 'TCP';
  else if (param === 'TLS') protocol = 'TLS';
  else protocol = 'UDP';
  const maddr = sip.params.get('maddr');
  return { protocol, host: unbracket(maddr ?? sip.host), port: sip.port ?? defaultPort(protocol) };
};

/** Where to send `request`: the top Route when present (lr or not), else the Request-URI. */
export const nextHop = (request: SipRequest): Destination => {
  const route = request.headers.routes()[0];
  return destinationOfUri(route ? route.uri : request.uri);
};
