import { EventEmitter } from 'node:events';
import { eq, sql } from 'drizzle-orm';
import { dbSchema, PreparedStatements, type Db } from '@ucserver/shared/db';
import { NoticedCache } from './NoticedCache.ts';
import { NOTICED_MAX_AGE_MS, UNNOTICED_MAX_AGE_MS } from './NoticedCacheTypes.ts';
import { ROUTING_CACHE_MAX, type LineForward, type LineRoutingEvents, type LineRoutingState, type ForwardMode } from './LineRoutingTypes.ts';

const { lineRouting } = dbSchema;

const EMPTY: LineRoutingState = { dnd: false, forwards: [] };

/**
 * The call routing a user set on a line (table `line_routing`): do-not-disturb and the forwards, one per
 * mode (setting a mode again replaces its entry); every change is announced (`changed`, which ClusterChanges
 * sends the other gateways as `gateway.changed`). {@link get} — every incoming call's — is served from
 * memory (as LineStore's lines: NoticedCache, at most {@link ROUTING_CACHE_MAX} lines): a change made
 * through this gateway counts at once (the cache holds what the write returned), one made through another
 * gateway once its notice arrives (ClusterChanges calls {@link forget}); while no notice can reach us (bus
 * down) an entry is served for at most UNNOTICED_MAX_AGE_MS (5 s), the line cache's bound.
 */
export class LineRouting extends EventEmitter<LineRoutingEvents> {
  readonly #db: Db;
  /** `get` runs for every incoming call (the callee's DND and forwards) on a cache miss: prepared once. */
  readonly #prepared = new PreparedStatements(1);
  readonly #cache = new NoticedCache<LineRoutingState>({ max: ROUTING_CACHE_MAX, noticedMaxAgeMs: NOTICED_MAX_AGE_MS, unnoticedMaxAgeMs: UNNOTICED_MAX_AGE_MS });

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  /** The line's routing (a copy: callers may change it). */
  async get(lineId: string): Promise<LineRoutingState> {
    return copy(await this.#cache.get(lineId, () => this.#read(lineId)));
  }

  /** Drops the cached routing of one line, or of all (another gateway changed it). */
  forget(lineId?: string): void {
    this.#cache.forget(lineId);
  }

  /** Whether change notices reach us (ClusterChanges, from the bus' state): how long an entry may be served. */
  set noticed(on: boolean) {
    this.#cache.noticed = on;
  }

  /** From the database, not the cache: what a read-modify-write starts from. */
  async #read(lineId: string): Promise<LineRoutingState> {
    const [row] = await this.#prepared.run('get', () => this.#db.select().from(lineRouting).where(eq(lineRouting.lineId, sql.placeholder('lineId'))), { lineId });
    return row ? { dnd: row.dnd, forwards: row.forwards } : { ...EMPTY, forwards: [] };
  }

  /** Every line's routing that has a row (a line without one has neither DND nor forwards). */
  async all(): Promise<Map<string, LineRoutingState>> {
    const rows = await this.#db.select().from(lineRouting);
    return new Map(rows.map((r) => [r.lineId, { dnd: r.dnd, forwards: r.forwards }]));
  }

  async setDnd(lineId: string, dnd: boolean): Promise<LineRoutingState> {
    const generation = this.#cache.generation;
    const [row] = await this.#db.insert(lineRouting).values({ lineId, dnd })
      .onConflictDoUpdate({ target: lineRouting.lineId, set: { dnd, updatedAt: sql`now()` } })
      .returning();
    return this.#changed(lineId, { dnd: row!.dnd, forwards: row!.forwards }, generation);
  }

  /** Sets the forward of `entry.mode` (replacing one of that mode); `replaced` tells whether one existed. */
  async setForward(lineId: string, entry: LineForward): Promise<{ replaced: boolean; state: LineRoutingState }> {
    const current = await this.#read(lineId);
    const replaced = current.forwards.some((f) => f.mode === entry.mode);
    const forwards = [...current.forwards.filter((f) => f.mode !== entry.mode), entry].sort((a, b) => order(a.mode) - order(b.mode));
    return { replaced, state: await this.#writeForwards(lineId, forwards) };
  }

  /** Replaces all forwards of the line (an admin's edit); at most one per mode, kept in mode order. */
  async replaceForwards(lineId: string, forwards: LineForward[]): Promise<LineRoutingState> {
    return this.#writeForwards(lineId, [...forwards].sort((a, b) => order(a.mode) - order(b.mode)));
  }

  /** Removes every forward, or those matching the mode (and destination) given; resolves to whether any was removed. */
  async removeForward(lineId: string, match: { mode?: ForwardMode | undefined; destination?: string | undefined } = {}): Promise<boolean> {
    const current = await this.#read(lineId);
    const keep = current.forwards.filter((f) => (match.mode !== undefined && f.mode !== match.mode) || (match.destination !== undefined && f.destination !== match.destination));
    if (keep.length === current.forwards.length) return false;
    await this.#writeForwards(lineId, keep);
    return true;
  }

  async #writeForwards(lineId: string, forwards: LineForward[]): Promise<LineRoutingState> {
    const generation = this.#cache.generation;
    const [row] = await this.#db.insert(lineRouting).values({ lineId, forwards })
      .onConflictDoUpdate({ target: lineRouting.lineId, set: { forwards, updatedAt: sql`now()` } })
      .returning();
    return this.#changed(lineId, { dnd: row!.dnd, forwards: row!.forwards }, generation);
  }

  /** After a write: the row as written is what this gateway serves from now on (`generation`: taken before it). */
  #changed(lineId: string, state: LineRoutingState, generation: number): LineRoutingState {
    this.#cache.put(lineId, copy(state), generation);
    this.emit('changed', lineId, state);
    return state;
  }
}

const copy = (state: LineRoutingState): LineRoutingState => ({ dnd: state.dnd, forwards: state.forwards.map((f) => ({ ...f })) });
const order = (mode: ForwardMode): number => (mode === 'immediate' ? 0 : mode === 'busy' ? 1 : 2);
