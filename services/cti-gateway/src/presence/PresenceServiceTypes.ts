import type { Logger } from '@ucserver/shared';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { LineRouting } from '../lines/LineRouting.ts';
import type { LineStore } from '../lines/LineStore.ts';
import type { AsnPresenceV2 } from '../protocol/mod.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';
import type { UserStore } from '../users/UserStore.ts';
import type { ManualPresenceStore } from './ManualPresenceStore.ts';

export interface PresenceServiceOptions {
  users: UserStore;
  lines: LineStore;
  calls: CallRegistry;
  sessions: SessionRegistry;
  /** DND and forwards per line (persisted); its 'changed' events re-compute the owner's presence. */
  routing: LineRouting;
  manual: ManualPresenceStore;
  logger: Logger;
  /**
   * The users with clients on the other gateways that share the clients (cluster/PeerSessions): online
   * there counts as online; its 'changed' re-computes the user's presence. None: this gateway alone.
   */
  peers?: PeerPresence | undefined;
  /** Contacts one session may watch at once. Default 1000. */
  maxSubscriptionsPerSession?: number;
  /** Changes within this window reach subscribers as one update per user. Default 100 ms. */
  coalesceMs?: number;
}

/** One session's subscription to one user. */
export interface PresenceSubscription {
  /** Subscribed by the V1 name: updates go out as `asnUpdatePresence`. */
  legacy: boolean;
  /** `AsnPresenceSubscriptionFlags` of the sections it wants updates of (iEventFlagsToSubscribe, default all). */
  flags: number;
  /** What this subscriber saw last (the result, then each update applied). */
  last: AsnPresenceV2;
}

/** What presence needs of the other gateways' users (PeerSessions has it). */
export interface PeerPresence {
  online(userId: string): boolean;
  on(event: 'changed', listener: (userId: string) => void): unknown;
  off(event: 'changed', listener: (userId: string) => void): unknown;
}
