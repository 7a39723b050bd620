import { performance } from 'node:perf_hooks';
import type { PlainTransport, Producer } from 'mediasoup/types';
import type { Logger } from '@ucserver/shared';
import type { SsrcWatchdogLeg, SsrcWatchdogOptions, SsrcWatchdogTarget } from './SsrcWatchdogTypes.ts';

/** One reading of the transport's receive counters. */
interface FlowSample {
  transport: PlainTransport;
  producer: Producer;
  at: number;
  bytes: number;
  rtpBytes: number;
  /** Start of the run of sample intervals in which bytes arrived but none reached the Producer. */
  starvingSince: number | undefined;
}

const defaults: SsrcWatchdogOptions = { intervalMs: 200, starveMs: 500, idleMaxMs: 2000 };
const maxStarveFactor = 64;

/**
 * Watches a PBX leg for packets that arrive but reach no Producer (the PBX changed its SSRC without any
 * SDP) and has the leg relearn its SSRC (see SsrcWatchdogOptions). The companion of SsrcLearner: the
 * learner reads an SSRC, the watchdog notices when the one read went stale. Readings run one at a time,
 * from construction until close().
 */
export class SsrcWatchdog {
  readonly #leg: SsrcWatchdogLeg;
  readonly #options: SsrcWatchdogOptions;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #flow: FlowSample | undefined;
  /** Multiplies `starveMs` after relearns that did not bring audio back (e.g. SRTP that fails to decrypt). */
  #starveFactor = 1;
  /** Until the next reading: `intervalMs`, or longer while the leg is idle (see idleMaxMs). */
  #delayMs: number;
  #closed = false;

  constructor(leg: SsrcWatchdogLeg, options: Partial<SsrcWatchdogOptions>, logger: Logger) {
    this.#leg = leg;
    this.#options = { ...defaults, ...options };
    this.#delayMs = this.#options.intervalMs;
    this.#logger = logger;
    this.#schedule();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Stops reading. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flow = undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#check().catch((err: unknown) => {
        this.#flow = undefined;
        if (!this.#closed) this.#logger.debug({ err: (err as Error).message }, 'SSRC watchdog could not read the transport stats');
      }).finally(() => this.#schedule());
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** One reading; relearns the SSRC when packets arrive but none has reached the Producer for starveMs. */
  async #check(): Promise<void> {
    const target = this.#leg.target();
    this.#delayMs = this.#options.intervalMs;
    if (!target) {
      this.#flow = undefined;
      return;
    }
    const { transport, producer } = target;
    const [stats] = await transport.getStats();
    // What the leg watches may have changed while the worker answered: that reading describes nothing.
    if (!stats || this.#closed || !sameTarget(this.#leg.target(), target)) {
      this.#flow = undefined;
      return;
    }
    const at = performance.now();
    const previous = this.#flow;
    const sample: FlowSample = { transport, producer, at, bytes: stats.bytesReceived, rtpBytes: stats.rtpBytesReceived, starvingSince: undefined };
    this.#flow = sample;
    if (!previous || previous.transport !== transport || previous.producer !== producer) return;
    if (sample.rtpBytes > previous.rtpBytes) {
      // The Producer gets audio.
      this.#starveFactor = 1;
      return;
    }
    // Nothing arrived (hold, silence suppression) or only now and then (RTCP): not starving. Read less often.
    if (sample.bytes === previous.bytes) {
      this.#delayMs = Math.max(this.#options.intervalMs, Math.min(this.#options.idleMaxMs, 2 * (at - previous.at)));
      return;
    }
    // Starving since the previous reading, but no longer ago than one interval: after an idle back-off the
    // previous reading may be seconds old, and one packet (RTCP) since must not count as seconds of starvation.
    sample.starvingSince = previous.starvingSince ?? Math.max(previous.at, at - this.#options.intervalMs);
    const starvedMs = at - sample.starvingSince;
    if (starvedMs < this.#options.starveMs * this.#starveFactor) return;
    this.#logger.info({ ssrc: target.ssrc, starvedMs: Math.round(starvedMs), bytes: sample.bytes - previous.bytes }, 'PBX packets arrive but none reaches the Producer; relearning the PBX SSRC');
    this.#starveFactor = Math.min(maxStarveFactor, this.#starveFactor * 2);
    this.#flow = undefined;
    await this.#leg.relearn();
  }
}

function sameTarget(a: SsrcWatchdogTarget | undefined, b: SsrcWatchdogTarget): boolean {
  return a !== undefined && a.transport === b.transport && a.producer === b.producer;
}
