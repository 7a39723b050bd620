import type { WeriftPhoneOptions } from '@ucserver/testkit/werift';

/**
 * One softphone's WebRTC media (a werift peer connection sending a PCMU tone), wherever it runs: in the
 * test's thread or in one of the pool's worker threads. Every method is asynchronous for that reason.
 */
export interface PhoneMedia {
  /** The offer, all candidates gathered. */
  offer(): Promise<string>;
  /** Answers an offer (an incoming call). */
  answer(offer: string): Promise<string>;
  applyAnswer(answer: string): Promise<void>;
  /** Resolves when ICE and DTLS are up; rejects after `ms` or on failure. */
  connected(ms: number): Promise<void>;
  /** Sends a PCMU tone (20 ms packets) until closed. */
  startTone(hz: number): Promise<void>;
  /** The loudest of `candidates` (Goertzel) in the next `packets` packets received, within `timeoutMs`. */
  hears(candidates: readonly number[], packets: number, timeoutMs: number): Promise<number>;
  /** RTP packets received so far. */
  receivedCount(): Promise<number>;
  close(): Promise<void>;
}

/** A request to the code that holds the peer connections (see phoneMediaWorker.ts), by phone id. */
export type MediaOp =
  | { op: 'create'; id: number; options: WeriftPhoneOptions }
  | { op: 'offer'; id: number }
  | { op: 'answer'; id: number; sdp: string }
  | { op: 'applyAnswer'; id: number; sdp: string }
  | { op: 'connected'; id: number; ms: number }
  | { op: 'startTone'; id: number; hz: number }
  | { op: 'hears'; id: number; candidates: readonly number[]; packets: number; timeoutMs: number }
  | { op: 'count'; id: number }
  | { op: 'close'; id: number };

/** Between the pool and a worker: a request with its sequence number, and the reply to it. */
export interface MediaRequest {
  seq: number;
  request: MediaOp;
}

export interface MediaReply {
  seq: number;
  value?: unknown;
  error?: string;
}
