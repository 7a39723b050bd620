import { EventEmitter } from 'node:events';
import type { Consumer, Producer } from 'mediasoup/types';
import type { ConsumerFeedEvents, ConsumerFeedOptions } from './ConsumerFeedTypes.ts';

/**
 * What a leg sends out: one Consumer of a source Producer that the call may change (the PBX leg's
 * uplink, the softphone leg's downlink). A Consumer belongs to one Producer, so a new source replaces
 * it; the same source is paused or resumed in place.
 */
export class ConsumerFeed extends EventEmitter<ConsumerFeedEvents> {
  readonly #options: ConsumerFeedOptions;
  #current: { consumer: Consumer; source: Producer } | undefined;

  constructor(options: ConsumerFeedOptions) {
    super();
    this.#options = options;
  }

  get consumer(): Consumer | undefined {
    return this.#current?.consumer;
  }

  /** Sends `source` (paused or not); `undefined` sends nothing. */
  async set(source: Producer | undefined, paused: boolean): Promise<void> {
    const current = this.#current;
    if (current && (current.source !== source || current.consumer.closed || source?.closed)) this.clear();
    if (!source || source.closed) return;
    if (this.#current) {
      const { consumer } = this.#current;
      if (paused && !consumer.paused) await consumer.pause();
      else if (!paused && consumer.paused) await consumer.resume();
      return;
    }
    const consumer = await this.#options.consume(source, paused);
    if (!this.#options.wanted() || source.closed) {
      consumer.close();
      return;
    }
    this.#current = { consumer, source };
    const onGone = (): void => {
      if (this.#current?.consumer !== consumer) return;
      this.#current = undefined;
      this.emit('@close');
    };
    consumer.on('producerclose', onGone);
    consumer.on('transportclose', onGone);
  }

  /** Closes the Consumer: nothing is sent until the next set(). */
  clear(): void {
    const current = this.#current;
    this.#current = undefined;
    current?.consumer.close();
  }

  /** Drops the Consumer without closing it, for a transport that closes it (and announces nothing). */
  forget(): void {
    this.#current = undefined;
  }
}
