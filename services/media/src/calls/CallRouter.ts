import type { Router } from 'mediasoup/types';
import type { RouterLease } from '../workers/RouterShareTypes.ts';
import type { CallRouterOptions } from './CallRouterTypes.ts';

/**
 * A call's hold on the router its legs live on: a router of its worker that it may share with other
 * calls (see RouterShare), taken on first use with the payload types of the call's first SDP. The call
 * closes only its own transports; release() hands the router back (the last call out closes it).
 */
export class CallRouter {
  readonly #options: CallRouterOptions;
  #lease: RouterLease | undefined;
  #pending: Promise<Router> | undefined;
  #released = false;

  constructor(options: CallRouterOptions) {
    this.#options = options;
  }

  /** The router, once taken. */
  get router(): Router | undefined {
    return this.#lease?.router;
  }

  /** The router, taken now if the call has none yet. */
  ensure(payloadTypes: ReadonlyMap<string, number>): Promise<Router> {
    if (this.#lease) return Promise.resolve(this.#lease.router);
    this.#pending ??= this.#options.worker.routers.acquire(payloadTypes, this.#options.prefer).then((lease) => {
      this.#lease = lease;
      lease.onWorkerClose(this.#options.onWorkerClose);
      // The call closed while its router was being taken: hand it back (its legs never got created).
      if (this.#released) lease.release();
      return lease.router;
    });
    return this.#pending;
  }

  /** The call closed (its legs are closed): gives the router back, now or when it arrives. Idempotent. */
  release(): void {
    this.#released = true;
    this.#lease?.release();
  }
}
