import { asc, eq, inArray, sql } from 'drizzle-orm';
import { dbSchema, type Db } from '@ucserver/shared/db';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { PickupGroupMembers } from './pickupRules.ts';
import type { PickupGroupInput, PickupGroupView } from './PickupGroupStoreTypes.ts';

const { pickupGroups, pickupGroupMembers, lines, users } = dbSchema;

/** Members per group at most: a group is a team, not the company (the admin API's bound too). */
export const MAX_PICKUP_GROUP_MEMBERS = 500;

/**
 * The pickup groups an admin sets (tables `pickup_groups`, `pickup_group_members`): members are lines (by
 * number) and users (by login, standing for all their lines). Read from the database on every use, so a
 * change applies to the next pickup without a restart.
 */
export class PickupGroupStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async list(): Promise<PickupGroupView[]> {
    const groups = await this.#db.select().from(pickupGroups).orderBy(asc(pickupGroups.name));
    const members = await this.#db
      .select({ groupId: pickupGroupMembers.groupId, line: lines.number, login: users.login })
      .from(pickupGroupMembers)
      .leftJoin(lines, eq(lines.id, pickupGroupMembers.lineId))
      .leftJoin(users, eq(users.id, pickupGroupMembers.userId));
    return groups.map((g) => {
      const own = members.filter((m) => m.groupId === g.id);
      return {
        id: g.id,
        name: g.name,
        lines: own.flatMap((m) => (m.line ? [m.line] : [])).sort(),
        users: own.flatMap((m) => (m.login ? [m.login] : [])).sort(),
        createdAt: g.createdAt,
        updatedAt: g.updatedAt,
      };
    });
  }

  async get(name: string): Promise<PickupGroupView | undefined> {
    return (await this.list()).find((g) => g.name === name);
  }

  /** Every group's members by id, for the pickup rules. */
  async members(): Promise<PickupGroupMembers[]> {
    const groups = await this.#db.select({ id: pickupGroups.id, name: pickupGroups.name }).from(pickupGroups);
    const rows = await this.#db.select().from(pickupGroupMembers);
    return groups.map((g) => {
      const own = rows.filter((r) => r.groupId === g.id);
      return {
        name: g.name,
        lineIds: new Set(own.flatMap((r) => (r.lineId ? [r.lineId] : []))),
        userIds: new Set(own.flatMap((r) => (r.userId ? [r.userId] : []))),
      };
    });
  }

  async create(input: PickupGroupInput): Promise<PickupGroupView> {
    const members = await this.#resolve(input);
    await this.#db.transaction(async (tx) => {
      const [group] = await tx.insert(pickupGroups).values({ name: input.name }).onConflictDoNothing().returning();
      if (!group) throw new ConflictError(`pickup group '${input.name}' already exists`);
      if (members.length > 0) await tx.insert(pickupGroupMembers).values(members.map((m) => ({ groupId: group.id, ...m })));
    });
    return (await this.get(input.name))!;
  }

  /** Replaces the group's members (and renames it when `input.name` differs). */
  async replace(name: string, input: PickupGroupInput): Promise<PickupGroupView> {
    const members = await this.#resolve(input);
    await this.#db.transaction(async (tx) => {
      const [group] = await tx.select().from(pickupGroups).where(eq(pickupGroups.name, name));
      if (!group) throw new NotFoundError('pickup group', name);
      if (input.name !== name) {
        const [taken] = await tx.select({ id: pickupGroups.id }).from(pickupGroups).where(eq(pickupGroups.name, input.name));
        if (taken) throw new ConflictError(`pickup group '${input.name}' already exists`);
      }
      await tx.update(pickupGroups).set({ name: input.name, updatedAt: sql`now()` }).where(eq(pickupGroups.id, group.id));
      await tx.delete(pickupGroupMembers).where(eq(pickupGroupMembers.groupId, group.id));
      if (members.length > 0) await tx.insert(pickupGroupMembers).values(members.map((m) => ({ groupId: group.id, ...m })));
    });
    return (await this.get(input.name))!;
  }

  async delete(name: string): Promise<void> {
    const removed = await this.#db.delete(pickupGroups).where(eq(pickupGroups.name, name)).returning({ id: pickupGroups.id });
    if (removed.length === 0) throw new NotFoundError('pickup group', name);
  }

  /** The members' ids; an unknown line number or login is the admin's mistake, said by name. */
  async #resolve(input: PickupGroupInput): Promise<Array<{ lineId: string | null; userId: string | null }>> {
    const numbers = [...new Set(input.lines)];
    const logins = [...new Set(input.users)];
    if (numbers.length + logins.length > MAX_PICKUP_GROUP_MEMBERS) throw new ValidationError(`a pickup group has at most ${MAX_PICKUP_GROUP_MEMBERS} members`);
    const foundLines = numbers.length ? await this.#db.select({ id: lines.id, number: lines.number }).from(lines).where(inArray(lines.number, numbers)) : [];
    const foundUsers = logins.length ? await this.#db.select({ id: users.id, login: users.login }).from(users).where(inArray(users.login, logins)) : [];
    const missingLines = numbers.filter((n) => !foundLines.some((l) => l.number === n));
    const missingUsers = logins.filter((n) => !foundUsers.some((u) => u.login === n));
    if (missingLines.length) throw new ValidationError(`unknown line(s): ${missingLines.join(', ')}`);
    if (missingUsers.length) throw new ValidationError(`unknown user(s): ${missingUsers.join(', ')}`);
    return [...foundLines.map((l) => ({ lineId: l.id, userId: null })), ...foundUsers.map((u) => ({ lineId: null, userId: u.id }))];
  }
}
