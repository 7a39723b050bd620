export interface JitterBufferOptions {
  /** Packets held at most; a packet beyond it drops the oldest (latency stays bounded). */
  capacity: number;
  /** Packets buffered before playout starts (and after an underrun): the delay that absorbs jitter. */
  targetDepth: number;
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
  lost: number;
  underruns: number;
  resyncs: number;
}
