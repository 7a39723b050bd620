// Contract of the SourceScreen: which SIP sources are served, and how fast.
import type { PeerRange } from '@ucserver/shared';
import type { ScreenRates, ScreenReason } from './screen.ts';

export interface SourceScreenOptions {
  /** SIP_TRUSTED_PEERS, parsed. */
  peers: readonly PeerRange[];
  rates: ScreenRates;
  /** Source addresses whose rate is tracked (SIP_RATE_TABLE_SIZE). */
  maxSources: number;
  /** Milliseconds clock for the buckets; default performance.now(). */
  now?: (() => number) | undefined;
}

export type SourceScreenEvents = {
  /** A message was refused or dropped, with why (count it). */
  screened: [reason: ScreenReason, address: string];
  listenererror: [error: unknown, event: string];
};
