import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Subjects } from '@ucserver/shared/internal';

/**
 * Deletes the CALLS stream of a test's bus prefix from the shared NATS server, so test runs leave no
 * JetStream state behind (the machine's NATS outlives every run).
 */
export async function deleteTestStream(prefix: string, servers = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222'): Promise<void> {
  const nc = await connect({ servers, reconnect: false, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(new Subjects(prefix).callStream).catch(() => false);
  } finally {
    await nc.close();
  }
}
