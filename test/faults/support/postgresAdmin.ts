// The machine's PostgreSQL over its Unix socket — a file, so reachable from inside any network namespace —
// for the fault tests whose gateways share one database (two-gateways, multi-host).
import pg from 'pg';

export const PG_ADMIN = process.env.TEST_PG_SOCKET_URL ?? 'postgres://postgres@/postgres?host=/var/run/postgresql';

/** The URL of database `name` on that server. */
export function databaseUrl(name: string): string {
  return PG_ADMIN.replace(/\/postgres\?/, `/${name}?`);
}

/** One statement as the admin (create/drop database). */
export async function adminSql(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
