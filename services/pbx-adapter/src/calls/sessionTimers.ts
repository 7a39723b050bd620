// RFC 4028 session timer negotiation, pure: what a UAS answers to the Session-Expires of an INVITE or
// UPDATE, what a UAC learns from the 2xx, and the headers of the requests we send. The outcome names
// the refresher from our point of view ('local' = we refresh, 'remote' = we watch for expiry).
import { SipParseError, type SipHeaders } from '../sip/mod.ts';

/** Our Min-SE (RFC 4028 §4 recommends 90 s, the smallest allowed value). */
export const MIN_SE = 90;

export interface SessionTimerSpec {
  /** Session interval in seconds. */
  interval: number;
  refresher: 'local' | 'remote';
}

export type UasSessionDecision =
  | { kind: 'reject'; status: 422; headers: Array<[string, string]> }
  | { kind: 'accept'; spec: SessionTimerSpec | undefined; headers: Array<[string, string]> };

const safe = <T>(fn: () => T): T | undefined => {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SipParseError) return undefined; // a malformed value counts as absent
    throw err;
  }
};

/**
 * The UAS side (RFC 4028 §9): rejects an interval below our Min-SE with 422, else accepts the smaller
 * of the requested and our configured interval (never below the request's Min-SE). When the request
 * names no refresher we refresh ourselves. Without Session-Expires but with `Supported: timer`, we add
 * one. `configuredS` 0 disables session timers (nothing is negotiated).
 */
export const uasSessionTimer = (request: SipHeaders, configuredS: number): UasSessionDecision => {
  if (configuredS <= 0) return { kind: 'accept', spec: undefined, headers: [] };
  const configured = Math.max(MIN_SE, configuredS);
  const se = safe(() => request.sessionExpires());
  const supported = safe(() => request.supported())?.includes('timer') ?? false;
  if (se !== undefined && se.interval < MIN_SE) {
    return { kind: 'reject', status: 422, headers: [['Min-SE', String(MIN_SE)]] };
  }
  if (se === undefined && !supported) return { kind: 'accept', spec: undefined, headers: [] };
  const requestMinSE = safe(() => request.minSE()) ?? 0;
  const interval = se === undefined ? configured : Math.max(Math.min(se.interval, configured), requestMinSE, MIN_SE);
  // A UAC that does not support timers cannot refresh: then we must (RFC 4028 §9).
  const refresher: 'uac' | 'uas' = se?.refresher === 'uac' && supported ? 'uac' : 'uas';
  const headers: Array<[string, string]> = [['Session-Expires', `${interval};refresher=${refresher}`]];
  if (supported) headers.push(['Require', 'timer']);
  return { kind: 'accept', spec: { interval, refresher: refresher === 'uas' ? 'local' : 'remote' }, headers };
};

/**
 * The UAC side (RFC 4028 §7.2): the 2xx's Session-Expires fixes the interval and the refresher; none
 * means no session timer. A 2xx without a refresher parameter leaves refreshing to us.
 */
export const uacSessionTimer = (response: SipHeaders): SessionTimerSpec | undefined => {
  const se = safe(() => response.sessionExpires());
  if (se === undefined) return undefined;
  return { interval: Math.max(1, se.interval), refresher: se.refresher === 'uas' ? 'remote' : 'local' };
};

/** Session-Expires and Min-SE of a request we send (initial INVITE, or a refresh with refresher=uac). */
export const requestSessionHeaders = (intervalS: number, refresherUac: boolean): Array<[string, string]> => {
  if (intervalS <= 0) return [];
  return [
    ['Session-Expires', `${Math.max(MIN_SE, intervalS)}${refresherUac ? ';refresher=uac' : ''}`],
    ['Min-SE', String(MIN_SE)],
  ];
};

/** When the refresher refreshes (half the interval) and when the other side gives up (RFC 4028 §10). */
export const sessionTimerDelays = (spec: SessionTimerSpec): { refreshMs: number; expireMs: number } => ({
  refreshMs: Math.round((spec.interval * 1000) / 2),
  expireMs: Math.round((spec.interval - Math.min(32, spec.interval / 3)) * 1000),
});
