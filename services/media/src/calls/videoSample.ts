// Sampling a call's video streams (the softphones' cameras and what they are sent) into per-round
// increments for the node's metrics: packets, bytes, key frame requests (PLI + FIR) and NACKs, bitrate,
// and the frame rate of what the node receives (FrameRateProbe).
import type { Consumer, Producer } from 'mediasoup/types';
import { FrameRateProbe } from './FrameRateProbe.ts';

/** How long a frame-rate probe of a received video stream traces its RTP. */
const FRAME_PROBE_MS = 1000;
/**
 * A stream is probed again at most this often: tracing costs a worker → Node message per packet, so a probe
 * every round (5 s by default) would trace a fifth of all video; one per 30 s traces about 3 %.
 */
const FRAME_PROBE_EVERY_MS = 30_000;

/** One video stream's increments since the last round (`in`: a camera Producer, `out`: a video Consumer). */
export interface VideoStreamSample {
  direction: 'in' | 'out';
  packets: number;
  bytes: number;
  /** Key frame requests: sent to the camera (`in`), received from the viewer (`out`). */
  keyFrameRequests: number;
  /** NACKs: sent to the camera (`in`), received from the viewer (`out`). */
  nacks: number;
  bitrateBps: number;
  /** Frames per second received (`in` only), from the last completed probe of this stream. */
  framesPerSecond?: number;
}

interface Counters {
  packets: number;
  bytes: number;
  keyFrameRequests: number;
  nacks: number;
}

type RtpStreamStats = { type: string; packetCount: number; byteCount: number; pliCount: number; firCount: number; nackCount: number; bitrate: number };

/** Keeps the last counters per stream, so each round reports increments (a replaced stream starts at 0). */
export class VideoLedger {
  readonly #last = new Map<string, Counters>();
  /** Received streams' frame rates from their last probe, and the probes running (by Producer id). */
  readonly #fps = new Map<string, number>();
  readonly #probing = new Set<string>();
  readonly #probedAt = new Map<string, number>();
  #carried = false;

  /** Some video reached the node (a camera's or the PBX's stream had packets) in a round so far: the journal notes a video call. */
  get carried(): boolean {
    return this.#carried;
  }

  async sample(streams: ReadonlyArray<readonly ['in' | 'out', Producer | Consumer | undefined]>): Promise<VideoStreamSample[]> {
    const live = streams.filter((s): s is readonly ['in' | 'out', Producer | Consumer] => s[1] !== undefined && !s[1].closed);
    const results = await Promise.all(live.map(async ([direction, item]) => {
      const stats = (await item.getStats()) as RtpStreamStats[];
      const s = stats.find((x) => x.type === (direction === 'in' ? 'inbound-rtp' : 'outbound-rtp'));
      if (!s) return undefined;
      const now: Counters = { packets: s.packetCount, bytes: s.byteCount, keyFrameRequests: s.pliCount + s.firCount, nacks: s.nackCount };
      const before = this.#last.get(item.id) ?? { packets: 0, bytes: 0, keyFrameRequests: 0, nacks: 0 };
      this.#last.set(item.id, now);
      if (direction === 'in' && now.packets > 0) this.#carried = true;
      const delta = (k: keyof Counters): number => Math.max(0, now[k] - before[k]);
      const fps = direction === 'in' ? this.#probe(item as Producer, delta('packets') > 0) : undefined;
      return { direction, packets: delta('packets'), bytes: delta('bytes'), keyFrameRequests: delta('keyFrameRequests'), nacks: delta('nacks'), bitrateBps: s.bitrate, ...(fps !== undefined ? { framesPerSecond: fps } : {}) };
    }));
    return results.filter((r): r is VideoStreamSample => r !== undefined);
  }

  /**
   * The stream's frame rate from its last probe; starts the next probe in the background (not awaited: a
   * round must not wait a second) while the stream carries packets, none runs for it and the last is
   * FRAME_PROBE_EVERY_MS old.
   */
  #probe(producer: Producer, flowing: boolean): number | undefined {
    const known = this.#fps.get(producer.id);
    if (!flowing) {
      this.#fps.delete(producer.id);
      this.#probedAt.delete(producer.id);
      return undefined;
    }
    const due = Date.now() - (this.#probedAt.get(producer.id) ?? -Infinity) >= FRAME_PROBE_EVERY_MS;
    if (due && !this.#probing.has(producer.id)) {
      this.#probing.add(producer.id);
      this.#probedAt.set(producer.id, Date.now());
      void FrameRateProbe.measure(producer, FRAME_PROBE_MS)
        .then((fps) => {
          if (fps !== undefined) this.#fps.set(producer.id, fps);
        })
        .finally(() => this.#probing.delete(producer.id));
    }
    return known;
  }
}
