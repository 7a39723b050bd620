// The direction a softphone's SDP offers (RFC 4566 §6, RFC 3264 §6.1), read just far enough to tell a
// hold re-offer (a=sendonly / a=inactive) from a retrieve or an ICE restart. The media node parses and
// checks the SDP in full; this only routes the request (hold at the PBX or not).

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const directions: ReadonlySet<string> = new Set<SdpDirection>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
/** Lines looked at: an SDP longer than this is the media node's to refuse. */
const maxLines = 500;

/** The first audio m-section's direction, else the session-level one, else sendrecv. */
export function offeredDirection(sdp: string): SdpDirection {
  let session: SdpDirection | undefined;
  let inAudio = false;
  let seenMedia = false;
  for (const raw of sdp.split('\n', maxLines)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      if (inAudio) break;
      inAudio = line.startsWith('m=audio ');
      seenMedia = true;
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const value = line.slice(2);
    if (!directions.has(value)) continue;
    if (inAudio) return value as SdpDirection;
    if (!seenMedia) session = value as SdpDirection;
  }
  return session ?? 'sendrecv';
}

/** The SDP has an active video m-line (port not 0): the softphone wants video. */
export function offersVideo(sdp: string): boolean {
  return sdp.split('\n', maxLines).some((line) => /^m=video [1-9]/.test(line.trim()));
}

/** The softphone stops receiving us: what WebRTC holds with (sendonly, or inactive). */
export function isHoldDirection(direction: SdpDirection): boolean {
  return direction === 'sendonly' || direction === 'inactive';
}
