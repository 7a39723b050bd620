import { EventEmitter } from 'node:events';
import { errors as natsErrors, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { BusClosedError, BusPayloadError, InvalidStateError } from '../errors.ts';
import type { CommandNamespace, KvBucket, PayloadOf, Topic } from './contract.ts';
import { BusPeer } from './BusPeer.ts';
import { CommandTransport } from './CommandTransport.ts';
import { abortableDelay, CallStream } from './CallStream.ts';
import { KvStore } from './KvStore.ts';
import type { KvOptions } from './KvStoreTypes.ts';
import { Subjects } from './subjects.ts';
import { natsSecurityOptions } from './busConnection.ts';
import { connectNats } from './natsConnect.ts';
import {
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  type BusClientEvents,
  type BusClientOptions,
  type BusConnectionState,
  type ConsumeOptions,
  type DurableConsumer,
  type Runner,
  type StreamOptions, type SubscribeOptions,
  type Unsubscribe,
} from './BusClientTypes.ts';
import { encodeJson, summarize } from './payloads.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The one way services talk over NATS: every payload is validated against its schema on receipt (a bad
 * one is logged, counted and dropped), requests carry errors as data, and the connection reconnects
 * forever with exponential backoff while `state` tells readiness what is going on.
 */
export class BusClient extends EventEmitter<BusClientEvents> {
  readonly subjects: Subjects;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #logger: Logger;
  readonly #requestTimeoutMs: number;
  readonly #maxQueued: number;
  #state: BusConnectionState = 'connected';
  #closed = false;
  readonly #callStream: CallStream;
  readonly #replicas: number;
  /** Request/reply under every peer. */
  readonly #commands: CommandTransport;
  readonly #peers = new Map<string, BusPeer<CommandNamespace>>();

