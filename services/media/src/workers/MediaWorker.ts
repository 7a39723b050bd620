import { EventEmitter } from 'node:events';
import { createWorker } from 'mediasoup';
import type { Router, RouterRtpCodecCapability, WebRtcServer, Worker } from 'mediasoup/types';
import { AllocationError } from '../errors.ts';
import { routerMediaCodecs } from '../sdp/codecs.ts';
import type { MediaWorkerEvents, MediaWorkerOptions } from './MediaWorkerTypes.ts';
import { PortSlice } from './PortSlice.ts';
import { RouterShare } from './RouterShare.ts';

/**
 * One mediasoup worker subprocess with its WebRtcServer (every softphone transport of the worker shares
 * its UDP/TCP port) and its slice of the PlainTransport port range.
 */
export class MediaWorker extends EventEmitter<MediaWorkerEvents> {
  readonly index: number;
  readonly worker: Worker;
  readonly webRtcServer: WebRtcServer;
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly portRange: { min: number; max: number };
  /** The PBX transports' ports, booked on this side (see PortSlice). */
  readonly ports: PortSlice;
  readonly #capacity: number;
  readonly #routers = new Set<Router>();
  /** The routers the worker's calls share (see RouterShare). */
  readonly routers = new RouterShare({ createRouter: (mediaCodecs) => this.#createRouter(mediaCodecs, {}) });
  #cpu = 0;
  #lastUsage: { cpuMs: number; at: number } | undefined;
  #closed = false;

  private constructor(worker: Worker, webRtcServer: WebRtcServer, options: MediaWorkerOptions) {
    super();
    this.index = options.index;
    this.worker = worker;
    this.webRtcServer = webRtcServer;
    this.listenIp = options.listenIp;
    this.announcedAddress = options.announcedAddress ?? options.listenIp;
    this.portRange = options.portRange;
    this.ports = new PortSlice(options.portRange);
    this.#capacity = options.capacity ?? 500;
    worker.on('died', (error) => {
      if (this.#closed) return;
      this.#closed = true;
      this.emit('died', error);
      this.emit('@close');
    });
  }

  /** Spawns the worker and its WebRtcServer. */
  static async create(options: MediaWorkerOptions): Promise<MediaWorker> {
    // No 'rtp'/'rtcp' tags: their warnings fire per packet (e.g. a PBX sending while Direct Media is on).
    const worker = await createWorker({ logLevel: options.logLevel, logTags: ['info', 'ice', 'dtls', 'srtp'] });
    try {
      const listen = (protocol: 'udp' | 'tcp') => ({
        protocol,
        ip: options.listenIp,
        ...(options.announcedAddress ? { announcedAddress: options.announcedAddress } : {}),
        ...(options.webRtcPort > 0 ? { port: options.webRtcPort } : {}),
        // One socket takes every softphone's packets: the default buffer (~200 KiB, a few hundred
        // packets) overflows during a few milliseconds' stall of the worker at several hundred calls.
        ...(protocol === 'udp' && options.webRtcSocketBufferBytes ? { recvBufferSize: options.webRtcSocketBufferBytes, sendBufferSize: options.webRtcSocketBufferBytes } : {}),
      });
      const webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
      return new MediaWorker(worker, webRtcServer, options);
    } catch (err) {
      worker.close();
      throw new AllocationError(`cannot create the WebRtcServer of worker ${options.index} on ${options.listenIp}:${options.webRtcPort}`, { cause: err });
    }
  }

  get pid(): number {
    return this.worker.pid;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get routerCount(): number {
    return this.#routers.size;
  }

  /** CPU share of one core over the last sample, 0..1. */
  get cpu(): number {
    return this.#cpu;
  }

  /** Calls on the worker (each holds one of its shared routers). */
  get callCount(): number {
    return this.routers.leaseCount;
  }

  /** 0..1: the larger of CPU share and calls per capacity. */
  get load(): number {
    return Math.max(this.#cpu, this.callCount / this.#capacity);
  }

  /**
   * A router of its own (calls take theirs from `routers`), with every supported codec, numbered with
   * `payloadTypes` where given (see routerMediaCodecs()).
   */
  createRouter(appData: Record<string, unknown> = {}, payloadTypes?: ReadonlyMap<string, number>): Promise<Router> {
    return this.#createRouter(routerMediaCodecs(payloadTypes), appData);
  }

  async #createRouter(mediaCodecs: RouterRtpCodecCapability[], appData: Record<string, unknown>): Promise<Router> {
    let router: Router;
    try {
      router = await this.worker.createRouter({ mediaCodecs, appData });
    } catch (err) {
      throw new AllocationError(`cannot create a router on worker ${this.index}`, { cause: err });
    }
    this.#routers.add(router);
    router.observer.once('close', () => this.#routers.delete(router));
    return router;
  }

  /** Updates `cpu` from the worker's rusage (user + system time since the previous sample). */
  async sampleCpu(): Promise<number> {
    if (this.#closed) return 0;
    const usage = await this.worker.getResourceUsage();
    const cpuMs = usage.ru_utime + usage.ru_stime;
    const at = performance.now();
    if (this.#lastUsage && at > this.#lastUsage.at) {
      this.#cpu = Math.min(1, Math.max(0, (cpuMs - this.#lastUsage.cpuMs) / (at - this.#lastUsage.at)));
    }
    this.#lastUsage = { cpuMs, at };
    return this.#cpu;
  }

  /** Closes the worker (and so every router on it). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.worker.close();
    this.emit('@close');
  }
}
