import { seqDelta } from './rtp.ts';
import type { JitterBufferOptions, JitterBufferStats, JitterPop, JitterPushResult } from './JitterBufferTypes.ts';

/**
 * One participant's packets in RTP sequence order. Playout starts once `targetDepth` packets are held
 * (again after an underrun), then pops in order: a missing sequence number is reported lost (the
 * caller conceals it), a packet arriving after its turn is dropped as late. More than `maxDepth` held at a
 * pop skips the oldest (a fast sender clock does not grow the delay). Bounded: at `capacity` the
 * oldest packet goes; a jump of more than `capacity` sequence numbers (the sender restarted its stream)
 * starts over from the new packet.
 */
export class JitterBuffer<T> {
  readonly #capacity: number;
  readonly #targetDepth: number;
  readonly #maxDepth: number;
  readonly #slots = new Map<number, T>();
  /** The sequence number played next; undefined before the first packet. */
  #next: number | undefined;
  #playing = false;
  readonly #stats: JitterBufferStats = { queued: 0, late: 0, duplicates: 0, overflows: 0, trimmed: 0, lost: 0, underruns: 0, resyncs: 0 };

  constructor(options: JitterBufferOptions) {
    if (!(options.capacity >= 1) || !(options.targetDepth >= 1) || options.targetDepth > options.capacity) {
      throw new RangeError(`jitter buffer needs 1 ≤ targetDepth ≤ capacity (got ${options.targetDepth}, ${options.capacity})`);
    }
    this.#capacity = options.capacity;
    this.#targetDepth = options.targetDepth;
    this.#maxDepth = Math.min(options.capacity, Math.max(options.targetDepth, options.maxDepth ?? 2 * options.targetDepth + 2));
  }

  get size(): number {
    return this.#slots.size;
  }

  get playing(): boolean {
    return this.#playing;
  }

  get stats(): Readonly<JitterBufferStats> {
    return this.#stats;
  }

  push(seq: number, item: T): JitterPushResult {
    const s = seq & 0xffff;
    if (this.#next === undefined) {
      this.#next = s;
    } else {
      const delta = seqDelta(this.#next, s);
      if (delta < 0) {
        // Before playout starts, an earlier packet (reordered ahead of the first) moves the start back.
        if (this.#playing || -delta >= this.#capacity) return this.#count('late');
        this.#next = s;
      } else if (delta >= 2 * this.#capacity) {
        this.#slots.clear();
        this.#next = s;
        this.#playing = false;
        this.#stats.resyncs += 1;
        this.#slots.set(s, item);
        return 'resync';
      }
    }
    if (this.#slots.has(s)) return this.#count('duplicate');
    this.#slots.set(s, item);
    this.#stats.queued += 1;
    while (this.#slots.size > this.#capacity) this.#dropOldest();
    return 'queued';
  }

  pop(): JitterPop<T> {
    if (this.#next === undefined) return { kind: 'empty' };
    if (!this.#playing) {
      if (this.#slots.size < this.#targetDepth) return { kind: 'empty' };
      this.#playing = true;
    }
    if (this.#slots.size === 0) {
      // Underrun: rebuild the depth before playing on; what arrives meanwhile is not late.
      this.#playing = false;
      this.#stats.underruns += 1;
      return { kind: 'empty' };
    }
    if (this.#slots.size > this.#maxDepth) {
      this.#dropOldest();
      this.#stats.overflows -= 1;
      this.#stats.trimmed += 1;
    }
    const seq = this.#next;
    this.#next = (seq + 1) & 0xffff;
    const item = this.#slots.get(seq);
    if (item === undefined) {
      this.#stats.lost += 1;
      return { kind: 'lost' };
    }
    this.#slots.delete(seq);
    return { kind: 'packet', item };
  }

  /** Forgets every packet and the sequence; the next packet starts afresh. */
  reset(): void {
    this.#slots.clear();
    this.#next = undefined;
    this.#playing = false;
  }

  #dropOldest(): void {
    // The oldest held packet is the first at or after #next; everything before it is skipped.
    let seq = this.#next!;
    while (!this.#slots.has(seq)) seq = (seq + 1) & 0xffff;
    this.#slots.delete(seq);
    this.#next = (seq + 1) & 0xffff;
    this.#stats.overflows += 1;
  }

  #count(result: 'late' | 'duplicate'): JitterPushResult {
    if (result === 'late') this.#stats.late += 1;
    else this.#stats.duplicates += 1;
    return result;
  }
}
