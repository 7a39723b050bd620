import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Logger } from 'pino';
import * as schema from './schema.ts';
import { MigrationError } from '../errors.ts';

export type DbSchema = typeof schema;
/** The driver-independent drizzle handle every repository takes (node-postgres and PGlite both fit). */
export type Db = PgDatabase<PgQueryResultHKT, DbSchema>;

export interface DatabaseOptions {
  /** postgres:// URL: node-postgres. Absent: PGlite. */
  url?: string | undefined;
  /** PGlite data directory, or 'memory://'. Default 'memory://'. */
  pgliteDir?: string | undefined;
  logger?: Logger;
  /** Run the migrations (default true). */
  migrate?: boolean;
  /** Connection attempts to PostgreSQL before giving up (250 ms apart). Default 20. */
  connectAttempts?: number;
}

export interface Database {
  readonly db: Db;
  readonly kind: 'postgres' | 'pglite';
  /** Statements sent since the start (migrations excluded): the per-call cost behind `db_queries_total`. */
  readonly queries: number;
  /** Cheap round trip for readiness. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Same directory from src/db (development) and dist/db (build): packages/shared/migrations. */
export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Opens the database and applies the committed drizzle-kit migrations. A failed migration is fatal and
 * loud: the error names the driver and wraps the cause, and the connection is closed.
 */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const log = options.logger?.child({ component: 'db' });
  let database: Database;
  // drizzle tells every statement to its logger: counting them costs an increment.
  const counter = { queries: 0 };
  const logger = { logQuery: (): void => {
    counter.queries += 1;
  } };
  if (options.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new pg.Pool({ connectionString: options.url, max: 10, connectionTimeoutMillis: 5000 });
    pool.on('error', (err) => log?.warn({ err: err.message }, 'idle PostgreSQL client failed'));
    const attempts = options.connectAttempts ?? 20;
    for (let i = 1; ; i++) {
      try {
        const client = await pool.connect();
        client.release();
        break;
      } catch (err) {
        if (i >= attempts) {
          await pool.end().catch(() => undefined);
          throw new MigrationError(`PostgreSQL not reachable after ${attempts} attempts`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const db = drizzle({ client: pool, schema, logger }) as unknown as Db;
    database = {
      db,
      kind: 'postgres',
      get queries() {
        return counter.queries;
      },
      ping: () => ping(db),
      close: async () => {
        await pool.end();
      },
    };
    if (options.migrate !== false) {
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      await runMigrations(database, () => migrate(drizzle({ client: pool, schema }), { migrationsFolder }), log);
    }
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const dir = options.pgliteDir ?? 'memory://';
    if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
    const client = new PGlite(dir);
    await client.waitReady;
    const db = drizzle({ client, schema, logger }) as unknown as Db;
    database = {
      db,
      kind: 'pglite',
      get queries() {
        return counter.queries;
      },
      ping: () => ping(db),
      close: async () => {
        if (!client.closed) await client.close();
      },
    };
    if (options.migrate !== false) {
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      await runMigrations(database, () => migrate(drizzle({ client, schema }), { migrationsFolder }), log);
    }
  }
  return database;
}

async function runMigrations(database: Database, run: () => Promise<void>, log?: Logger): Promise<void> {
  try {
    await run();
    log?.info({ driver: database.kind }, 'database migrations applied');
  } catch (err) {
    await database.close().catch(() => undefined);
    throw new MigrationError(`migrations failed on ${database.kind}: ${(err as Error).message}`, { cause: err });
  }
}

async function ping(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
