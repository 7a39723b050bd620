// Contract of PeerSessions: the other gateway runs' users, as their `gateway.sessions` messages told.
import type { GatewayClientCapabilities, GatewayInstance } from '@ucserver/shared';

export interface PeerSessionsOptions {
  /** This run: its own messages are not a peer's. */
  self: GatewayInstance;
  /** Wall clock (tests pass a fake one). */
  now?: () => number;
  /** How often entries and runs are checked for expiry (ms); default 1000. */
  sweepMs?: number;
  /** Users remembered per peer run at most (a bound, not an expected size); default 100 000. */
  maxUsersPerRun?: number;
}

/** A user's entry on one peer run. */
export interface PeerUser {
  sessions: number;
  softphoneSince: number | undefined;
  /** What its sessions there handle, summed (undefined: nothing declared, or a gateway that does not say). */
  capabilities: GatewayClientCapabilities | undefined;
  /** When the entry was last stated (our clock). */
  seen: number;
}

/** One peer run as heard. */
export interface PeerRun {
  instanceId: string;
  startedAt: number;
  /** Its heartbeat interval and session refresh, from its messages. */
  intervalMs: number;
  refreshMs: number;
  /** Last message of any kind from it (our clock). */
  lastHeard: number;
  users: Map<string, PeerUser>;
}

/** Where a user's newest softphone on another gateway is. */
export interface RemoteSoftphone {
  instanceId: string;
  since: number;
}

export type PeerSessionsEvents = {
  /** What another gateway says about this user changed (online, softphone). */
  changed: [userId: string];
  /**
   * What the user's clients on another gateway handle changed (declared anew, a session came or went, the
   * run went silent): capability subscribers are told.
   */
  capabilities: [userId: string];
  /** A gateway run we did not know appeared (it learns our users from our next full list). */
  newrun: [instanceId: string];
  /** A run went silent (3 heartbeat intervals) or was replaced by its restart; `silentMs`: since it was last heard. */
  rundown: [instanceId: string, silentMs: number];
};
