// The SIP trust screen's decision table (pure): what happens to a message given whether its source is
// trusted (a line's registrar/proxy or SIP_TRUSTED_PEERS) and whether it is within its source's rate.
//
//   source     within rate   message              action   reason               why
//   trusted    yes           anything             pass     -                    the PBX we register at
//   trusted    no            anything             drop     rate-limited         a PBX gone wild must not starve our own REGISTER/OPTIONS
//   untrusted  no            anything             drop     rate-limited         under flood a 403 per message is amplification (and goes to a
//                                                                               possibly spoofed address): silent drop, before parsing
//   untrusted  yes           request (not ACK)    reject   untrusted-source     403 Forbidden, statelessly, to the packet's source: a
//                                                                               misconfigured PBX learns why; no transaction, bus or journal
//   untrusted  yes           ACK                  drop     untrusted-ack        an ACK is never answered
//   untrusted  yes           response             drop     untrusted-response   responses only come from where our requests went
import type { BucketRate } from './RateTableTypes.ts';

export const ScreenReason = {
  RateLimited: 'rate-limited',
  UntrustedSource: 'untrusted-source',
  UntrustedAck: 'untrusted-ack',
  UntrustedResponse: 'untrusted-response',
  /** An out-of-dialog INVITE for no line we hold a live registration of (CallRegistry answers 404). */
  NotRegistered: 'not-registered-line',
} as const;
export type ScreenReason = (typeof ScreenReason)[keyof typeof ScreenReason];

export type ScreenVerdict =
  | { action: 'pass' }
  | { action: 'drop'; reason: ScreenReason }
  | { action: 'reject'; status: 403; reason: ScreenReason };

export interface ScreenInput {
  trusted: boolean;
  withinRate: boolean;
  /** Undefined before parsing (the rate check runs on raw bytes). */
  message?: { type: 'request'; method: string } | { type: 'response' } | undefined;
}

export const PASS: ScreenVerdict = Object.freeze({ action: 'pass' });

export function screenVerdict(input: ScreenInput): ScreenVerdict {
  if (!input.withinRate) return { action: 'drop', reason: ScreenReason.RateLimited };
  if (input.trusted || input.message === undefined) return PASS;
  if (input.message.type === 'response') return { action: 'drop', reason: ScreenReason.UntrustedResponse };
  if (input.message.method === 'ACK') return { action: 'drop', reason: ScreenReason.UntrustedAck };
  return { action: 'reject', status: 403, reason: ScreenReason.UntrustedSource };
}

export interface ScreenRates {
  /** Per trusted source address. */
  trusted: BucketRate;
  /** Per untrusted source address. */
  untrusted: BucketRate;
  /** All untrusted sources together (a flood from many, possibly spoofed, addresses). */
  untrustedTotal: BucketRate;
}

/** Rates from the per-second settings: bursts of twice the rate; all untrusted together 20 times one. */
export function screenRates(trustedPerS: number, untrustedPerS: number): ScreenRates {
  return {
    trusted: { perSecond: trustedPerS, burst: 2 * trustedPerS },
    untrusted: { perSecond: untrustedPerS, burst: 2 * untrustedPerS },
    untrustedTotal: { perSecond: 20 * untrustedPerS, burst: 40 * untrustedPerS },
  };
}

/** `::ffff:10.0.0.1` → `10.0.0.1` (a dual-stack socket reports IPv4 sources this way); other addresses lowercased. */
export function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
