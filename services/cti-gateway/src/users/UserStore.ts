import { asc, eq } from 'drizzle-orm';
import { dbSchema, hashPassword, verifyPassword, type Db, type UserRow } from '@ucserver/shared/db';
import { ConflictError, NotFoundError } from '../errors.ts';

const { users } = dbSchema;

export type UserRole = UserRow['role'];

export interface NewUser {
  login: string;
  password: string;
  displayName?: string | undefined;
  role?: UserRole | undefined;
}

export interface UserChanges {
  password?: string | undefined;
  displayName?: string | undefined;
  role?: UserRole | undefined;
}

/** The users table: who may log in, with which role. Hashing happens here and nowhere else. */
export class UserStore {
  readonly #db: Db;

  constructor(db: Db) {
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
    }).onConflictDoNothing().returning();
    // a concurrent create of the same login lost the race
    if (!row) throw new ConflictError(`user '${user.login}' already exists`);
    return row;
  }

  async update(login: string, changes: UserChanges): Promise<UserRow> {
    const values: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (changes.displayName !== undefined) values.displayName = changes.displayName;
    if (changes.role !== undefined) values.role = changes.role;
    if (changes.password !== undefined) values.passwordHash = await hashPassword(changes.password);
    const [row] = await this.#db.update(users).set(values).where(eq(users.login, login)).returning();
    if (!row) throw new NotFoundError('user', login);
    return row;
  }

  async remove(login: string): Promise<UserRow> {
    const [row] = await this.#db.delete(users).where(eq(users.login, login)).returning();
    if (!row) throw new NotFoundError('user', login);
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
