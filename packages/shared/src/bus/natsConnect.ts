import type { NatsConnection } from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * nats.js's `connect` as the bus uses it: without async stack traces — nats.js makes an Error per request
 * up front for its stack, which cost more CPU than the request itself in bench/call-setup's profiles (our
 * errors name the subject, which is what finds the caller) — and with one socket write per loop turn.
 */
export async function connectNats(options: NodeConnectionOptions): Promise<NatsConnection> {
  const nc = await connect({ ...options, noAsyncTraces: true });
  batchWritesPerLoopTurn(nc);
  return nc;
}

/** What nats.js's ProtocolHandler (`nc.protocol`, not in its typings) has that this module touches. */
interface ProtocolInternals {
  flushPending: () => void;
  outbound: { size: () => number };
  pendingLimit: number;
}

/**
 * Makes a connection write what it publishes once per event-loop turn instead of once per microtask
 * checkpoint. nats.js queues a flush (one socket write, a system call) as a microtask after the first
 * message of a batch, so a call's steps — each `await` a bus request, a JetStream publish, a reply — cost a
 * write each; the profiles of bench/call-setup found those writes (`writeBuffer`) the largest single item of
 * every service (14–23 % of its CPU). Deferred to `setImmediate`, every message of the turn's I/O callbacks
 * and their promise chains leaves in one write, at most one loop turn later. A batch that reaches nats.js's
 * own threshold (`pendingLimit`, 32 KiB) is still written at once, as nats.js does.
 *
 * Returns false, changing nothing, when the connection lacks the internals this relies on (another
 * nats.js version): the bus then works as before, only with more writes.
 */
export function batchWritesPerLoopTurn(nc: NatsConnection): boolean {
  const protocol = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
  if (typeof protocol?.flushPending !== 'function' || typeof protocol.outbound?.size !== 'function' || typeof protocol.pendingLimit !== 'number') return false;
  const p = protocol as ProtocolInternals;
  const flushNow = p.flushPending.bind(p);
  let scheduled = false;
  const flushScheduled = (): void => {
    scheduled = false;
    flushNow();
  };
  p.flushPending = () => {
    if (p.outbound.size() >= p.pendingLimit) {
      flushNow();
      return;
    }
    if (scheduled) return;
    scheduled = true;
    setImmediate(flushScheduled);
  };
  return true;
}
