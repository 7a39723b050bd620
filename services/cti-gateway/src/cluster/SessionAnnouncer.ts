import { GATEWAY_SESSIONS_MAX_USERS, GatewayTopics, type BusClient, type GatewayInstance, type GatewayUserSessions, type Logger } from '@ucserver/shared';
import type { ClientSession } from '../session/ClientSession.ts';
import type { SessionRegistry } from '../session/SessionRegistry.ts';

export interface SessionAnnouncerOptions {
  bus: BusClient;
  sessions: SessionRegistry;
  self: GatewayInstance;
  /** How often the whole list goes out again (ms). */
  refreshMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Tells the other gateways which users have clients here (`gateway.sessions`): a user's entry when one of
 * their sessions logs in or closes, and every user's every `refreshMs` (which also carries a softphone
 * capability that changed after login, and repairs a message lost in a reconnect). Also answers "since when
 * is this user's newest softphone here", which the incoming-call router compares with the other gateways'.
 */
export class SessionAnnouncer {
  readonly #o: SessionAnnouncerOptions;
  readonly #now: () => number;
  /** When each session logged in (our clock). */
  readonly #since = new WeakMap<ClientSession, number>();
  #timer: NodeJS.Timeout | undefined;
  readonly #offs: Array<() => void> = [];

  constructor(options: SessionAnnouncerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    const { sessions } = this.#o;
    const onLogin = (s: ClientSession): void => {
      this.#since.set(s, this.#now());
      if (s.user) this.announce([s.user.id]);
    };
    const onClose = (s: ClientSession): void => {
      if (s.user) this.announce([s.user.id]);
    };
    sessions.on('sessionauthenticated', onLogin);
    sessions.on('sessionclose', onClose);
    this.#offs.push(() => sessions.off('sessionauthenticated', onLogin), () => sessions.off('sessionclose', onClose));
    this.#timer = setInterval(() => this.announceAll(), this.#o.refreshMs);
    this.#timer.unref();
  }

  /** This user's entry on this run. */
  entryOf(userId: string): GatewayUserSessions {
    const live = this.#o.sessions.ofUser(userId).filter((s) => s.state === 'authenticated');
    const since = this.softphoneSince(userId);
    return { userId, sessions: live.length, ...(since === undefined ? {} : { softphoneSince: since }) };
  }

  /** When the user's newest softphone session here logged in; undefined: none here. */
  softphoneSince(userId: string): number | undefined {
    const phone = this.#o.sessions.softphoneOf(userId);
    return phone && phone.state === 'authenticated' ? (this.#since.get(phone) ?? 0) : undefined;
  }

  announce(userIds: string[]): void {
    const { bus, self, refreshMs, logger } = this.#o;
    if (!bus.connected) return;
    for (let i = 0; i < userIds.length; i += GATEWAY_SESSIONS_MAX_USERS) {
      try {
        bus.publish(GatewayTopics.sessions, { ...self, at: this.#now(), refreshMs, users: userIds.slice(i, i + GATEWAY_SESSIONS_MAX_USERS).map((id) => this.entryOf(id)) });
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'gateway sessions not announced');
      }
    }
  }

  /** Every user with an authenticated session here. */
  announceAll(): void {
    const users = new Set<string>();
    for (const s of this.#o.sessions.all()) if (s.user && s.state === 'authenticated') users.add(s.user.id);
    if (users.size > 0) this.announce([...users]);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const off of this.#offs.splice(0)) off();
  }
}
