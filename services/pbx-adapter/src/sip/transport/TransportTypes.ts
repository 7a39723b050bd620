// Contract shared by the UDP and TCP/TLS transports (RFC 3261 §18).
import type { EventEmitter } from 'node:events';
import type { SipParseError, TransportError } from '../errors.ts';
import type { SipMessage } from '../message.ts';
import type { ParseOptions } from '../parse.ts';

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS';

export interface Endpoint {
  /** IP address or host name; IPv6 without brackets. */
  host: string;
  port: number;
}

/** Where a received message came from. */
export interface MessageSource {
  protocol: TransportProtocol;
  /** Source IP address (IPv6 without brackets). */
  address: string;
  port: number;
  /** Stream transports: the connection it arrived on (responses reuse it, RFC 3261 §18.2.2). */
  connectionId?: string | undefined;
}

/** Where to send a message. */
export interface Destination {
  protocol?: TransportProtocol | undefined;
  /** Host name or IP address; IPv6 with or without brackets. */
  host: string;
  port: number;
  /** Stream transports: prefer this connection when it is still open. */
  connectionId?: string | undefined;
}

export interface TransportStats {
  messagesReceived: number;
  messagesSent: number;
  /** Malformed messages (answered with 400 where possible, otherwise dropped). */
  malformed: number;
  /** Keep-alives received (CRLF pings/pongs). */
  keepalives: number;
}

export type SipTransportEvents = {
  /** A well-formed message; for requests the top Via already carries received/rport. */
  message: [message: SipMessage, source: MessageSource];
  /** A message was handed to the socket (retransmissions included), for counters and traces; `data`: the bytes sent. */
  sent: [message: SipMessage, destination: Destination, data: Buffer];
  /** A message that failed to parse; `answered` is true when a 400 (or 505/513) was sent back. */
  malformed: [error: SipParseError, source: MessageSource, answered: boolean];
  /** A socket-level problem that did not concern a single send (sends reject instead). */
  error: [error: TransportError];
  /** Stream transports: a connection opened (inbound or outbound). */
  connection: [connectionId: string, remote: Endpoint];
  /** Stream transports: a connection closed (idle timeout, peer close, error, framing failure). */
  connectionclose: [connectionId: string, remote: Endpoint];
  /** Emitted once after close(). */
  close: [];
  listenererror: [error: unknown, event: string];
};

/** A bound SIP transport. */
export interface SipTransport extends EventEmitter<SipTransportEvents> {
  readonly protocol: TransportProtocol;
  /** TCP/TLS: true (no retransmissions). */
  readonly reliable: boolean;
  /** The bound local address (port resolved when 0 was requested). */
  readonly local: Endpoint;
  /** Host and port to put in Via sent-by and Contact (advertised address, defaults to `local`). */
  readonly sentBy: Endpoint;
  readonly stats: Readonly<TransportStats>;
  /** Serialize and send; rejects with TransportError. */
  send(message: SipMessage, destination: Destination): Promise<void>;
  /** Close sockets and connections; idempotent. */
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Address to bind, e.g. '127.0.0.1' or '::1'. */
  host: string;
  /** Port to bind; 0 (default) picks an ephemeral port. */
  port?: number | undefined;
  /** Advertised host for Via/Contact (NAT, 0.0.0.0 binds); defaults to `host`. */
  advertisedHost?: string | undefined;
  advertisedPort?: number | undefined;
  /** Parser limits (maxMessageSize, maxHeaders). */
  parse?: Omit<ParseOptions, 'requireContentLength'> | undefined;
  /**
   * Asked with the source address before a datagram (or a framed stream message) is parsed, and before
   * an inbound connection is kept: false drops it unparsed (the per-source rate limit).
   */
  admit?: ((address: string) => boolean) | undefined;
}
