import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '@ucserver/shared';

export { check, Latch } from './check.ts';
export { NatsServer } from './NatsServer.ts';
export { createTestDatabase, adminUrl } from './postgres.ts';

/** The shared NATS server of the machine (or TEST_NATS_URL). Tests isolate themselves with {@link uniquePrefix}. */
export const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A bus prefix no other test uses, so subjects and streams never collide. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Silent unless TEST_LOG_LEVEL is set (e.g. TEST_LOG_LEVEL=debug node scripts/test.ts unit bus). */
export function testLogger(service = 'test'): Logger {
  return createLogger({ service, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}
