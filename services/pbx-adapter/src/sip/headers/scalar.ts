// Single-valued numeric and simple structured headers: Content-Length, Max-Forwards, Expires,
// Min-Expires, Session-Expires / Min-SE (RFC 4028), Content-Type, option-tag lists.
import { SipParseError, SipParseErrorReason } from '../errors.ts';
import { isDigit } from '../grammar/charsets.ts';
import { Scanner, type Params } from '../grammar/Scanner.ts';
import { formatHeaderParams } from './params.ts';

/** delta-seconds values larger than 2**32-1 are treated as 2**32-1 (RFC 3261 §20.19, §20.33). */
const MAX_DELTA_SECONDS = 2 ** 32 - 1;

const digitsOnly = (value: string, header: string, reason: SipParseErrorReason = SipParseErrorReason.BadHeader): string => {
  const v = value.trim();
  if (!/^[0-9]+$/.test(v)) throw new SipParseError(reason, `${header} is not a number: "${value}"`, { header });
  return v;
};

/** Content-Length = 1*DIGIT. */
export const parseContentLength = (value: string): number => {
  const v = digitsOnly(value, 'Content-Length', SipParseErrorReason.BadContentLength);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    throw new SipParseError(SipParseErrorReason.BadContentLength, `Content-Length out of range: "${value}"`, { header: 'Content-Length' });
  }
  return n;
};

/** Max-Forwards = 1*DIGIT in 0..255. */
export const parseMaxForwards = (value: string): number => {
  const n = Number(digitsOnly(value, 'Max-Forwards'));
  if (n > 255) throw new SipParseError(SipParseErrorReason.BadHeader, `Max-Forwards out of range: "${value}"`, { header: 'Max-Forwards' });
  return n;
};

/** delta-seconds, clamped to 2**32-1. */
export const parseDeltaSeconds = (value: string, header: string): number => {
  const v = digitsOnly(value, header).replace(/^0+(?=\d)/, '');
  if (v.length > 10) return MAX_DELTA_SECONDS;
  return Math.min(Number(v), MAX_DELTA_SECONDS);
};

export interface SessionExpires {
  /** Session interval in seconds. */
  interval: number;
  refresher: 'uac' | 'uas' | undefined;
  params: Params;
}

const scanDelta = (s: Scanner): number => {
  s.skipWs();
  const d = s.readWhile(isDigit);
  if (d.length === 0) s.fail('expected delta-seconds');
  return d.length > 10 ? MAX_DELTA_SECONDS : Math.min(Number(d), MAX_DELTA_SECONDS);
};

export const parseSessionExpires = (value: string): SessionExpires => {
  const s = new Scanner(value, 'Session-Expires');
  const interval = scanDelta(s);
  const params = s.params();
  s.end();
  const r = params.get('refresher');
  if (r !== undefined && r !== 'uac' && r !== 'uas') s.fail(`bad refresher '${r}'`);
  return { interval, refresher: r === null ? undefined : (r as 'uac' | 'uas' | undefined), params };
};

export const formatSessionExpires = (se: SessionExpires): string => {
  const params: Params = new Map(se.params);
  if (se.refresher !== undefined) params.set('refresher', se.refresher);
  return `${se.interval}${formatHeaderParams(params)}`;
};

/** Min-SE = delta-seconds *(SEMI generic-param). */
export const parseMinSE = (value: string): number => {
  const s = new Scanner(value, 'Min-SE');
  const v = scanDelta(s);
  s.params();
  s.end();
  return v;
};

export interface MediaType {
  /** Lower-cased type and subtype. */
  type: string;
  subtype: string;
  params: Params;
}

export const parseMediaType = (value: string, context = 'Content-Type'): MediaType => {
  const s = new Scanner(value, context);
  s.skipWs();
  const type = s.token('media type').toLowerCase();
  s.sep('/');
  const subtype = s.token('media subtype').toLowerCase();
  const params = s.params();
  s.end();
  return { type, subtype, params };
};

export const formatMediaType = (m: MediaType): string => `${m.type}/${m.subtype}${formatHeaderParams(m.params)}`;

/** A comma-separated list of tokens (option-tags, methods, event packages). Empty value → []. */
export const parseTokenList = (value: string, context: string): string[] => {
  const s = new Scanner(value, context);
  const out: string[] = [];
  s.skipWs();
  if (s.done) return out;
  do {
    out.push(s.token(`${context} token`));
  } while (s.trySep(','));
  s.end();
  return out;
};
