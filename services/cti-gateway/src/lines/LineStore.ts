import { EventEmitter } from 'node:events';
import { asc, eq, sql } from 'drizzle-orm';
import type { LineConfig } from '@ucserver/shared';
import { dbSchema, PreparedStatements, type Db, type LineRow } from '@ucserver/shared/db';
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

/** How long a line read by id is served from memory: every call event of a line looks it up (CTI, presence). */
const BY_ID_TTL_MS = 5000;
const BY_ID_MAX = 10_000;

/**
 * The lines table. Every change is announced as an event, which the bus adapter turns into
 * `lines.changed` so the pbx-adapter applies it without restart.
 * {@link getById} — the lookup of every call event — is served from a small cache for up to 5 s (a call's events span seconds): this
 * store's own writes (and {@link forget}, which the gateway calls on user changes) clear it at once, so only a
 * change made through another gateway's store can be seen up to 5 s late.
 */
export class LineStore extends EventEmitter<LineStoreEvents> {
  readonly #db: Db;
  readonly #byId = new Map<string, { view: Promise<LineView | undefined>; until: number }>();
  /** Counts writes, so a read that overlapped one is not cached. */
  #generation = 0;
  /** The read by id (a call's first events, on a cache miss): prepared once. */
  readonly #prepared = new PreparedStatements(1);

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  /** Drops every cached line (a user was changed: an owner's login may be stale). */
  forget(): void {
    this.#generation += 1;
    this.#byId.clear();
  }

  async list(): Promise<LineView[]> {
    const rows = await this.#selectViews().orderBy(asc(lines.number));
    return rows.map(toView);
  }

  async get(number: string): Promise<LineView | undefined> {
    const [r] = await this.#selectViews().where(eq(lines.number, number));
    return r && toView(r);
  }

  async getById(id: string): Promise<LineView | undefined> {
    const now = Date.now();
    const hit = this.#byId.get(id);
    if (hit && hit.until > now) return hit.view;
    // Lookups of one call event arrive together (CTI, presence): they share one statement.
    const generation = this.#generation;
    const view = this.#prepared.run('by-id', () => this.#selectViews().where(eq(lines.id, sql.placeholder('id'))), { id }).then(([r]) => r && toView(r));
    if (this.#byId.size >= BY_ID_MAX) this.#byId.clear();
    this.#byId.set(id, { view, until: now + BY_ID_TTL_MS });
    // A failed read, or one that overlapped a write, is not kept.
    const drop = (): void => {
      if (this.#byId.get(id)?.view === view) this.#byId.delete(id);
    };
    view.then(() => {
      if (generation !== this.#generation) drop();
    }, drop);
    return view;
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

  async ownedBy(userId: string): Promise<LineView[]> {
    return (await this.list()).filter((l) => l.ownerUserId === userId);
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
