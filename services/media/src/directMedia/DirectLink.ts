import { EventEmitter } from 'node:events';
import type { Consumer, Producer } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import { AllocationError } from '../errors.ts';
import type { DirectLinkEvents, DirectMediaParty } from './DirectMediaTypes.ts';

interface Pipe {
  source: Producer;
  pipeProducer: Producer;
  pipeConsumer: Consumer | undefined;
}

/**
 * Two calls whose PBX legs point at each other: each softphone hears the other's microphone inside
 * mediasoup, and neither PBX leg sends a packet. Calls on one router (the usual case: see RouterShare
 * and MediaNode's placement) consume each other's Producers directly; only calls on different routers
 * (different workers, or payload types that disagree) need the Producer piped into the listener's
 * router with pipeToRouter. Closing the link tears the pipes down; both calls then go back to their
 * PBX legs.
 */
export class DirectLink extends EventEmitter<DirectLinkEvents> {
  readonly a: DirectMediaParty;
  readonly b: DirectMediaParty;
  readonly #logger: Logger;
  readonly #pipeIp: string;
  /** By listening call and kind: the pipe that brings the other call's microphone (camera) into its router. */
  readonly #pipes = new Map<string, Promise<Pipe | undefined>>();
  #closed = false;

  constructor(a: DirectMediaParty, b: DirectMediaParty, logger: Logger, pipeIp: string) {
    super();
    this.a = a;
    this.b = b;
    this.#logger = logger.child({ link: `${a.id}<->${b.id}` });
    this.#pipeIp = pipeIp;
  }

  get closed(): boolean {
    return this.#closed;
  }

  peerOf(call: DirectMediaParty): DirectMediaParty {
    return call === this.a ? this.b : this.a;
  }

  /**
   * The Producer `listener`'s softphone should hear (`kind` audio) or see (video): the peer's microphone
   * or camera, in `listener`'s router. Undefined while the peer has no such Producer.
   */
  async sourceFor(listener: DirectMediaParty, kind: 'audio' | 'video' = 'audio'): Promise<Producer | undefined> {
    if (this.#closed) return undefined;
    const speaker = this.peerOf(listener);
    const wanted = kind === 'audio' ? speaker.softphoneProducer : speaker.softphoneVideoProducer;
    if (!wanted || wanted.closed || !listener.router || !speaker.router) return undefined;
    if (speaker.router === listener.router) return wanted;
    const key = `${listener.id}/${kind}`;
    const existing = await this.#pipes.get(key);
    if (existing && existing.source === wanted && !existing.pipeProducer.closed) return existing.pipeProducer;
    if (existing) closePipe(existing);
    const promise = this.#pipe(speaker, listener, wanted, key);
    this.#pipes.set(key, promise);
    return (await promise)?.pipeProducer;
  }

  async #pipe(speaker: DirectMediaParty, listener: DirectMediaParty, source: Producer, key: string): Promise<Pipe | undefined> {
    try {
      const result = await speaker.router!.pipeToRouter({
        producerId: source.id,
        router: listener.router!,
        // Fresh ids: with keepId the pipe Producer reuses the source's id, which collides when both
        // routers live on the same worker.
        keepId: false,
        listenInfo: { protocol: 'udp', ip: this.#pipeIp },
      });
      if (!result.pipeProducer) throw new Error('pipeToRouter returned no pipe producer');
      const pipe = { source, pipeProducer: result.pipeProducer, pipeConsumer: result.pipeConsumer };
      if (this.#closed) {
        closePipe(pipe);
        return undefined;
      }
      this.#logger.debug({ from: speaker.id, to: listener.id, kind: source.kind }, 'softphone stream piped for Direct Media');
      return pipe;
    } catch (err) {
      this.#pipes.delete(key);
      throw new AllocationError(`cannot pipe call ${speaker.id}'s ${source.kind === 'video' ? 'camera' : 'microphone'} to call ${listener.id}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Tears down both pipes. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const promise of this.#pipes.values()) {
      // A failed pipe already rejected its caller; there is nothing left to tear down for it.
      promise.then((pipe) => pipe && closePipe(pipe), () => undefined);
    }
    this.#pipes.clear();
    this.emit('@close');
  }
}

function closePipe(pipe: Pipe): void {
  pipe.pipeProducer.close();
  pipe.pipeConsumer?.close();
}
