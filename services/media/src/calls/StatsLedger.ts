import type { MediaQuality } from '@ucserver/shared';

export type LegKind = 'softphone' | 'pbx';
export type StreamDirection = 'in' | 'out';

/** The latest cumulative counters of one RTP stream (a Producer's or a Consumer's). */
export interface StreamSample {
  key: string;
  leg: LegKind;
  direction: StreamDirection;
  packets: number;
  bytes: number;
  /** Packets lost: seen missing by us (in), or reported by the receiver (out). */
  lost: number;
  jitterMs: number;
  rttMs: number | undefined;
}

/** The latest cumulative byte counters of one transport (UDP/TCP payload, RTCP and ICE/DTLS included). */
export interface TransportSample {
  key: string;
  leg: LegKind;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Cumulative media counters of one call across the Producers, Consumers and transports it had: an
 * object that is replaced (Direct Media switch, re-INVITE) keeps its last figures, so the summary at
 * the end covers the whole call, and each sample yields the increments for the node's counters.
 */
export class StatsLedger {
  readonly #streams = new Map<string, StreamSample>();
  readonly #transports = new Map<string, TransportSample>();

  /** Records a stream sample; returns the increment since the previous one (a reset counts from 0). */
  recordStream(sample: StreamSample): { packets: number; bytes: number } {
    const previous = this.#streams.get(sample.key);
    this.#streams.set(sample.key, sample);
    return { packets: increment(previous?.packets, sample.packets), bytes: increment(previous?.bytes, sample.bytes) };
  }

  recordTransport(sample: TransportSample): { bytesIn: number; bytesOut: number } {
    const previous = this.#transports.get(sample.key);
    this.#transports.set(sample.key, sample);
    return { bytesIn: increment(previous?.bytesIn, sample.bytesIn), bytesOut: increment(previous?.bytesOut, sample.bytesOut) };
  }

  /** The call's quality summary from everything recorded so far. */
  quality(): MediaQuality {
    let packetsIn = 0;
    let packetsOut = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    let lostIn = 0;
    let jitterMs = 0;
    let rttMs: number | undefined;
    for (const s of this.#streams.values()) {
      if (s.direction === 'in') {
        packetsIn += s.packets;
        bytesIn += s.bytes;
        lostIn += s.lost;
        jitterMs = Math.max(jitterMs, s.jitterMs);
      } else {
        packetsOut += s.packets;
        bytesOut += s.bytes;
        if (s.rttMs !== undefined && s.rttMs > 0) rttMs = Math.max(rttMs ?? 0, s.rttMs);
      }
    }
    const expected = packetsIn + lostIn;
    return {
      packetsIn,
      packetsOut,
      bytesIn,
      bytesOut,
      lossPercent: expected > 0 ? round(Math.min(100, (100 * lostIn) / expected)) : 0,
      jitterMs: round(jitterMs),
      ...(rttMs !== undefined ? { rttMs: round(rttMs) } : {}),
    };
  }
}

function increment(previous: number | undefined, current: number): number {
  if (previous === undefined || current < previous) return current;
  return current - previous;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
