import type { Logger } from '@ucserver/shared';
import type { ClientSession } from './ClientSession.ts';
import type { OperationTable } from './ClientSessionTypes.ts';
import type { RestClientTransport } from './RestClientTransport.ts';
import type { SessionRegistry } from './SessionRegistry.ts';

export interface RestClientTransportOptions {
  remoteAddress: string;
  secure: boolean;
  /** Requests waiting for their answer at once. */
  maxWaiting: number;
  /** How long one request waits for its answer. */
  replyTimeoutMs: number;
}

export interface RestSessionStoreOptions {
  table: OperationTable;
  sessions: SessionRegistry;
  logger: Logger;
  /** A REST session unused this long is closed. */
  idleTimeoutMs: number;
  /** REST sessions at most; the least recently used one goes first. Default 10 000. */
  maxSessions?: number;
  maxPendingInvokes: number;
  /** Default 30 000 ms. */
  replyTimeoutMs?: number;
}

/** One REST session: its ClientSession, transport, idle timer and invoke-id counter. */
export interface RestSessionEntry {
  session: ClientSession;
  transport: RestClientTransport;
  idle: NodeJS.Timeout | undefined;
  nextInvokeId: number;
}
