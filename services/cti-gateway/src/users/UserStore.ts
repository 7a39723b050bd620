import { EventEmitter } from 'node:events';
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import { dbSchema, hashPassword, verifyPassword, type Db, type UserRow } from '@ucserver/shared/db';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { NewUser, UserChanges, UserStoreEvents } from './UserStoreTypes.ts';

export type { NewUser, UserChanges, UserRole } from './UserStoreTypes.ts';

const { users } = dbSchema;

/**
 * The users table: who may log in, with which role, whether disabled. Hashing happens here and nowhere
 * else; so does raising a user's credential version (which kills their tokens) when the password changes
 * or the user is disabled, announced by `credentialsrevoked`.
 */
export class UserStore extends EventEmitter<UserStoreEvents> {
  readonly #db: Db;

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  list(): Promise<UserRow[]> {
    return this.#db.select().from(users).orderBy(asc(users.login));
  }

  async get(login: string): Promise<UserRow | undefined> {
    const [row] = await this.#db.select().from(users).where(eq(users.login, login));
    return row;
  }

  async getById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.#db.select().from(users).where(eq(users.id, id));
    return row;
  }

  async require(login: string): Promise<UserRow> {
    const row = await this.get(login);
    if (!row) throw new NotFoundError('user', login);
    return row;
  }

  async create(user: NewUser): Promise<UserRow> {
    if (await this.get(user.login)) throw new ConflictError(`user '${user.login}' already exists`);
    const [row] = await this.#db.insert(users).values({
      login: user.login,
      displayName: user.displayName ?? user.login,
      passwordHash: await hashPassword(user.password),
      role: user.role ?? 'user',
      disabled: user.disabled ?? false,
    }).onConflictDoNothing().returning();
    // a concurrent create of the same login lost the race
    if (!row) throw new ConflictError(`user '${user.login}' already exists`);
    this.emit('userchanged', row, 'created');
    return row;
  }

  async update(login: string, changes: UserChanges): Promise<UserRow> {
    const values: { [K in keyof typeof users.$inferInsert]?: (typeof users.$inferInsert)[K] | SQL } = { updatedAt: new Date() };
    if (changes.displayName !== undefined) values.displayName = changes.displayName;
    if (changes.role !== undefined) values.role = changes.role;
    if (changes.password !== undefined) values.passwordHash = await hashPassword(changes.password);
    if (changes.disabled !== undefined) values.disabled = changes.disabled;
    const revoked = changes.password !== undefined ? 'password changed' : changes.disabled === true ? 'account disabled' : undefined;
    if (revoked) values.tokenVersion = sql`${users.tokenVersion} + 1`;
    const [row] = await this.#db.update(users).set(values).where(eq(users.login, login)).returning();
    if (!row) throw new NotFoundError('user', login);
    if (revoked) this.emit('credentialsrevoked', row, row.disabled ? 'account disabled' : revoked);
    this.emit('userchanged', row, 'updated');
    return row;
  }

  async remove(login: string): Promise<UserRow> {
    const [row] = await this.#db.delete(users).where(eq(users.login, login)).returning();
    if (!row) throw new NotFoundError('user', login);
    this.emit('userchanged', row, 'removed');
    return row;
  }

  /** The user when the password matches; undefined otherwise (also for unknown users, after equal work). */
  async verify(login: string, password: string): Promise<UserRow | undefined> {
    const row = await this.get(login);
    // Hash even for unknown users so response time does not reveal which logins exist.
    const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
    return row && ok ? row : undefined;
  }
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
