import type { Producer, ProducerTraceEventData } from 'mediasoup/types';
import { acquireTrace } from './producerTrace.ts';

/** Distinct RTP timestamps counted in one window at most (a 240 fps stream fills a 1 s window to 240). */
const MAX_FRAMES = 1000;

/**
 * The frame rate of a video Producer, measured by tracing its RTP for a short window (mediasoup forwards
 * video without decoding it and its stats have no frame count): frames = distinct RTP timestamps (every packet
 * of a frame carries the frame's timestamp; retransmissions are left out). Tracing every packet costs a
 * channel message per packet, so a probe runs for `windowMs` and stops; the caller decides how often.
 */
export class FrameRateProbe {
  /** Frames per second of `producer` over the next `windowMs`; undefined when the producer closed meanwhile. */
  static async measure(producer: Producer, windowMs: number): Promise<number | undefined> {
    const stamps = new Set<number>();
    const listener = (trace: ProducerTraceEventData): void => {
      if (trace.type !== 'rtp' || stamps.size >= MAX_FRAMES) return;
      const info = trace.info as { rtpPacket?: { timestamp?: number }; isRtx?: boolean } | undefined;
      if (info?.isRtx || info?.rtpPacket?.timestamp === undefined) return;
      stamps.add(info.rtpPacket.timestamp);
    };
    producer.on('trace', listener);
    let release: (() => Promise<void>) | undefined;
    try {
      release = await acquireTrace(producer, ['rtp']);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          producer.observer.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, windowMs);
        producer.observer.once('close', done);
      });
    } catch {
      return undefined;
    } finally {
      producer.off('trace', listener);
      await release?.();
    }
    return producer.closed ? undefined : Math.round((stamps.size * 1000 / windowMs) * 10) / 10;
  }
}
