import type { Router, RouterRtpCodecCapability } from 'mediasoup/types';
import { payloadTypeKey, routerMediaCodecs } from '../sdp/codecs.ts';
import type { RouterLease, RouterShareOptions } from './RouterShareTypes.ts';

interface Shared {
  /** The router's payload type of each codec, by payloadTypeKey(). */
  readonly numbering: ReadonlyMap<string, number>;
  readonly router: Promise<Router>;
  users: number;
  readonly onWorkerClose: Set<() => void>;
}

/**
 * The routers of one worker, shared by calls. A mediasoup Consumer sends with its router's payload
 * types, so a call needs a router that numbers the codecs its first SDP named as that SDP did (the rest
 * it numbers itself in the SDPs it writes, from the router). Calls whose numbering agrees share one
 * router: two calls linked by Direct Media then consume each other's Producers directly, with no
 * PipeTransport between two routers. The first SDP of the second call of such a pair is the first
 * call's own PBX offer, numbered by the first call's router, so the pair always agrees.
 *
 * A router lives while a call holds it: the last release closes it (and with it any pipe transports
 * other routers opened toward it).
 */
export class RouterShare {
  readonly #options: RouterShareOptions;
  readonly #shared = new Set<Shared>();
  readonly #byRouter = new Map<Router, Shared>();

  constructor(options: RouterShareOptions) {
    this.#options = options;
  }

  /** Routers on the worker (created or being created). */
  get routerCount(): number {
    return this.#shared.size;
  }

  /** Calls holding a router of this worker. */
  get leaseCount(): number {
    let n = 0;
    for (const s of this.#shared) n += s.users;
    return n;
  }

  /**
   * A router whose numbering honours `payloadTypes` (the payload types of the call's first SDP, by
   * payloadTypeKey()): `prefer` when it does (the router of the call this one will likely be linked
   * with), else any router of the worker that does, else a new one numbered as routerMediaCodecs() says.
   * @throws what the worker's createRouter throws
   */
  async acquire(payloadTypes: ReadonlyMap<string, number>, prefer?: Router): Promise<RouterLease> {
    const codecs = routerMediaCodecs(payloadTypes);
    const wishes = honoured(payloadTypes, numberingOf(codecs));
    const preferred = prefer && this.#byRouter.get(prefer);
    let shared = preferred && agrees(preferred.numbering, wishes) ? preferred : [...this.#shared].find((s) => agrees(s.numbering, wishes));
    if (!shared) shared = this.#create(codecs);
    shared.users += 1;
    let router: Router;
    try {
      router = await shared.router;
    } catch (err) {
      shared.users -= 1;
      throw err;
    }
    return this.#lease(shared, router);
  }

  #create(codecs: RouterRtpCodecCapability[]): Shared {
    const shared: Shared = { numbering: numberingOf(codecs), router: this.#options.createRouter(codecs), users: 0, onWorkerClose: new Set() };
    this.#shared.add(shared);
    shared.router.then(
      (router) => {
        this.#byRouter.set(router, shared);
        router.observer.once('close', () => this.#forget(shared, router));
        // One listener per router, fanned out to its calls (a router may carry hundreds).
        router.once('workerclose', () => {
          for (const listener of [...shared.onWorkerClose]) listener();
          shared.onWorkerClose.clear();
        });
      },
      () => this.#shared.delete(shared),
    );
    return shared;
  }

  #lease(shared: Shared, router: Router): RouterLease {
    let released = false;
    let listener: (() => void) | undefined;
    return {
      router,
      onWorkerClose: (fn) => {
        if (released) return;
        // The worker died while the router was being handed out: tell the call at once.
        if (router.closed) {
          queueMicrotask(fn);
          return;
        }
        if (listener) shared.onWorkerClose.delete(listener);
        listener = fn;
        shared.onWorkerClose.add(fn);
      },
      release: () => {
        if (released) return;
        released = true;
        if (listener) shared.onWorkerClose.delete(listener);
        shared.users -= 1;
        if (shared.users === 0 && !router.closed) router.close();
      },
    };
  }

  #forget(shared: Shared, router: Router): void {
    this.#shared.delete(shared);
    if (this.#byRouter.get(router) === shared) this.#byRouter.delete(router);
  }
}

/** The payload type of each codec of a router's codec list, by payloadTypeKey(). */
function numberingOf(codecs: readonly RouterRtpCodecCapability[]): Map<string, number> {
  return new Map(codecs.map((c) => [payloadTypeKey(c.mimeType, c.clockRate), c.preferredPayloadType!]));
}

/**
 * The entries of `payloadTypes` a router of the call's own would have taken (routerMediaCodecs skips
 * codecs it does not carry and payload types already taken): what a shared router must honour.
 */
function honoured(payloadTypes: ReadonlyMap<string, number>, own: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...payloadTypes].filter(([key, pt]) => own.get(key) === pt));
}

/**
 * A router numbering `numbering` serves a call that needs `wishes`: every wish is the router's number for
 * that codec (so no other codec of the router has a wished number either, a router's numbers being unique).
 */
function agrees(numbering: ReadonlyMap<string, number>, wishes: ReadonlyMap<string, number>): boolean {
  for (const [key, pt] of wishes) if (numbering.get(key) !== pt) return false;
  return true;
}
