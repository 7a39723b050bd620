export interface MixerOptions {
  /** Participants at most (CONFERENCE_MAX_PARTICIPANTS). */
  maxParticipants: number;
  /** Runs no timer: the owner calls tick() (tests, the bench). */
  manualClock?: boolean;
}

export interface MixerEvents {
  /** A tick threw (a codec failed); the mix goes on with the next tick. */
  error: [err: Error];
}

/** Where one participant's mixed feed goes: an RTP packet every 20 ms. */
export type MixSink = (packet: Buffer) => void;

export interface MixerStats {
  ticks: number;
  /** Ticks skipped because the event loop was late by more than the catch-up bound. */
  skippedTicks: number;
  /** Wall time spent inside ticks (decode, mix, encode, send), ms. */
  busyMs: number;
}
