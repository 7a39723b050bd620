import { EventEmitter } from 'node:events';
import { eq, sql } from 'drizzle-orm';
import { dbSchema, type Db, type UserPresenceRow } from '@ucserver/shared/db';
import { asnTimeFromDate, asnTimeToDate } from '../codec/mod.ts';
import type { AsnAbsentStateV2 } from '../protocol/mod.ts';
import type { ManualPresence } from './presenceModel.ts';
import type { ManualPresenceStoreEvents } from './ManualPresenceStoreTypes.ts';

const { userPresence } = dbSchema;

/** Characters of a note kept (longer ones are cut). */
export const MAX_NOTE_CHARS = 1024;

function toManual(row: UserPresenceRow | undefined, contactId: string): ManualPresence {
  if (!row) return { absent: undefined, note: '' };
  const absent: AsnAbsentStateV2 | undefined = row.absentState === null ? undefined : {
    u8sContactId: contactId,
    eAbsentState: row.absentState,
    ...(row.absentFrom ? { stTimeFrom: asnTimeFromDate(row.absentFrom) } : {}),
    ...(row.absentTo ? { stTimeTo: asnTimeFromDate(row.absentTo) } : {}),
    ...(row.reachability !== null ? { eReachability: row.reachability } : {}),
  };
  return { absent, note: row.note };
}

/**
 * The manual part of presence (absent state, note) in `user_presence`, cached per user after the first
 * read. Every change is written before it is announced (`changed`), so what subscribers see has been
 * persisted and survives a restart.
 */
export class ManualPresenceStore extends EventEmitter<ManualPresenceStoreEvents> {
  readonly #db: Db;
  readonly #cache = new Map<string, UserPresenceRow | undefined>();
  readonly #maxCached: number;

  constructor(db: Db, options: { maxCached?: number } = {}) {
    super();
    this.#db = db;
    this.#maxCached = options.maxCached ?? 100_000;
  }

  async get(userId: string, contactId: string): Promise<ManualPresence> {
    return toManual(await this.#row(userId), contactId);
  }

  async #row(userId: string): Promise<UserPresenceRow | undefined> {
    if (this.#cache.has(userId)) return this.#cache.get(userId);
    const [row] = await this.#db.select().from(userPresence).where(eq(userPresence.userId, userId));
    this.#remember(userId, row);
    return row;
  }

  #remember(userId: string, row: UserPresenceRow | undefined): void {
    if (!this.#cache.has(userId) && this.#cache.size >= this.#maxCached) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(userId, row);
  }

  /** Sets (or with `undefined` resets to "not set") the absent state. */
  async setAbsent(userId: string, absent: AsnAbsentStateV2 | undefined): Promise<void> {
    const values = {
      absentState: absent ? absent.eAbsentState : null,
      absentFrom: absent?.stTimeFrom ? asnTimeToDate(absent.stTimeFrom) : null,
      absentTo: absent?.stTimeTo ? asnTimeToDate(absent.stTimeTo) : null,
      reachability: absent?.eReachability ?? null,
    };
    await this.#upsert(userId, values);
    this.emit('changed', userId);
  }

  async setNote(userId: string, note: string): Promise<void> {
    await this.#upsert(userId, { note: note.slice(0, MAX_NOTE_CHARS) });
    this.emit('changed', userId);
  }

  async #upsert(userId: string, values: Partial<Omit<UserPresenceRow, 'userId' | 'updatedAt'>>): Promise<void> {
    const [row] = await this.#db
      .insert(userPresence)
      .values({ userId, ...values })
      .onConflictDoUpdate({ target: userPresence.userId, set: { ...values, updatedAt: sql`now()` } })
      .returning();
    this.#remember(userId, row);
  }

  /** A user was removed: forget the cached row (the database cascades); without a user, every row (a change notice was lost). */
  forget(userId?: string): void {
    if (userId === undefined) this.#cache.clear();
    else this.#cache.delete(userId);
  }
}
