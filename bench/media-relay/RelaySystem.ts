// What the sweep in run.ts drives: one relay (rtpengine, raw mediasoup, ucserver) whose calls the load
// generator feeds. Call unit i uses generator endpoints 2i (side A) and 2i+1 (side B) and streams 2i (A → B)
// and 2i+1 (B → A), 50 packets/s each.
import { randomBytes } from 'node:crypto';

export interface RelaySystem {
  /** e.g. 'rtpengine', 'mediasoup-plain', 'ucserver-pbx'. */
  readonly name: string;
  /** One line: what a call unit is for this system. */
  readonly unit: string;
  /** The process whose CPU is the relay's (pinned to the relay core). */
  readonly relayPid: number;
  /**
   * Every relay process when there are several (a media node with several mediasoup workers, the first
   * being relayPid): their CPU is summed; each must stay below the limit.
   */
  readonly relayPids?: number[];
  /** Other processes of the system that do work per call (reported, pinned to the generator's core). */
  readonly helperPids: Array<{ name: string; pid: number }>;
  /** Sets up call units [from, to), generator streams included. */
  addCalls(from: number, to: number): Promise<void>;
  /** Tears down call units [from, to) (their streams stop first). */
  removeCalls(from: number, to: number): Promise<void>;
  close(): Promise<void>;
}

export const sideA = (i: number): number => 2 * i;
export const sideB = (i: number): number => 2 * i + 1;

/** A random non-zero SSRC. */
export function randomSsrc(): number {
  return randomBytes(4).readUInt32BE(0) || 1;
}

/** ICE credentials of a generator WebRTC endpoint. */
export function iceCredentials(): { ufrag: string; pwd: string } {
  return { ufrag: randomBytes(6).toString('hex'), pwd: randomBytes(16).toString('hex') };
}

/** Runs `fn` for every index in [from, to) with at most `concurrency` in flight. */
export async function forEachLimited(from: number, to: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(0, to - from)) }, worker));
}
