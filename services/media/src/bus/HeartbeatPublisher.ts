import { MediaTopics, type BusClient, type Logger } from '@ucserver/shared';
import type { MediaNode } from '../node/MediaNode.ts';

/** Publishes the node's heartbeat every `intervalMs` on `media.heartbeat` (and at once on demand). */
export class HeartbeatPublisher {
  readonly #bus: BusClient;
  readonly #node: MediaNode;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { bus: BusClient; node: MediaNode; intervalMs: number; logger: Logger }) {
    this.#bus = options.bus;
    this.#node = options.node;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.logger.child({ component: 'heartbeat' });
  }

  start(): void {
    if (this.#timer) return;
    this.publish();
    this.#timer = setInterval(() => this.publish(), this.#intervalMs);
  }

  /** Publishes one heartbeat now (e.g. when draining starts). */
  publish(): void {
    if (!this.#bus.connected) return;
    try {
      this.#bus.publish(MediaTopics.heartbeat, this.#node.heartbeat(this.#intervalMs));
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'heartbeat not published');
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
