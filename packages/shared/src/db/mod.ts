// The public surface of @ucserver/shared/db: the database schema, its migrations and the connection.
// Kept apart from "@ucserver/shared" so that the kernel (what media and pbx-adapter import) loads neither
// drizzle nor PGlite nor pg; only the cti-gateway (and tests and tools that seed it) import this.
export { openDatabase, migrationsFolder } from './Database.ts';
export type { Database, DatabaseOptions, Db, DbSchema } from './Database.ts';
export { PreparedStatements, statementName } from './PreparedStatements.ts';
export { StatementValues } from './StatementValues.ts';
export type { Preparable, PreparedQuery } from './PreparedStatements.ts';
export * as dbSchema from './schema.ts';
export type { UserRow, UserPresenceRow, ClientContentRow, NewUserRow, LineRow, NewLineRow, CallRow, NewCallRow, PickupGroupRow } from './schema.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
