import { sql, type Placeholder } from 'drizzle-orm';

/**
 * The values of one prepared statement as it is built, and its shape for {@link PreparedStatements}: each
 * value bound (`bind`) and each structural choice (`mark`) is named in the shape in order, so a builder
 * whose SQL follows only from what it binds and marks gets one shape per distinct statement text.
 */
export class StatementValues {
  readonly values: Record<string, unknown> = {};
  #shape: string;

  constructor(kind: string) {
    this.#shape = kind;
  }

  get shape(): string {
    return this.#shape;
  }

  /** A placeholder for `value` under `name` (one name, one value: binding a name twice keeps the last). */
  bind(name: string, value: unknown): Placeholder<string> {
    if (!(name in this.values)) this.#shape += `|${name}`;
    this.values[name] = value;
    return sql.placeholder(name);
  }

  /** Every member of `record` bound under its own name (an insert's values: which members, the shape). */
  bindAll<T extends Record<string, unknown>>(record: T): { [K in keyof T]: Placeholder<string> } {
    const out: Record<string, Placeholder<string>> = {};
    for (const [name, value] of Object.entries(record)) out[name] = this.bind(name, value);
    return out as { [K in keyof T]: Placeholder<string> };
  }

  /** A choice that changes the statement's text but binds no value. */
  mark(name: string): void {
    this.#shape += `|!${name}`;
  }
}
