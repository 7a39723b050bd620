// Small facts about calls and numbers shared by the model and the view.
import type { PhoneCall } from './SoftphoneTypes.ts';

/** The number part of `tel:101`, `sip:101@host`, or the text itself. */
export function numberOf(uri: string): string {
  const t = /^tel:(.*)$/i.exec(uri);
  if (t) return t[1]!;
  const s = /^sips?:([^@;>]+)@/i.exec(uri);
  return s ? decodeURIComponent(s[1]!) : uri;
}

/** The call is over (nothing more will happen to it). */
export function isEnded(call: PhoneCall): boolean {
  return call.state === 'destroyed' || call.state === 'failed';
}
