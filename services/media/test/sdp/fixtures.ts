import { readFileSync } from 'node:fs';

/** A captured or hand-written SDP from test/fixtures/sdp. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/sdp/${name}`, import.meta.url), 'utf8');
}

/** `sdp` with lines matching `pattern` removed (for negative cases built from real captures). */
export function without(sdp: string, pattern: RegExp): string {
  return sdp.split(/\r?\n/).filter((l) => !pattern.test(l)).join('\r\n');
}

/** `sdp` with `from` replaced by `to` (first occurrence), asserting it was there. */
export function replaced(sdp: string, from: string | RegExp, to: string): string {
  const out = sdp.replace(from, to);
  if (out === sdp) throw new Error(`fixture edit did not apply: ${String(from)}`);
  return out;
}
