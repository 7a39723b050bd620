import type { Consumer, Producer } from 'mediasoup/types';

export interface ConsumerFeedOptions {
  /** Creates the Consumer of `source` on the leg's transport (the one it has at that moment). */
  consume(source: Producer, paused: boolean): Promise<Consumer>;
  /** Asked once the Consumer exists: false discards it (the leg closed, or stopped sending, meanwhile). */
  wanted(): boolean;
}

export interface ConsumerFeedEvents {
  /** The Consumer closed on its own: its source Producer or its transport went away. */
  '@close': [];
}
