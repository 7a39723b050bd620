import type { NatsConnection } from '@nats-io/nats-core';
import { RequestOne } from '@nats-io/nats-core/internal';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * nats.js's `connect` as the bus uses it: without async stack traces — nats.js makes an Error per request
 * up front for its stack, which cost more CPU than the request itself in bench/call-setup's profiles (our
 * errors name the subject, which is what finds the caller), without its Error per answered request (see
 * {@link quietAnsweredRequests}), and with one socket write per loop turn.
 */
export async function connectNats(options: NodeConnectionOptions): Promise<NatsConnection> {
  quietAnsweredRequests();
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

/** What nats.js's RequestOne (a request waiting for its one reply) has that quietAnsweredRequests touches. */
interface RequestOneInternals {
  resolver: (this: RequestOneInternals, err: Error | null, msg: unknown) => void;
  cancel: (this: RequestOneInternals, err?: Error) => void;
}

const answered = new WeakSet<object>();
/** What an answered request's end passes on: its promise is resolved already, so nobody ever sees it. */
const ANSWERED = Object.freeze(new Error('request answered'));
let requestsQuieted: boolean | undefined;

/**
 * nats.js ends every request (its `cancel()`: timer and reply subscription released) after the reply
 * resolved its promise, and that end rejects the promise once more with a new RequestError — an Error,
 * its stack trace captured, per answered request for a rejection nobody sees (the promise is settled):
 * 1.7 % of the pbx-adapter's CPU samples in bench/call-setup. An answered request's end now passes one
 * shared error instead; everything else (the release, a request that failed or timed out) is nats.js's
 * own code. Process-wide (nats.js's class), once; false, changing nothing, when RequestOne lacks what
 * this relies on (another nats.js version).
 */
export function quietAnsweredRequests(): boolean {
  if (requestsQuieted !== undefined) return requestsQuieted;
  const proto = (RequestOne as unknown as { prototype?: Partial<RequestOneInternals> } | undefined)?.prototype;
  if (typeof proto?.resolver !== 'function' || typeof proto.cancel !== 'function') return (requestsQuieted = false);
  const resolver = proto.resolver;
  const cancel = proto.cancel;
  proto.resolver = function (this: RequestOneInternals, err, msg) {
    if (!err) answered.add(this);
    resolver.call(this, err, msg);
  };
  proto.cancel = function (this: RequestOneInternals, err) {
    cancel.call(this, err === undefined && answered.has(this) ? ANSWERED : err);
  };
  return (requestsQuieted = true);
}
