import type { Logger } from 'pino';
import type { BusService } from './busAccess.ts';
import type { Topic } from './contract.ts';

export interface BusClientOptions {
  /** NATS server URL(s), comma-separated. */
  servers: string;
  /** Subject prefix, see {@link Subjects}. */
  prefix: string;
  /** Connection name shown by the NATS server (service + node id). */
  name: string;
  /**
   * The service this connection is: its replies arrive under its own inbox (`_INBOX.<prefix>.<service>`),
   * the only one its NATS user may subscribe to. Unset: nats.js's `_INBOX` (tests, anonymous servers).
   */
  service?: BusService | undefined;
  /** This service's NATS user: a user and password, or an nkey seed. Unset: no authentication. */
  credentials?: BusCredentials | undefined;
  /** TLS, required when set (PEM texts). See `busConnection()`. */
  tls?: BusTls | undefined;
  logger: Logger;
  /** Default timeout of {@link BusClient.request}. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxDelayMs`. Default 250 ms. */
  reconnectBaseDelayMs?: number;
  /** Default {@link DEFAULT_RECONNECT_MAX_DELAY_MS}. */
  reconnectMaxDelayMs?: number;
  /** Upper bound of messages a serial subscription may queue before it drops. Default 10 000. */
  maxQueuedPerSubscription?: number;
  /**
   * Replicas of the JetStream streams this client creates or updates (the CALLS stream, the KV buckets):
   * 3 on a 3-server cluster, so the loss of any one server loses no event and no value. Default 1.
   */
  streamReplicas?: number;
}

/** Longest wait between two reconnect attempts of a service's bus (its peers may come back this much later than we do). */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 5000;

export type BusCredentials = { user: string; password: string } | { nkeySeed: string };

export interface BusTls {
  /** CA certificates trusted for the server's certificate; default the system's. */
  ca?: string;
  /** Client certificate and key, for servers that verify clients (mutual TLS). */
  cert?: string;
  key?: string;
}

export type BusConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface BusClientEvents {
  /** The connection state changed; readiness follows `connected`. */
  state: [state: BusConnectionState];
  /** A received message failed validation and was dropped. */
  invalidpayload: [subject: string, message: string];
  /** A handler threw; the message was answered with an error (requests) or dropped (events). */
  handlererror: [subject: string, error: Error];
  /**
   * A subscription's handler backlog (maxQueuedPerSubscription) was full and a message on `subject` (the
   * subscription's subject filter; `topic` for a subscribe()) was dropped — also a `handlererror`. What its
   * subscriber kept from such messages (a cache they invalidate) is no longer known to be current.
   */
  dropped: [subject: string, topic: Topic | undefined];
}

export interface SubscribeOptions {
  /** NATS queue group: one member of the group gets each message. */
  queue?: string;
  /**
   * 'serial' (default) runs one handler at a time in arrival order, which keeps per-call event order;
   * 'parallel' runs handlers as messages arrive.
   */
  mode?: 'serial' | 'parallel';
}

export interface ConsumeOptions {
  /** Durable consumer name: a restarted consumer resumes where it stopped. */
  durable: string;
  /** With one topic: only this key of it (e.g. one line's call events). */
  key?: string;
  /** Delay before a message whose handler failed is delivered again. Default 1000 ms. */
  retryDelayMs?: number;
  /** Deliveries before a message is given up (logged, acknowledged). Default 10. */
  maxDeliver?: number;
  /**
   * Handler errors that are an expected wait, not a failure (e.g. the journal row a media event updates
   * is not written yet): logged at debug while the message is delivered again, at warn when given up.
   * Other handler errors are logged at error level on every delivery.
   */
  expected?: (err: unknown) => boolean;
  /**
   * Handlers running at once (default 1: each message is handled after the previous one settled). More
   * lets a handler queue its message and settle later (the journal's write-behind batch): handlers still
   * start in delivery order, each message is acknowledged when its own handler settles, and at this many
   * unsettled handlers the consumer takes no further message (the bound of such a queue).
   */
  inFlight?: number;
  /**
   * How long the server waits for a delivered message's ack before it delivers it again (to whichever
   * client of the durable pulls next): what a consumer taking over from a dead one waits for the messages
   * that one had received. Messages whose handler still runs get a progress ack (`working`) every third
   * of it, so a slow handler does not lose them. Default 30 000 ms, at least 1000.
   */
  ackWaitMs?: number;
}

/** A running durable consumer (BusClient.consume). */
export interface DurableConsumer {
  stop(): void;
  /** Messages of its filter not yet delivered plus those delivered and not yet acknowledged. */
  pending(): Promise<number>;
}

export interface StreamOptions {
  /** Default 7 days. */
  maxAgeMs?: number;
  /** Default unlimited (-1): the server's store limits apply; a limit would be reserved up front. */
  maxBytes?: number;
  /** How long a failing set-up is retried (a forming or electing cluster), ms; default 60 000. */
  setupDeadlineMs?: number;
}

/** Runs a message's handler: in order with a bounded backlog ('serial'), or at once ('parallel'). Internal. */
export type Runner = (task: () => void | Promise<void>) => void;

export interface Unsubscribe {
  unsubscribe(): void;
}
