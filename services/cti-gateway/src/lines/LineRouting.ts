import { EventEmitter } from 'node:events';
import { eq, sql } from 'drizzle-orm';
import { dbSchema, PreparedStatements, type Db } from '@ucserver/shared/db';
import type { LineForward, LineRoutingEvents, LineRoutingState, ForwardMode } from './LineRoutingTypes.ts';

const { lineRouting } = dbSchema;

const EMPTY: LineRoutingState = { dnd: false, forwards: [] };

/**
 * The call routing a user set on a line (table `line_routing`): do-not-disturb and the forwards, one per
 * mode (setting a mode again replaces its entry). Read from the database on every use, so a restarted
 * gateway (or a second one) honours what was set; every change is announced.
 */
export class LineRouting extends EventEmitter<LineRoutingEvents> {
  readonly #db: Db;
  /** `get` runs for every incoming call (the callee's DND and forwards): prepared once. */
  readonly #prepared = new PreparedStatements(1);

  constructor(db: Db) {
    super();
    this.#db = db;
  }

  async get(lineId: string): Promise<LineRoutingState> {
    const [row] = await this.#prepared.run('get', () => this.#db.select().from(lineRouting).where(eq(lineRouting.lineId, sql.placeholder('lineId'))), { lineId });
    return row ? { dnd: row.dnd, forwards: row.forwards } : { ...EMPTY, forwards: [] };
  }

  /** Every line's routing that has a row (a line without one has neither DND nor forwards). */
  async all(): Promise<Map<string, LineRoutingState>> {
    const rows = await this.#db.select().from(lineRouting);
    return new Map(rows.map((r) => [r.lineId, { dnd: r.dnd, forwards: r.forwards }]));
  }

  async setDnd(lineId: string, dnd: boolean): Promise<LineRoutingState> {
    const [row] = await this.#db.insert(lineRouting).values({ lineId, dnd })
      .onConflictDoUpdate({ target: lineRouting.lineId, set: { dnd, updatedAt: sql`now()` } })
      .returning();
    return this.#changed(lineId, { dnd: row!.dnd, forwards: row!.forwards });
  }

  /** Sets the forward of `entry.mode` (replacing one of that mode); `replaced` tells whether one existed. */
  async setForward(lineId: string, entry: LineForward): Promise<{ replaced: boolean; state: LineRoutingState }> {
    const current = await this.get(lineId);
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
    const current = await this.get(lineId);
    const keep = current.forwards.filter((f) => (match.mode !== undefined && f.mode !== match.mode) || (match.destination !== undefined && f.destination !== match.destination));
    if (keep.length === current.forwards.length) return false;
    await this.#writeForwards(lineId, keep);
    return true;
  }

  async #writeForwards(lineId: string, forwards: LineForward[]): Promise<LineRoutingState> {
    const [row] = await this.#db.insert(lineRouting).values({ lineId, forwards })
      .onConflictDoUpdate({ target: lineRouting.lineId, set: { forwards, updatedAt: sql`now()` } })
      .returning();
    return this.#changed(lineId, { dnd: row!.dnd, forwards: row!.forwards });
  }

  #changed(lineId: string, state: LineRoutingState): LineRoutingState {
    this.emit('changed', lineId, state);
    return state;
  }
}

const order = (mode: ForwardMode): number => (mode === 'immediate' ? 0 : mode === 'busy' ? 1 : 2);
