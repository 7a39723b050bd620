import type { PlainTransport, Producer } from 'mediasoup/types';

/**
 * The SSRC watchdog heals an SSRC change nobody announced (a PBX that restarts its stream without a
 * re-INVITE): while the leg carries audio and its SSRC is learnt (no a=ssrc), the PlainTransport's
 * counters are read every `intervalMs`; when bytes keep arriving but none reaches the Producer for
 * `starveMs`, the SSRC is learnt again from the next packet.
 */
export interface SsrcWatchdogOptions {
  /** Default 200. */
  intervalMs: number;
  /** Default 500. Doubled after each relearn that did not bring audio back (up to 64×), reset by audio. */
  starveMs: number;
  /**
   * Default 2000. While nothing arrives on the leg (hold, a PBX that sends nothing, an idle call), the
   * interval doubles up to this: each reading is a request to the worker (~30 µs of the node, ~10 µs of the
   * worker), and 1,000 idle calls read 5 times a second cost the node a fifth of a core. The first bytes
   * that arrive bring the interval back to `intervalMs`.
   */
  idleMaxMs: number;
}

/** What one reading watches: the transport the PBX sends to and the Producer its packets should reach. */
export interface SsrcWatchdogTarget {
  transport: PlainTransport;
  producer: Producer;
  /** The SSRC the Producer was created for (for the log). */
  ssrc: number | undefined;
}

/** What the watchdog needs of the PBX leg it watches. */
export interface SsrcWatchdogLeg {
  /**
   * What to watch now; undefined while no audio should reach a Producer with a learnt SSRC (leg inactive,
   * no Producer yet, the SSRC learner holding the PBX's packets, or an SSRC the PBX's SDP names).
   */
  target(): SsrcWatchdogTarget | undefined;
  /** Learns the PBX's SSRC again from its next packet. */
  relearn(): Promise<void>;
}
