// The CALLS JetStream stream as the BusClient uses it: the stream itself, durable publishing that rides
// out a short NATS outage, and durable pull consumers (the journal). Kept apart from the BusClient's
// core request/reply and events so each stays one screenful.
import { jetstreamManager, AckPolicy, DeliverPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { BusClosedError, BusTimeoutError } from '../errors.ts';
import type { PayloadOf, Topic } from './contract.ts';
import type { CallStreamHost } from './CallStreamTypes.ts';
import type { ConsumeOptions, DurableConsumer, StreamOptions } from './BusClientTypes.ts';
import type { z } from 'zod';

/** What the consumer does with a delivered message (JetStream's JsMsg). */
interface Delivered {
  subject: string;
  info: { deliveryCount: number };
  ack(): void;
  nak(delayMs?: number): void;
  term(): void;
  /** Progress: the server restarts the message's ack wait. */
  working(): void;
}

/** The ack wait of a durable consumer unless ConsumeOptions.ackWaitMs says otherwise. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

/**
 * How long one pull request of a consumer lives; its idle heartbeat is half of it, and two missed
 * heartbeats make nats.js pull again. nats.js's default, 30 s, is also its delay before it asks again
 * for the consumer's info that failed after a reconnect (a NATS server died, its raft groups elect):
 * jittered to 15–45 s, the journal stalled that long after a failover (22 and 34 s measured). 2 s
 * retries every 1–3 s, so the consumer resumes about as soon as its raft group has a leader again,
 * for a pull every 2 s and a heartbeat a second while idle (the journal's one consumer per gateway).
 */
const PULL_EXPIRES_MS = 2_000;

export class CallStream {
  readonly #host: CallStreamHost;
  readonly #consumers = new Set<{ stop(): void }>();

  constructor(host: CallStreamHost) {
    this.#host = host;
  }

  /**
   * Creates or updates the stream, retrying (back-off 250 ms … 4 s) until `setupDeadlineMs` (default 60 s):
   * on a cluster that is still forming (no JetStream meta leader yet) or electing, the API requests time
   * out or find no responder, and a service that gave up at once would exit at every cold start of the
   * whole system (seen in the multi-host test: the media nodes, started with three fresh NATS servers).
   */
  async ensure(options: StreamOptions): Promise<void> {
    const until = Date.now() + (options.setupDeadlineMs ?? 60_000);
    let delay = 250;
    for (;;) {
      try {
        await this.#ensureOnce(options);
        return;
      } catch (err) {
        if (this.#host.closed() || Date.now() + delay > until) throw err;
        this.#host.logger.warn({ stream: this.#host.subjects.callStream, err: (err as Error).message, retryInMs: delay }, 'JetStream stream not set up yet, retrying');
        await abortableDelay(delay);
        delay = Math.min(delay * 2, 4000);
      }
    }
  }

  async #ensureOnce(options: StreamOptions): Promise<void> {
    const { nc, subjects } = this.#host;
    const jsm = await jetstreamManager(nc);
    const name = subjects.callStream;
    const config = {
      name,
      subjects: subjects.callStreamSubjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: (options.maxAgeMs ?? 7 * 24 * 3600_000) * 1_000_000,
      // No byte limit by default: a limit is reserved against the server's store up front.
      max_bytes: options.maxBytes ?? -1,
      num_replicas: this.#host.replicas,
    };
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (err) {
      if ((err as { code?: number; apiError?: () => { err_code?: number } }).apiError?.()?.err_code !== 10059 && !/not found/i.test((err as Error).message)) {
        throw err;
      }
      await jsm.streams.add(config);
    }
  }

  async publish(subject: string, data: Uint8Array, deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    let delay = 100;
    for (;;) {
      try {
        await this.#host.js.publish(subject, data, { timeout: 2000 });
        return;
      } catch (err) {
        if (this.#host.closed() || Date.now() + delay > until) {
          throw new BusTimeoutError(subject, deadlineMs, { cause: err });
        }
        this.#host.logger.warn({ subject, err: (err as Error).message, retryInMs: delay }, 'durable publish failed, retrying');
        await abortableDelay(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  async consume<T extends Topic>(options: ConsumeOptions, topics: readonly T[], handler: (payload: PayloadOf<T>) => Promise<void> | void): Promise<DurableConsumer> {
    if (topics.length === 0) throw new TypeError('consume() needs at least one topic');
    const { nc, js, subjects, logger } = this.#host;
    const stream = subjects.callStream;
    // One filter per consumer (nats-server 2.9): one topic (or one of its keys), else the whole stream.
    const filterSubject = topics.length === 1 ? subjects.topicFilter(topics[0]!, options.key) : subjects.callStreamSubjects[0]!;
    const schemaOf = (subject: string): z.ZodType | undefined => topics.find((t) => subject.startsWith(`${subjects.prefix}.${t.name}.`) || subject === `${subjects.prefix}.${t.name}`)?.schema;
    const jsm = await jetstreamManager(nc);
    const maxDeliver = options.maxDeliver ?? 10;
    const inFlight = Math.max(1, Math.floor(options.inFlight ?? 1));
    const ackWaitMs = Math.max(1000, Math.floor(options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS));
    const consumerConfig = {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filterSubject,
      max_deliver: maxDeliver,
      ack_wait: ackWaitMs * 1_000_000,
    };
    try {
      await jsm.consumers.info(stream, options.durable);
      await jsm.consumers.update(stream, options.durable, { filter_subject: filterSubject, max_deliver: maxDeliver, ack_wait: ackWaitMs * 1_000_000 });
    } catch {
      await jsm.consumers.add(stream, consumerConfig);
    }
    let stopped = false;
    let current: { stop(): void } | undefined;
    // Messages whose handler runs: a progress ack every third of the ack wait keeps a slow handler's (a
    // queued batch's) messages ours, so the ack wait can be short — it is what another consumer of the
    // durable waits for the messages of one that died unacknowledged.
    const working = new Set<Delivered>();
    const progress = setInterval(() => {
      for (const m of working) settle(() => m.working());
    }, Math.floor(ackWaitMs / 3));
    progress.unref();
    const loop = async (): Promise<void> => {
      while (!stopped && !this.#host.closed()) {
        try {
          const consumer = await js.consumers.get(stream, options.durable);
          const messages = await consumer.consume({ max_messages: 256, expires: PULL_EXPIRES_MS });
          current = { stop: () => void messages.close() };
          const unsettled = new Set<Promise<void>>();
          for await (const m of messages) {
            const schema = schemaOf(m.subject);
            const decoded = schema ? this.#host.decode(m.subject, schema, m.data) : undefined;
            if (decoded === undefined) {
              if (!schema) this.#host.invalid(m.subject, 'no topic of this consumer');
              m.term();
              continue;
            }
            working.add(m);
            const settled = this.#handle(m, decoded.value as PayloadOf<T>, handler, options, maxDeliver).finally(() => {
              working.delete(m);
              if (stopped && working.size === 0) clearInterval(progress);
            });
            if (inFlight <= 1) {
              await settled;
              continue;
            }
            unsettled.add(settled);
            void settled.then(() => unsettled.delete(settled));
            while (unsettled.size >= inFlight) await Promise.race(unsettled);
          }
        } catch (err) {
          if (stopped || this.#host.closed()) return;
          logger.warn({ err: (err as Error).message, durable: options.durable }, 'consumer interrupted, resuming');
          await abortableDelay(1000);
        }
      }
    };
    void loop().finally(() => {
      if (this.#host.closed() || working.size === 0) clearInterval(progress);
    });
    const handle: DurableConsumer = {
      stop: () => {
        stopped = true;
        current?.stop();
        // Handlers still running (a draining queue) keep their messages until the last one settles.
        if (working.size === 0) clearInterval(progress);
        this.#consumers.delete(handle);
      },
      pending: async () => {
        const info = await jsm.consumers.info(stream, options.durable);
        return info.num_pending + info.num_ack_pending;
      },
    };
    this.#consumers.add(handle);
    return handle;
  }

  /** Runs the handler of one message and acknowledges it (or has it delivered again); never rejects. */
  async #handle<P>(m: Delivered, payload: P, handler: (payload: P) => Promise<void> | void, options: ConsumeOptions, maxDeliver: number): Promise<void> {
    const { logger } = this.#host;
    try {
      await handler(payload);
      settle(() => m.ack());
    } catch (err) {
      const last = m.info.deliveryCount >= maxDeliver;
      if (!options.expected?.(err)) logger.error({ subject: m.subject, err, redelivery: m.info.deliveryCount }, 'durable handler failed');
      else if (last) logger.warn({ subject: m.subject, err: (err as Error).message, deliveries: m.info.deliveryCount }, 'durable handler still waiting; message given up');
      else logger.debug({ subject: m.subject, err: (err as Error).message, redelivery: m.info.deliveryCount }, 'durable handler waiting; delivered again later');
      this.#host.handlerError(m.subject, err instanceof Error ? err : new Error(String(err)));
      if (last) settle(() => m.term());
      else settle(() => m.nak(options.retryDelayMs ?? 1000));
    }
  }

  /** Stops every consumer (the client is closing). */
  stopConsumers(): void {
    for (const c of [...this.#consumers]) c.stop();
  }
}

/**
 * An ack, nak or term of a handler that settled after its connection closed: the message was not
 * acknowledged, so the server delivers it again (to this consumer's next run).
 */
function settle(reply: () => void): void {
  try {
    reply();
  } catch {
    // closed meanwhile: redelivered
  }
}

export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new BusClosedError('aborted', { cause: signal.reason }));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new BusClosedError('aborted', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
