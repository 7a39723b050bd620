// Reading mediasoup stream stats into the figures a call's ledger keeps.
import type { Consumer, Producer } from 'mediasoup/types';

export interface StreamFigures {
  packets: number;
  bytes: number;
  lost: number;
  jitterMs: number;
  rttMs: number | undefined;
  /** The RTCP fraction lost (0..1) of the last report interval. */
  lossRatio: number | undefined;
}

/** The figures of a Producer's (inbound) or Consumer's (outbound) RTP stream. */
export async function streamFigures(item: Producer | Consumer): Promise<StreamFigures | undefined> {
  const stats = (await item.getStats()) as Array<{ type: string; packetCount: number; byteCount: number; packetsLost: number; fractionLost: number; jitter: number; roundTripTime?: number }>;
  const wanted = 'producerId' in item ? 'outbound-rtp' : 'inbound-rtp';
  const s = stats.find((x) => x.type === wanted) ?? stats[0];
  if (!s) return undefined;
  // mediasoup reports jitter in RTP timestamp units (RFC 3550 §6.4.1).
  const clockRate = clockRateOf(item);
  return {
    packets: s.packetCount,
    bytes: s.byteCount,
    lost: Math.max(0, s.packetsLost),
    jitterMs: (s.jitter / clockRate) * 1000,
    rttMs: s.roundTripTime && s.roundTripTime > 0 ? s.roundTripTime : undefined,
    lossRatio: Number.isFinite(s.fractionLost) ? s.fractionLost / 256 : undefined,
  };
}

/** Each stream's clock rate, read once: mediasoup's `rtpParameters` getter deep-copies them on every read. */
const clockRates = new WeakMap<Producer | Consumer, number>();

function clockRateOf(item: Producer | Consumer): number {
  let rate = clockRates.get(item);
  if (rate === undefined) {
    rate = item.rtpParameters.codecs[0]?.clockRate ?? 8000;
    clockRates.set(item, rate);
  }
  return rate;
}

/** `promise`, or a rejection after `ms` (the pending work is not cancelled). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}
