// The HMAC key of login tokens when AUTH_TOKEN_SECRET is not configured: generated once and kept in the
// database (server_secrets), so tokens survive a restart of the gateway (its web clients reconnect with
// them instead of a password) and every gateway on the same database accepts each other's. Two gateways
// starting at once both try to insert; the first insert wins and both read it back.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { dbSchema, type Db } from '@ucserver/shared/db';

const NAME = 'auth-token-hmac';

/** The configured secret, else the database's (created on first use). */
export async function tokenSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const { serverSecrets } = dbSchema;
  await db.insert(serverSecrets).values({ name: NAME, value: randomBytes(32).toString('base64url') }).onConflictDoNothing();
  const [row] = await db.select({ value: serverSecrets.value }).from(serverSecrets).where(eq(serverSecrets.name, NAME));
  if (!row) throw new Error(`server secret '${NAME}' missing right after its insert`);
  return row.value;
}
