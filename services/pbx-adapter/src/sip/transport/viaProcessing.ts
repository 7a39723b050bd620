// Via handling at the transport layer: stamping received/rport on incoming requests (RFC 3261
// §18.2.1, RFC 3581 §4) and choosing where a response goes (RFC 3261 §18.2.2, RFC 3581 §4).
import { isIP } from 'node:net';
import { formatVia, parseVias, viaMaddr, viaReceived, viaRport, type Via } from '../headers/via.ts';
import type { SipRequest } from '../message.ts';
import type { Destination, MessageSource } from './TransportTypes.ts';

/** An IPv6 reference without its brackets ('[::1]' → '::1'), the form sockets take; other hosts as they are. */
export const unbracket = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** Default port of a transport (RFC 3261 §19.1.2). */
export const defaultPort = (protocol: string): number => (protocol.toUpperCase() === 'TLS' ? 5061 : 5060);

/**
 * Add `received` when the sent-by host is a name or differs from the packet source, and fill in
 * `rport` (with `received`) when the client asked for it. Mutates the request's top Via.
 */
export const stampReceived = (request: SipRequest, source: MessageSource): void => {
  const first = request.headers.shift('Via');
  if (first === undefined) return;
  // shift() returned exactly one via-parm; the rest of a combined line stays in place.
  const via = parseVias(first)[0] as Via;
  const rport = via.params.has('rport');
  const host = unbracket(via.host);
  if (rport || isIP(host) === 0 || host.toLowerCase() !== source.address.toLowerCase()) {
    via.params.set('received', source.address);
  }
  if (rport) via.params.set('rport', String(source.port));
  request.headers.prepend('Via', formatVia(via));
};

/** Destination of a response to a request whose top Via is `via`, received from `source`. */
export const responseDestination = (via: Via, source: MessageSource): Destination => {
  const received = viaReceived(via);
  const rport = viaRport(via);
  const protocol = source.protocol;
  if (protocol !== 'UDP') {
    // §18.2.2: reuse the connection; if it is gone, connect to received (or source) at the sent-by port.
    return {
      protocol,
      host: received ?? source.address,
      port: via.port ?? defaultPort(protocol),
      connectionId: source.connectionId,
    };
  }
  const maddr = viaMaddr(via);
  if (maddr !== undefined) return { protocol, host: unbracket(maddr), port: via.port ?? 5060 };
  // RFC 3581 §4: with rport, answer to the source address and port.
  if (typeof rport === 'number') return { protocol, host: received ?? source.address, port: rport };
  return { protocol, host: unbracket(received ?? via.host), port: via.port ?? 5060 };
};
