import { randomBytes } from 'node:crypto';
import type { UserRow } from '@ucserver/shared/db';

interface Pending {
  user: UserRow;
  expires: number;
}

/**
 * Web-service sessions (`/ws/client/createsession`): an id that lets one WebSocket attach as the
 * authenticated user within `ttlMs`. Ids are single-use and bounded in number.
 */
export class WsSessionStore {
  readonly #pending = new Map<string, Pending>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(ttlMs = 60_000, max = 50_000) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  create(user: UserRow): string {
    this.#prune();
    if (this.#pending.size >= this.#max) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
    // 32 upper-case hex characters, the shape of the reference's sample ids
    const id = randomBytes(16).toString('hex').toUpperCase();
    this.#pending.set(id, { user, expires: Date.now() + this.#ttlMs });
    return id;
  }

  /** The user of a valid id, leaving it for the WebSocket (REST calls on the same session id). */
  peek(id: string): UserRow | undefined {
    const entry = this.#pending.get(id);
    if (!entry || entry.expires < Date.now()) return undefined;
    return entry.user;
  }

  /** Forgets an id (destroysession). */
  forget(id: string): boolean {
    return this.#pending.delete(id);
  }

  /** The user of a valid id, consuming it. */
  take(id: string): UserRow | undefined {
    const entry = this.#pending.get(id);
    this.#pending.delete(id);
    if (!entry || entry.expires < Date.now()) return undefined;
    return entry.user;
  }

  /** Forgets every pending id of a user whose credentials were revoked (disabled, password changed). */
  revokeUser(userId: string): void {
    for (const [id, p] of this.#pending) if (p.user.id === userId) this.#pending.delete(id);
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, p] of this.#pending) if (p.expires < now) this.#pending.delete(id);
  }
}
