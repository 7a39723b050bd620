import type { z } from 'zod';
import type { Logger } from 'pino';
import type { BusClient } from './BusClient.ts';
import type { Topic } from './contract.ts';

export interface HeartbeatPublisherOptions<T extends Topic> {
  bus: BusClient;
  /** The heartbeat topic (MediaTopics.heartbeat, GatewayTopics.heartbeat). */
  topic: T;
  /** The payload of one heartbeat, built when it is sent (it carries the time and the current state). */
  payload: () => z.input<T['schema']>;
  intervalMs: number;
  logger: Logger;
}

/**
 * Publishes a service's heartbeat at once and every `intervalMs` (the media node's, the gateway run's): the
 * others judge a party by it. Nothing is published while the bus is down (nats.js would only buffer stale
 * heartbeats and deliver them after the reconnect as if they were fresh).
 */
export class HeartbeatPublisher<T extends Topic> {
  readonly #options: HeartbeatPublisherOptions<T>;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatPublisherOptions<T>) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'heartbeat' });
  }

  /** Publishes one now and then every interval. Idempotent. */
  start(): void {
    if (this.#timer) return;
    this.publish();
    this.#timer = setInterval(() => this.publish(), this.#options.intervalMs);
  }

  /** Publishes one heartbeat now (e.g. when draining starts). */
  publish(): void {
    const { bus, topic, payload } = this.#options;
    if (!bus.connected) return;
    try {
      bus.publish(topic, payload());
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'heartbeat not published');
    }
  }

  /** Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
