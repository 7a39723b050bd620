import { EventEmitter } from 'node:events';
import { asc, eq, sql } from 'drizzle-orm';
import type { LineConfig } from '@ucserver/shared';
import { dbSchema, PreparedStatements, type Db, type LineRow } from '@ucserver/shared/db';
import { NoticedCache } from './NoticedCache.ts';
import { NOTICED_MAX_AGE_MS, UNNOTICED_MAX_AGE_MS, type NoticedCacheOptions } from './NoticedCacheTypes.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';

const { lines, users } = dbSchema;

export interface NewLine {
  number: string;
  registrar: string;
  sipUri?: string | undefined;
  displayName?: string | undefined;
  transport?: LineRow['transport'] | undefined;
  authUser?: string | undefined;
  authPassword?: string | undefined;
  ownerLogin?: string | null | undefined;
  enabled?: boolean | undefined;
}

export type LineChanges = Partial<Omit<NewLine, 'number'>>;

/** A line row plus its owner's login, the shape the API and CTI use. */
export interface LineView extends LineRow {
  ownerLogin: string | null;
}

export interface LineStoreEvents {
  /** A line was created or changed: the pbx-adapter must (re-)register it. */
  upsert: [line: LineConfig];
  remove: [lineId: string, line: LineConfig];
}

/** Lines (and owners' line lists) kept in memory at most: the bound of each of LineStore's two caches. */
export const LINE_CACHE_MAX = 10_000;

/**
 * The lines table. Every change is announced as an event, which the bus adapter turns into
 * `lines.changed` so the pbx-adapter applies it without restart, and ClusterChanges into `gateway.changed`.
 * {@link getById} and {@link ownedBy} — a call's lookups (its events' line, the caller's own lines) — are
 * served from memory (NoticedCache, at most {@link LINE_CACHE_MAX} entries each): this store's own writes
 * (and {@link forget}, which the gateway calls on user changes) drop them at once, another gateway's change
 * as soon as its `gateway.changed` notice arrives (ClusterChanges); while no notice can reach us (bus down)
 * an entry is served for at most UNNOTICED_MAX_AGE_MS (5 s, the bound before the notices), and a change no
 * notice announced (one lost, a row edited by hand) is seen within NOTICED_MAX_AGE_MS (60 s).
 */
export class LineStore extends EventEmitter<LineStoreEvents> {
  readonly #db: Db;
  readonly #byId = new NoticedCache<LineView | undefined>(cacheOptions());
  /** A user's lines by user id (the line a softphone call is placed from). */
  readonly #byOwner = new NoticedCache<LineView[]>(cacheOptions());
  /** The read by id and by owner (a call's, on a cache miss): prepared once. */
  readonly #prepared = new PreparedStatements(2);

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  /** Drops every cached line (a user was changed: an owner's login may be stale; another gateway changed lines). */
  forget(): void {
    this.#byId.forget();
    this.#byOwner.forget();
  }

  /** Whether change notices reach us (ClusterChanges, from the bus' state): how long a cached line may be served. */
  set noticed(on: boolean) {
    this.#byId.noticed = on;
    this.#byOwner.noticed = on;
  }

  async list(): Promise<LineView[]> {
    const rows = await this.#selectViews().orderBy(asc(lines.number));
    return rows.map(toView);
  }

  async get(number: string): Promise<LineView | undefined> {
    const [r] = await this.#selectViews().where(eq(lines.number, number));
    return r && toView(r);
  }

  getById(id: string): Promise<LineView | undefined> {
    // Lookups of one call event arrive together (CTI, presence): they share one statement.
    return this.#byId.get(id, () => this.#prepared.run('by-id', () => this.#selectViews().where(eq(lines.id, sql.placeholder('id'))), { id }).then(([r]) => r && toView(r)));
  }