  private constructor(nc: NatsConnection, options: BusClientOptions) {
    super();
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#logger = options.logger.child({ component: 'bus' });
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.#maxQueued = options.maxQueuedPerSubscription ?? 10_000;
    this.subjects = new Subjects(options.prefix);
    this.#replicas = options.streamReplicas ?? 1;
    this.#callStream = new CallStream({
      nc,
      js: this.#js,
      subjects: this.subjects,
      logger: this.#logger,
      replicas: this.#replicas,
      decode: (subject, schema, data) => this.#decode(subject, schema, data),
      invalid: (subject, message) => this.#invalid(subject, message),
      handlerError: (subject, error) => this.emit('handlererror', subject, error),
      closed: () => this.#closed,
    });
    this.#commands = new CommandTransport({
      nc,
      logger: this.#logger,
      requestTimeoutMs: this.#requestTimeoutMs,
      assertOpen: () => this.#assertOpen(),
      listen: (subject, options, mode, onMessage) => this.#listen(subject, options, mode, undefined, onMessage),
      decode: (subject, schema, data) => this.#decode(subject, schema, data),
      invalid: (subject, message) => this.#invalid(subject, message),
      handlerError: (subject, error) => this.emit('handlererror', subject, error),
    });
    void this.#watchStatus();
  }

  /**
   * Connects, retrying until the server answers (the caller's readiness stays false meanwhile) or
   * `signal` aborts.
   */
  static async connect(options: BusClientOptions, signal?: AbortSignal): Promise<BusClient> {
    const base = options.reconnectBaseDelayMs ?? 250;
    const max = options.reconnectMaxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS;
    let attempt = 0;
    const backoff = (): number => {
      const delay = Math.min(max, base * 2 ** Math.min(attempt, 16));
      attempt += 1;
      return delay / 2 + Math.random() * (delay / 2);
    };
    for (;;) {
      if (signal?.aborted) throw new BusClosedError('bus connect aborted', { cause: signal.reason });
      try {
        const nc = await connectNats({
          servers: options.servers.split(',').map((s) => s.trim()),
          name: options.name,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: base,
          reconnectDelayHandler: backoff,
          pingInterval: 10_000,
          maxPingOut: 3,
          timeout: 2000,
          ...natsSecurityOptions(options),
        });
        const client = new BusClient(nc, options);
        client.#onReconnected = () => {
          attempt = 0;
        };
        return client;
      } catch (err) {
        const delay = backoff();
        // Refused credentials are a configuration error the operator must see, unlike a server still starting.
        if (err instanceof natsErrors.AuthorizationError) options.logger.error({ err: err.message, retryInMs: Math.round(delay) }, 'NATS refused this service\'s credentials, retrying');
        else options.logger.warn({ err: (err as Error).message, retryInMs: Math.round(delay) }, 'NATS not reachable, retrying');
        await abortableDelay(delay, signal);
      }
    }
  }

  #onReconnected: () => void = () => {};

  get state(): BusConnectionState {
    return this.#state;
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** The commands one media node serves (`MediaCommands`). */
  media(nodeId: string): BusPeer<'media'> {
    return this.#peer('media', nodeId);
  }
  /** The pbx-adapter's call control (`PbxCommands`). */
  get pbx(): BusPeer<'pbx'> {
    return this.#peer('pbx');
  }
  /** The cti-gateway's verdicts (`CtiCommands`). */
  get cti(): BusPeer<'cti'> {
    return this.#peer('cti');
  }
  /** Line configuration and registration state (`LineCommands`). */
  get lines(): BusPeer<'lines'> {
    return this.#peer('lines');
  }

  #peer<N extends CommandNamespace>(namespace: N, nodeId?: string): BusPeer<N> {
    const key = nodeId === undefined ? namespace : `${namespace}/${nodeId}`;
    let peer = this.#peers.get(key);
    if (!peer) {
      // Bounded by the namespaces and the live media nodes; a node that is gone leaves one small entry.
      peer = new BusPeer<CommandNamespace>(this.#commands, (cmd) => {
        if (cmd.namespace !== namespace) throw new TypeError(`command '${cmd.verb}' belongs to '${cmd.namespace}', not '${namespace}'`);
        return this.subjects.command(cmd, nodeId);
      });
      this.#peers.set(key, peer);
    }
    return peer as BusPeer<N>;
  }

  /** The underlying connection, for the few places (tests, JetStream admin) that need it. */
  get connection(): NatsConnection {
    return this.#nc;
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.#setState('reconnecting');
          this.#logger.warn({ server: status.server }, 'NATS connection lost');
          break;
        case 'reconnect':
          this.#onReconnected();
          this.#setState('connected');
          this.#logger.info({ server: status.server }, 'NATS connection restored');
          break;
        case 'close':
          this.#setState('closed');
          break;
        case 'error':
          if (status.error instanceof natsErrors.PermissionViolationError) {
            this.#logger.error({ subject: status.error.subject, operation: status.error.operation }, 'NATS refused a subject to this service (bus access table)');
          } else {
            this.#logger.warn({ err: String(status.error) }, 'NATS error');
          }
          break;
        default:
          break;
      }
    }
    this.#setState('closed');
  }

  #setState(state: BusConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidStateError('bus client closed');
  }

  /** Fire-and-forget event. The payload is validated on the way out too: a bad one is our bug. */
  publish<T extends Topic>(t: T, payload: z.input<T['schema']>): void {
    this.#assertOpen();
    const { subject, data } = this.#encodeEvent(t, payload);
    this.#nc.publish(subject, data);
  }

  /** Every event of a topic (all keys, or the one in `options.key`). */
  subscribe<T extends Topic>(
    t: T,
    handler: (payload: PayloadOf<T>) => void | Promise<void>,
    options: SubscribeOptions & { key?: string } = {},
  ): Unsubscribe {
    this.#assertOpen();
    const schema = t.schema;
    return this.#listen(this.subjects.topicFilter(t, options.key), options, 'serial', t, (msg, run) => {
      const payload = this.#decode(msg.subject, schema, msg.data);
      if (payload === undefined) return;
      run(() => handler(payload.value as PayloadOf<T>));
    });
  }

  /**
   * A core NATS subscription (in `options.queue`, if given) that hands each message to `onMessage` with
   * the subscription's runner (`options.mode`, else `mode`); subscription errors are logged.
   */
  #listen(subject: string, options: SubscribeOptions, mode: 'serial' | 'parallel', topic: Topic | undefined, onMessage: (msg: Msg, run: Runner) => void): Unsubscribe {
    const run = this.#runner(options.mode ?? mode, subject, topic);
    const sub = this.#nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) {
          // A refused subscription is a deployment error (the NATS user lacks the subject): say so loudly.
          if (err instanceof natsErrors.PermissionViolationError) this.#logger.error({ subject }, 'NATS refused this subscription (bus access table)');
          else this.#logger.warn({ subject, err: err.message }, 'subscription error');
          return;
        }
        onMessage(msg, run);
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  /** Serial runner: a promise chain with a bounded backlog, so one slow handler cannot queue forever. */
  #runner(mode: 'serial' | 'parallel', subject: string, topic: Topic | undefined): Runner {
    const fail = (err: unknown): void => {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#logger.error({ subject, err: error }, 'bus handler failed');
      this.emit('handlererror', subject, error);
    };
    if (mode === 'parallel') {
      return (task) => {
        try {
          void Promise.resolve(task()).catch(fail);
        } catch (err) {
          fail(err);
        }
      };
    }
    let tail: Promise<void> = Promise.resolve();
    let queued = 0;
    return (task) => {
      if (queued >= this.#maxQueued) {
        this.#logger.error({ subject, queued }, 'handler backlog full, message dropped');
        this.emit('handlererror', subject, new Error('handler backlog full'));
        this.emit('dropped', subject, topic);
        return;
      }
      queued += 1;
      tail = tail.then(async () => {
        try {
          await task();
        } catch (err) {
          fail(err);
        } finally {
          queued -= 1;
        }
      });
    };
  }

  #decode<S extends z.ZodType>(subject: string, schema: S, data: Uint8Array): { value: z.output<S> } | undefined {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(data));
    } catch (err) {
      this.#invalid(subject, `not JSON: ${(err as Error).message}`);
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.#invalid(subject, summarize(parsed.error));
      return undefined;
    }
    return { value: parsed.data };
  }

  #invalid(subject: string, message: string): void {
    this.#logger.warn({ subject, problem: message }, 'invalid bus payload dropped');
    this.emit('invalidpayload', subject, message);
  }

  /** Creates or updates the CALLS JetStream stream (file storage, limits retention). */
  async ensureCallStream(options: StreamOptions = {}): Promise<void> {
    this.#assertOpen();
    await this.#callStream.ensure(options);
  }

  /**
   * Publishes into JetStream and waits for the stream's acknowledgement, retrying while the connection
   * is down (bounded by `deadlineMs`), so a call event is not lost to a short NATS outage.
   */
  async publishDurable<T extends Topic>(t: T, payload: z.input<T['schema']>, deadlineMs = 30_000): Promise<void> {
    this.#assertOpen();
    const { subject, data } = this.#encodeEvent(t, payload);
    await this.#callStream.publish(subject, data, deadlineMs);
  }

  /**
   * A durable pull consumer of the CALLS stream: each message is acknowledged after its handler
   * succeeds, redelivered after `retryDelayMs` when it fails, and terminated (logged) when it is invalid.
   * Survives reconnects.
   */
  async consume<T extends Topic>(options: ConsumeOptions, topics: readonly T[], handler: (payload: PayloadOf<T>) => Promise<void> | void): Promise<DurableConsumer> {
    this.#assertOpen();
    return this.#callStream.consume(options, topics, handler);
  }

  /** A key-value bucket of this prefix (created, or its limits updated), values checked against its schema. */
  async kv<S extends z.ZodType>(bucket: KvBucket<S>, options: KvOptions): Promise<KvStore<S>> {
    this.#assertOpen();
    return KvStore.open({
      nc: this.#nc,
      js: this.#js,
      subjects: this.subjects,
      logger: this.#logger,
      replicas: this.#replicas,
      decode: (subject, schema, data) => this.#decode(subject, schema, data),
      closed: () => this.#closed,
    }, bucket, options);
  }

  #encodeEvent(t: Topic, payload: unknown): { subject: string; data: Uint8Array } {
    const parsed = t.schema.safeParse(payload);
    if (!parsed.success) throw new BusPayloadError(`${this.subjects.prefix}.${t.name}`, `outgoing: ${summarize(parsed.error)}`);
    const subject = this.subjects.topic(t, parsed.data);
    return { subject, data: encodeJson(parsed.data) };
  }

  /** Waits until the server has processed everything sent so far (tests, shutdown). */
  async flush(): Promise<void> {
    this.#assertOpen();
    await this.#nc.flush();
  }

  /** Drains subscriptions and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#callStream.stopConsumers();
    try {
      await this.#nc.drain();
    } catch (err) {
      // drain fails when the connection is already down; close() below still releases it
      this.#logger.debug({ err: (err as Error).message }, 'drain failed, closing');
    }
    await this.#nc.close().catch(() => undefined);
    this.#setState('closed');
  }
}
