import { createHash } from 'node:crypto';

/** A drizzle query that can be prepared (select, insert, update, delete with `sql.placeholder` values). */
export interface Preparable<T> {
  toSQL(): { sql: string };
  prepare(name: string): PreparedQuery<T>;
}

export interface PreparedQuery<T> {
  execute(values?: Record<string, unknown>): Promise<T>;
}

/**
 * The hot statements of a component, built once per *shape* and then only executed with new values: a
 * call's journal writes and line reads otherwise rebuild their SQL text through drizzle on every event
 * (~10 % of the gateway's CPU), and on PostgreSQL a named statement is also parsed and planned once per
 * connection instead of per execution. Works alike on node-postgres and PGlite (drizzle fills the
 * placeholders; PGlite ignores the name).
 *
 * A shape is the caller's key for one SQL text: the same shape must always build the same statement
 * (only the placeholder values differ). The statement's name is derived from its SQL text, so two
 * instances over one pool (tests, a journal writer restarted on leadership) agree on every name — node-
 * postgres refuses one name for two texts on a connection. Past `maxShapes` a new shape is executed
 * unprepared (built each time), so a caller whose shapes are unexpectedly many cannot grow the cache.
 */
export class PreparedStatements {
  readonly #byShape = new Map<string, PreparedQuery<unknown>>();
  readonly #maxShapes: number;

  constructor(maxShapes = 64) {
    this.#maxShapes = maxShapes;
  }

  /** Shapes prepared so far. */
  get size(): number {
    return this.#byShape.size;
  }

  run<T>(shape: string, build: () => Preparable<T>, values: Record<string, unknown>): Promise<T> {
    const known = this.#byShape.get(shape) as PreparedQuery<T> | undefined;
    if (known) return known.execute(values);
    const query = build();
    if (this.#byShape.size >= this.#maxShapes) return query.prepare('').execute(values);
    const prepared = query.prepare(statementName(query.toSQL().sql));
    this.#byShape.set(shape, prepared as PreparedQuery<unknown>);
    return prepared.execute(values);
  }
}

/** `ucs_` and 24 hex digits of the text's SHA-1: unique per text, well inside PostgreSQL's 63 bytes. */
export function statementName(text: string): string {
  return `ucs_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}
