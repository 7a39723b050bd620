// Display texts for states, causes, durations and times.
import type { CallState, PhoneCall, PhoneLine } from './SoftphoneTypes.ts';

const STATE_TEXT: Record<CallState, string> = {
  calling: 'Calling…',
  dialing: 'Dialing',
  ringback: 'Ringing',
  offering: 'Incoming call',
  connected: 'Connected',
  held: 'On hold',
  disconnected: 'Disconnected',
  destroyed: 'Ended',
  failed: 'Failed',
};

export function stateText(call: PhoneCall): string {
  const running = call.state !== 'destroyed' && call.state !== 'failed' && call.state !== 'disconnected';
  if (running && call.av?.ended) return 'Ending…';
  if (call.state === 'held') {
    if (call.holdSide === 'remote') return 'Held by the other party';
    if (call.holdSide === 'both') return 'On hold (both sides)';
  }
  return STATE_TEXT[call.state];
}

const CAUSE_TEXT: Record<string, string> = {
  normal: 'Normal clearing',
  cancelled: 'Cancelled',
  busy: 'Busy',
  rejected: 'Rejected',
  'not-found': 'Number not found',
  'no-answer': 'No answer',
  unavailable: 'Unavailable',
  redirected: 'Redirected',
  'picked-up': 'Picked up elsewhere',
  timeout: 'No response',
  'media-failure': 'Media failure',
  'bus-outage': 'Server bus outage',
  'service-restart': 'Server restarted',
  'gateway-lost': 'Server lost',
  lost: 'Lost',
  error: 'Error',
};

export function causeText(cause: string | undefined): string {
  if (!cause) return '';
  return CAUSE_TEXT[cause] ?? cause;
}

/** `1:05`, `1:02:03`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** Local date and time of an ISO string (`""` = none). */
export function dateTime(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === today.toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

export interface LineBadge {
  text: string;
  /** ok | warn | error | off */
  tone: 'ok' | 'warn' | 'error' | 'off';
}

export function lineBadge(line: PhoneLine): LineBadge {
  switch (line.registration) {
    case 'registered':
      return { text: 'Registered', tone: 'ok' };
    case 'registering':
      return { text: 'Registering…', tone: 'warn' };
    case 'failed':
      return { text: 'Registration failed', tone: 'error' };
    case 'disabled':
      return { text: 'Disabled', tone: 'off' };
    default:
      return line.openStatus === 1 ? { text: 'Closed', tone: 'off' } : { text: 'Not registered', tone: 'warn' };
  }
}
