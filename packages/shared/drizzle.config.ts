import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` (from packages/shared) writes SQL migrations into ./migrations; they are
// committed and applied in code at start-up by openDatabase(), on PostgreSQL and PGlite alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
