import { GatewayTopics, type BusClient, type GatewayInstance, type Logger } from '@ucserver/shared';

/**
 * Publishes this gateway run's heartbeat (GatewayTopics.heartbeat) at once and every `intervalMs`: the
 * pbx-adapter ends the calls of a run it has not heard for 3 intervals, or whose instance comes back with a
 * newer `startedAt`. Nothing is published while the bus is down (nats.js would only buffer stale ones).
 */
export class GatewayHeartbeat {
  readonly #bus: BusClient;
  readonly #instance: GatewayInstance;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { bus: BusClient; instance: GatewayInstance; intervalMs: number; logger: Logger }) {
    this.#bus = options.bus;
    this.#instance = options.instance;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger.child({ component: 'heartbeat' });
  }

  start(): void {
    if (this.#timer) return;
    this.publish();
    this.#timer = setInterval(() => this.publish(), this.#intervalMs);
  }

  publish(): void {
    if (!this.#bus.connected) return;
    try {
      this.#bus.publish(GatewayTopics.heartbeat, { ...this.#instance, at: Date.now(), intervalMs: this.#intervalMs });
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
