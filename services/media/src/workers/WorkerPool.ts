import { EventEmitter } from 'node:events';
import { InvalidStateError } from '@ucserver/shared';
import { NoWorkerError } from '../errors.ts';
import { MediaWorker } from './MediaWorker.ts';
import type { WorkerPoolEvents, WorkerPoolOptions } from './WorkerPoolTypes.ts';

/**
 * The node's mediasoup workers. A worker that dies is replaced at the same index (same WebRtcServer
 * port, same port slice); the routers it carried are gone, which their calls learn from `workerclose`.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Array<MediaWorker | undefined>;
  readonly #timers = new Set<NodeJS.Timeout>();
  #started = false;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    super();
    if (!Number.isInteger(options.size) || options.size < 1) throw new TypeError(`invalid worker pool size ${options.size}`);
    const span = options.rtcMaxPort - options.rtcMinPort + 1;
    if (span < options.size * 2) {
      throw new TypeError(`port range ${options.rtcMinPort}-${options.rtcMaxPort} is too small for ${options.size} workers (2 ports each at least)`);
    }
    this.#options = options;
    this.#slots = new Array<MediaWorker | undefined>(options.size).fill(undefined);
  }

  /** Creates every worker; fails (closing those created) if any cannot start. */
  async start(): Promise<void> {
    if (this.#closed) throw new InvalidStateError('worker pool closed');
    if (this.#started) return;
    this.#started = true;
    try {
      await Promise.all(this.#slots.map(async (_, index) => this.#install(await MediaWorker.create(this.#workerOptions(index)))));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Workers currently alive, by index. */
  get workers(): MediaWorker[] {
    return this.#slots.filter((w): w is MediaWorker => w !== undefined && !w.closed);
  }

  get size(): number {
    return this.#slots.length;
  }

  /**
   * The least-loaded live worker (fewest calls, then lowest CPU).
   * @throws NoWorkerError when none is alive.
   */
  pick(): MediaWorker {
    let best: MediaWorker | undefined;
    for (const w of this.workers) {
      if (!best || w.callCount < best.callCount || (w.callCount === best.callCount && w.cpu < best.cpu)) best = w;
    }
    if (!best) throw new NoWorkerError(`no live mediasoup worker [pool size:${this.size}]`);
    return best;
  }

  /** 0..1: the busiest worker's load (1 when none is alive). */
  get load(): number {
    const alive = this.workers;
    return alive.length === 0 ? 1 : Math.max(...alive.map((w) => w.load));
  }

  async sampleCpu(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.sampleCpu().catch((err: unknown) => {
      this.#options.logger.debug({ worker: w.index, err: (err as Error).message }, 'worker CPU sample failed');
      return 0;
    })));
  }

  /** Closes every worker and stops replacing them. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const w of this.#slots) w?.close();
    this.#slots.fill(undefined);
  }

  #workerOptions(index: number) {
    const o = this.#options;
    const slice = Math.floor((o.rtcMaxPort - o.rtcMinPort + 1) / this.#slots.length);
    const min = o.rtcMinPort + index * slice;
    return {
      index,
      logLevel: o.logLevel,
      listenIp: o.listenIp,
      announcedAddress: o.announcedAddress,
      webRtcPort: o.webRtcPort > 0 ? o.webRtcPort + index : 0,
      ...(o.webRtcSocketBufferBytes ? { webRtcSocketBufferBytes: o.webRtcSocketBufferBytes } : {}),
      portRange: { min, max: min + slice - 1 },
      ...(o.capacity !== undefined ? { capacity: o.capacity } : {}),
    };
  }

  #install(worker: MediaWorker): void {
    if (this.#closed) {
      worker.close();
      return;
    }
    this.#slots[worker.index] = worker;
    worker.once('died', (error) => {
      this.#options.logger.error({ worker: worker.index, pid: worker.pid, err: error.message }, 'mediasoup worker died');
      if (this.#slots[worker.index] === worker) this.#slots[worker.index] = undefined;
      this.emit('workerdied', worker, error);
      this.#replace(worker.index, this.#options.replaceDelayMs ?? 100);
    });
  }

  #replace(index: number, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      MediaWorker.create(this.#workerOptions(index)).then(
        (worker) => {
          if (this.#closed) {
            worker.close();
            return;
          }
          this.#install(worker);
          this.#options.logger.info({ worker: index, pid: worker.pid }, 'mediasoup worker replaced');
          this.emit('workerreplaced', worker);
        },
        (err: unknown) => {
          this.#options.logger.error({ worker: index, err: (err as Error).message, retryInMs: Math.min(delayMs * 2, 5000) }, 'cannot replace mediasoup worker, retrying');
          this.#replace(index, Math.min(delayMs * 2, 5000));
        },
      );
    }, delayMs);
    this.#timers.add(timer);
  }
}