  /** Lines with their owner's login (rows of `{ line, ownerLogin }`, see toView). */
  #selectViews() {
    return this.#db.select({ line: lines, ownerLogin: users.login }).from(lines).leftJoin(users, eq(lines.ownerUserId, users.id));
  }

  async require(number: string): Promise<LineView> {
    const line = await this.get(number);
    if (!line) throw new NotFoundError('line', number);
    return line;
  }

  /** The user's lines in number order (every softphone call placed reads them: cached, see the class). */
  ownedBy(userId: string): Promise<LineView[]> {
    return this.#byOwner.get(userId, () => this.#prepared.run('by-owner', () => this.#selectViews().where(eq(lines.ownerUserId, sql.placeholder('userId'))).orderBy(asc(lines.number)), { userId })
      .then((rows) => rows.map(toView)));
  }

  async create(input: NewLine): Promise<LineView> {
    if (await this.get(input.number)) throw new ConflictError(`line '${input.number}' already exists`);
    const ownerUserId = await this.#ownerId(input.ownerLogin);
    const [row] = await this.#db.insert(lines).values({
      number: input.number,
      registrar: input.registrar,
      sipUri: input.sipUri ?? defaultSipUri(input.number, input.registrar),
      displayName: input.displayName ?? input.number,
      transport: input.transport ?? 'udp',
      authUser: input.authUser ?? input.number,
      authPassword: input.authPassword ?? '',
      ownerUserId,
      enabled: input.enabled ?? true,
    }).onConflictDoNothing().returning();
    if (!row) throw new ConflictError(`line '${input.number}' already exists`);
    this.forget();
    const view = (await this.getById(row.id))!;
    this.emit('upsert', toLineConfig(view));
    return view;
  }

  async update(number: string, changes: LineChanges): Promise<LineView> {
    const values: Partial<typeof lines.$inferInsert> = { updatedAt: new Date() };
    if (changes.registrar !== undefined) values.registrar = changes.registrar;
    if (changes.sipUri !== undefined) values.sipUri = changes.sipUri;
    if (changes.displayName !== undefined) values.displayName = changes.displayName;
    if (changes.transport !== undefined) values.transport = changes.transport;
    if (changes.authUser !== undefined) values.authUser = changes.authUser;
    if (changes.authPassword !== undefined) values.authPassword = changes.authPassword;
    if (changes.enabled !== undefined) values.enabled = changes.enabled;
    if (changes.ownerLogin !== undefined) values.ownerUserId = await this.#ownerId(changes.ownerLogin);
    const [row] = await this.#db.update(lines).set(values).where(eq(lines.number, number)).returning();
    if (!row) throw new NotFoundError('line', number);
    this.forget();
    const view = (await this.getById(row.id))!;
    this.emit('upsert', toLineConfig(view));
    return view;
  }

  async remove(number: string): Promise<LineView> {
    const line = await this.require(number);
    await this.#db.delete(lines).where(eq(lines.id, line.id));
    this.forget();
    this.emit('remove', line.id, toLineConfig(line));
    return line;
  }

  async configs(): Promise<LineConfig[]> {
    return (await this.list()).map(toLineConfig);
  }

  /** A page of line configs in number order, and the total count. */
  async configPage(offset: number, limit: number): Promise<{ lines: LineConfig[]; total: number }> {
    const [rows, [count]] = await Promise.all([
      this.#db.select().from(lines).orderBy(asc(lines.number)).limit(limit).offset(offset),
      this.#db.select({ n: sql<number>`count(*)::int` }).from(lines),
    ]);
    return { lines: rows.map(toLineConfig), total: count?.n ?? 0 };
  }

  async #ownerId(login: string | null | undefined): Promise<string | null> {
    if (login === undefined || login === null) return null;
    const [u] = await this.#db.select({ id: users.id }).from(users).where(eq(users.login, login));
    if (!u) throw new ValidationError(`owner '${login}' is not a user`);
    return u.id;
  }
}

function cacheOptions(): NoticedCacheOptions {
  return { max: LINE_CACHE_MAX, noticedMaxAgeMs: NOTICED_MAX_AGE_MS, unnoticedMaxAgeMs: UNNOTICED_MAX_AGE_MS };
}

/** A row of LineStore's views: the line and its owner's login. */
function toView(r: { line: LineRow; ownerLogin: string | null }): LineView {
  return { ...r.line, ownerLogin: r.ownerLogin };
}

function toLineConfig(line: LineRow): LineConfig {
  return {
    lineId: line.id,
    number: line.number,
    displayName: line.displayName,
    sipUri: line.sipUri,
    registrar: line.registrar,
    transport: line.transport,
    authUser: line.authUser,
    authPassword: line.authPassword,
    ownerUserId: line.ownerUserId,
    enabled: line.enabled,
  };
}

/** sip:<number>@<registrar host>: the address-of-record most PBXs expect for a subscriber line. */
function defaultSipUri(number: string, registrar: string): string {
  const host = registrar.startsWith('[') ? registrar.slice(0, registrar.indexOf(']') + 1) : registrar.split(':')[0];
  return `sip:${number}@${host}`;
}
