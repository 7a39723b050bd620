import { EventEmitter } from 'node:events';
import type { ClientSession } from './ClientSession.ts';

export interface SessionRegistryEvents {
  /** A session logged in (its user now has a connected client). */
  sessionauthenticated: [session: ClientSession];
  sessionclose: [session: ClientSession];
  /** A session declared what it handles anew (asnSetClientCapabilitiesV2). */
  sessioncapabilities: [session: ClientSession];
}

/** Every connected session, indexed by user, so events reach the right clients. */
export class SessionRegistry extends EventEmitter<SessionRegistryEvents> {
  readonly #all = new Set<ClientSession>();
  readonly #byUser = new Map<string, Set<ClientSession>>();

  add(session: ClientSession): void {
    this.#all.add(session);
    session.on('authenticated', (user) => {
      let set = this.#byUser.get(user.id);
      if (!set) this.#byUser.set(user.id, (set = new Set()));
      set.add(session);
      this.emit('sessionauthenticated', session);
    });
    session.once('close', () => {
      this.#all.delete(session);
      const userId = session.user?.id;
      if (userId) {
        const set = this.#byUser.get(userId);
        set?.delete(session);
        if (set?.size === 0) this.#byUser.delete(userId);
      }
      this.emit('sessionclose', session);
    });
  }

  /** Tells the listeners (the other gateways' announcer) that a session's capabilities changed. */
  capabilitiesChanged(session: ClientSession): void {
    this.emit('sessioncapabilities', session);
  }

  get size(): number {
    return this.#all.size;
  }

  get authenticatedCount(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }

  ofUser(userId: string): ClientSession[] {
    return [...(this.#byUser.get(userId) ?? [])];
  }

  /** The softphone that takes the calls of a line's owner: the one logged in last; none for an unowned line. */
  softphoneOf(userId: string | null): ClientSession | undefined {
    return userId ? this.ofUser(userId).filter((s) => s.softphone).at(-1) : undefined;
  }

  all(): ClientSession[] {
    return [...this.#all];
  }

  closeAll(reason: string): void {
    for (const s of [...this.#all]) s.close(reason);
  }
}
