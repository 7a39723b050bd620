// Contract of the SipEndpoint: the adapter's SIP user agent core (transports, transaction layer and the
// routing of requests to dialogs).
import type { Logger, SipTransport as LineTransport } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { SourceScreen } from '../trust/SourceScreen.ts';
import type {
  InviteServerTransaction,
  MessageSource,
  ServerTransaction,
  SipRequest,
  SipResponse,
  TimerConfig,
  TlsOptions,
} from '../sip/mod.ts';

export type { LineTransport };

export interface SipEndpointOptions {
  /** Address every listener binds to (SIP_HOST). */
  host: string;
  /** UDP and TCP port (SIP_PORT); 0 picks an ephemeral UDP port and binds TCP to the same number. */
  port: number;
  /** Host written into Via and Contact (SIP_PUBLIC_HOST); default `host`. */
  publicHost?: string | undefined;
  /** Transports to listen on (SIP_TRANSPORTS). */
  transports: readonly LineTransport[];
  /** TLS port (SIP_TLS_PORT), 0 = ephemeral; only with 'tls' in `transports`. */
  tlsPort?: number | undefined;
  /** Certificate and key for 'tls'. */
  tls?: TlsOptions | undefined;
  /** User-Agent header of every request we send. */
  userAgent: string;
  /** Overrides of T1/T2/T4 (tests shorten Timer B/F with a small T1). Default RFC 3261 values. */
  timers?: Partial<TimerConfig> | undefined;
  /** Close TCP/TLS connections idle for this long (ms); keep it above the REGISTER refresh interval. */
  tcpIdleTimeoutMs?: number | undefined;
  /** Live transactions (client + server); default 16384. */
  maxTransactions?: number | undefined;
  /** Of those, incoming (server) transactions before new requests get 503; default half. The rest is our own REGISTER/OPTIONS/INVITE's. */
  maxServerTransactions?: number | undefined;
  /** The trust screen (who may talk SIP to us, how fast); without it every source is served. */
  screen?: SourceScreen | undefined;
  logger: Logger;
  metrics: PbxAdapterMetrics;
}

/** Who handles the requests of one dialog (a call). */
export interface DialogHandler {
  /** An in-dialog request (not ACK or CANCEL) with its server transaction; the handler answers it. */
  handleRequest(request: SipRequest, transaction: ServerTransaction): void;
  /** An ACK for a 2xx of this dialog (RFC 6026: outside the INVITE transaction). */
  handleAck(ack: SipRequest): void;
  /** A 2xx that no client transaction matches any more (a retransmission because our ACK was lost). */
  handleStrayResponse(response: SipResponse): void;
}

export type SipEndpointEvents = {
  /** A new INVITE (no To tag) that passed the endpoint's checks; the listener answers it. */
  invite: [request: SipRequest, transaction: InviteServerTransaction, source: MessageSource];
  /** A listener threw. */
  listenererror: [error: unknown, event: string];
};

/** Extensions we support (Supported) and therefore accept in Require. */
export const SUPPORTED_EXTENSIONS = ['timer'] as const;
/** Request-URI schemes we serve; any other gets 416 (RFC 3261 §8.2.2.1). */
export const SUPPORTED_URI_SCHEMES = ['sip', 'sips', 'tel'] as const;
/** Methods we answer (Allow). */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE', 'REFER', 'NOTIFY'] as const;
