// Sampling a call's video streams (the softphones' cameras and what they are sent) into per-round
// increments for the node's metrics: packets, bytes, key frame requests (PLI + FIR) and NACKs, bitrate.
import type { Consumer, Producer } from 'mediasoup/types';

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
      return { direction, packets: delta('packets'), bytes: delta('bytes'), keyFrameRequests: delta('keyFrameRequests'), nacks: delta('nacks'), bitrateBps: s.bitrate };
    }));
    return results.filter((r): r is VideoStreamSample => r !== undefined);
  }
}
