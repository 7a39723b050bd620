export interface JitterBufferOptions {
  /** Packets held at most; a packet beyond it drops the oldest (latency stays bounded). */
  capacity: number;
  /** Packets buffered before playout starts (and after an underrun): the delay that absorbs jitter. */
  targetDepth: number;
  /**
   * Above this many held packets at a pop, the oldest is skipped: a sender whose clock runs faster than
   * the mixer's would otherwise grow the delay up to `capacity`. Default 2 × targetDepth + 2.
   */
  maxDepth?: number;
}

/** What push() did with a packet. */
export type JitterPushResult = 'queued' | 'late' | 'duplicate' | 'resync';

/** What pop() yields: the next packet, a gap where a packet was lost, or nothing to play. */
export type JitterPop<T> = { kind: 'packet'; item: T } | { kind: 'lost' } | { kind: 'empty' };

export interface JitterBufferStats {
  queued: number;
  late: number;
  duplicates: number;
  /** Packets dropped for the capacity (the oldest ones). */
  overflows: number;
  /** Packets skipped at playout to bring the delay back under maxDepth. */
  trimmed: number;
  lost: number;
  underruns: number;
  resyncs: number;
}
