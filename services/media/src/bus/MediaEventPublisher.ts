import { CallTopics, type BusClient, type MediaCallEvent, type Logger, type MediaPath, type MediaQuality } from '@ucserver/shared';

/**
 * Publishes the node's MediaCallEvents durably (JetStream, `calls.media.<callId>`), one call's events
 * strictly in order. A publish that fails after the bus client's retries is logged and counted.
 */
export class MediaEventPublisher {
  readonly #bus: BusClient;
  readonly #nodeId: string;
  readonly #logger: Logger;
  readonly #onFailure: () => void;
  /** The tail of each call's publish chain; removed when it drains. */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(options: { bus: BusClient; nodeId: string; logger: Logger; onFailure?: () => void }) {
    this.#bus = options.bus;
    this.#nodeId = options.nodeId;
    this.#logger = options.logger.child({ component: 'media-events' });
    this.#onFailure = options.onFailure ?? (() => {});
  }

  path(callId: string, path: MediaPath): Promise<void> {
    return this.#publish({ type: 'path', callId, nodeId: this.#nodeId, path, at: Date.now() });
  }

  failed(callId: string, cause: string): Promise<void> {
    return this.#publish({ type: 'failed', callId, nodeId: this.#nodeId, cause: cause.slice(0, 256), at: Date.now() });
  }

  closed(callId: string, quality: MediaQuality, video = false): Promise<void> {
    return this.#publish({ type: 'closed', callId, nodeId: this.#nodeId, quality, video, at: Date.now() });
  }

  /** Resolves when every event queued so far was published (or given up). */
  async flush(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }

  #publish(event: MediaCallEvent): Promise<void> {
    const previous = this.#chains.get(event.callId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        await this.#bus.publishDurable(CallTopics.media, event);
      } catch (err) {
        this.#onFailure();
        this.#logger.error({ callId: event.callId, type: event.type, err: (err as Error).message }, 'media call event lost');
      }
    });
    this.#chains.set(event.callId, next);
    void next.then(() => {
      if (this.#chains.get(event.callId) === next) this.#chains.delete(event.callId);
    });
    return next;
  }
}
