import type { UserRow } from '@ucserver/shared/db';
import type { ClientSession } from './ClientSession.ts';
import type { EventHandlers, InvokeHandlers } from '../protocol/mod.ts';

export type SessionState = 'connected' | 'authenticated' | 'closed';

export interface ClientSessionEvents {
  /** Logged in (TCP asnLoginV2, or a WebSocket attached to a created session). */
  authenticated: [user: UserRow];
  close: [reason: string];
}

/** The operation handlers a session dispatches to, composed from the feature modules. */
export interface OperationTable {
  invokes: Partial<InvokeHandlers<ClientSession>>;
  events: Partial<EventHandlers<ClientSession>>;
  /** Operations allowed before login. */
  public: ReadonlySet<string>;
}

export interface ClientSessionOptions {
  /** Invokes queued (received, not yet answered) before further ones get resourceLimitation. */
  maxPendingInvokes: number;
  /** Events held back while an invoke runs, before the session is considered stuck and closed. */
  maxHeldEvents?: number;
}
