import { GATEWAY_SESSIONS_MAX_BYTES, GATEWAY_SESSIONS_MAX_USERS, GatewayTopics, type BusClient, type GatewayInstance, type GatewayUserSessions, type Logger } from '@ucserver/shared';
import { announcedCapabilities } from '../capabilities/clientCapabilities.ts';
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
 * Tells the other gateways which users have clients here (`gateway.sessions`): a user's entry (sessions,
 * newest softphone, their capabilities summed) when one of their sessions logs in, closes or declares its
 * capabilities, and every user's every `refreshMs` (which also repairs a message lost in a reconnect). Also answers "since when
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
    const onChange = (s: ClientSession): void => {
      if (s.user) this.announce([s.user.id]);
    };
    sessions.on('sessionauthenticated', onLogin);
    sessions.on('sessionclose', onChange);
    sessions.on('sessioncapabilities', onChange);
    this.#offs.push(() => sessions.off('sessionauthenticated', onLogin), () => sessions.off('sessionclose', onChange), () => sessions.off('sessioncapabilities', onChange));
    this.#timer = setInterval(() => this.announceAll(), this.#o.refreshMs);
    this.#timer.unref();
  }

  /** This user's entry on this run. */
  entryOf(userId: string): GatewayUserSessions {
    const live = this.#o.sessions.ofUser(userId).filter((s) => s.state === 'authenticated');
    const since = this.softphoneSince(userId);
    const capabilities = announcedCapabilities(live);
    return { userId, sessions: live.length, ...(since === undefined ? {} : { softphoneSince: since }), ...(capabilities ? { capabilities } : {}) };
  }

  /** When the user's newest softphone session here logged in; undefined: none here. */
  softphoneSince(userId: string): number | undefined {
    const phone = this.#o.sessions.softphoneOf(userId);
    return phone && phone.state === 'authenticated' ? (this.#since.get(phone) ?? 0) : undefined;
  }

  announce(userIds: string[]): void {
    const { bus, self, refreshMs, logger } = this.#o;
    if (!bus.connected) return;
    const send = (users: GatewayUserSessions[]): void => {
      try {
        bus.publish(GatewayTopics.sessions, { ...self, at: this.#now(), refreshMs, users });
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'gateway sessions not announced');
      }
    };
    // A message holds at most 500 entries and ~256 KB (entries with many custom capabilities are large).
    let batch: GatewayUserSessions[] = [];
    let bytes = 0;
    for (const id of userIds) {
      const entry = this.entryOf(id);
      const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (batch.length > 0 && (batch.length >= GATEWAY_SESSIONS_MAX_USERS || bytes + size > GATEWAY_SESSIONS_MAX_BYTES - 1024)) {
        send(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += size;
    }
    if (batch.length > 0) send(batch);
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
