// Parsing an SDP into sdp-transform's structure, with the checks sdp-transform leaves out: it accepts
// any text, so garbage is rejected here with a typed error before any mapping runs.
import { randomBytes } from 'node:crypto';
import * as sdpTransform from 'sdp-transform';
import { NoAudioError, SdpInvalidError } from '../errors.ts';

export type SessionDescription = sdpTransform.SessionDescription;
export type MediaSection = sdpTransform.MediaDescription;

/** A session's audio m-section, with its index and its raw attribute lines (for repeated attributes). */
export interface AudioSection {
  session: SessionDescription;
  media: MediaSection;
  index: number;
  /** `a=` lines of the session level, without the `a=` prefix. */
  sessionAttributes: string[];
  /** `a=` lines of this m-section, without the `a=` prefix. */
  mediaAttributes: string[];
  /** Every m-line of the session in order (the audio one at `index`), for answers that must mirror them. */
  mlines: MlineSlot[];
}

/**
 * One m-line of a remote SDP as an answer or a later offer must repeat it: an answer has the offer's
 * m-lines in the same order (RFC 3264 §6), and a later offer keeps them (§8); those the node does not
 * take are written with port 0.
 */
export interface MlineSlot {
  /** audio, video, application, … as written. */
  type: string;
  protocol: string;
  /** The format list as written (payload types, or e.g. `webrtc-datachannel`). */
  formats: string;
  /** a=mid, when written (JSEP keeps it on a rejected m-line). */
  mid: string | undefined;
}

const linePattern = /^[a-z]=.*$/;

/**
 * Parses `text` and returns its first audio m-section whose port is not 0.
 * @param what names the SDP in error messages ("softphone offer", "PBX answer", …).
 * @throws SdpInvalidError for text that is not SDP; NoAudioError when no usable audio m-line exists.
 */
export function parseAudioSection(text: string, what: string): AudioSection {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'v=0') throw new SdpInvalidError(`${what} is not an SDP: expected 'v=0' on the first line`);
  const bad = lines.findIndex((l) => !linePattern.test(l));
  if (bad >= 0) throw new SdpInvalidError(`${what} has a malformed line ${bad + 1}: '${truncate(lines[bad]!)}'`);
  if (!lines.some((l) => l.startsWith('o='))) throw new SdpInvalidError(`${what} has no o= line`);
  let session: SessionDescription;
  try {
    session = sdpTransform.parse(lines.join('\r\n') + '\r\n');
  } catch (err) {
    throw new SdpInvalidError(`${what} cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
  if (!session.origin || typeof session.origin.address !== 'string') throw new SdpInvalidError(`${what} has a malformed o= line`);
  const media = session.media ?? [];
  const index = media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (index < 0) {
    const kinds = media.map((m) => `${m.type}:${m.port}`).join(', ') || 'none';
    throw new NoAudioError(`${what} has no usable audio m-line [m-lines:${kinds}]`);
  }
  const section = media[index]!;
  if (!Number.isInteger(section.port) || section.port < 1 || section.port > 65535) {
    throw new SdpInvalidError(`${what} has an invalid audio port '${String(section.port)}'`);
  }
  // Raw attribute lines per level: sdp-transform keeps only the last of some repeated attributes.
  const sessionAttributes: string[] = [];
  const mediaAttributes: string[] = [];
  let level = -1;
  for (const line of lines) {
    if (line.startsWith('m=')) level += 1;
    else if (line.startsWith('a=')) {
      if (level === -1) sessionAttributes.push(line.slice(2));
      else if (level === index) mediaAttributes.push(line.slice(2));
    }
  }
  const mlines = media.map((m) => ({
    type: String(m.type),
    protocol: String(m.protocol),
    formats: String(m.payloads ?? '').trim() || '0',
    mid: m.mid === undefined ? undefined : String(m.mid),
  }));
  return { session, media: section, index, sessionAttributes, mediaAttributes, mlines };
}

/** Values of one attribute (`name:value` lines) at a level. */
export function attributeValues(attributes: string[], name: string): string[] {
  const prefix = `${name}:`;
  return attributes.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length).trim());
}

export function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A fresh o= session id: a random decimal below 2^62 (RFC 4566 §5.2 suggests an NTP-like number). */
export function sdpSessionId(): string {
  return (BigInt(`0x${randomBytes(8).toString('hex')}`) >> 2n).toString();
}

/**
 * The lines of an m-line the node does not take (RFC 3264 §6: port 0, the offer's formats; RFC 8829
 * §5.3.1: its a=mid kept).
 */
export function rejectedMline(slot: MlineSlot): string[] {
  return [`m=${slot.type} 0 ${slot.protocol} ${slot.formats}`, ...(slot.mid !== undefined ? [`a=mid:${slot.mid}`] : [])];
}

/**
 * The node's own m-sections (each a list of SDP lines starting with its m=) placed at their `index`
 * among `layout.mlines`, every other m-line written as declined; without a layout, `ours` in order.
 */
export function mirroredMlines(ours: ReadonlyArray<{ index: number; lines: string[] }>, layout: { mlines: readonly MlineSlot[] } | undefined): string[] {
  if (!layout) return ours.flatMap((o) => o.lines);
  return layout.mlines.flatMap((slot, i) => ours.find((o) => o.index === i)?.lines ?? rejectedMline(slot));
}
