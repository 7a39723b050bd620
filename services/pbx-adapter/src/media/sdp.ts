// The little the adapter reads from SDP itself (the media node owns negotiation): the connection
// address, which placement uses to keep a call on the node that owns that address (Direct Media), and
// whether an offer puts us on hold (RFC 3264 §8.4: sendonly/inactive, or the RFC 2543 c=0.0.0.0).
// Pure functions over SDP text; unparsable input yields undefined / false, never an exception.

interface MediaSection {
  type: string;
  port: number;
  connection: string | undefined;
  direction: string | undefined;
}

interface SdpView {
  connection: string | undefined;
  direction: string | undefined;
  media: MediaSection[];
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

const view = (sdp: string): SdpView => {
  const out: SdpView = { connection: undefined, direction: undefined, media: [] };
  let current: MediaSection | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const value = line.slice(2);
    switch (line[0]) {
      case 'm': {
        const [type = '', port = ''] = value.split(/\s+/);
        current = { type, port: Number.parseInt(port, 10), connection: undefined, direction: undefined };
        out.media.push(current);
        break;
      }
      case 'c': {
        // c=<nettype> <addrtype> <connection-address>[/ttl][/count]
        const address = value.split(/\s+/)[2]?.split('/')[0];
        if (current) current.connection = address;
        else out.connection = address;
        break;
      }
      case 'a':
        if (DIRECTIONS.has(value)) {
          if (current) current.direction = value;
          else out.direction = value;
        }
        break;
      default:
        break;
    }
  }
  return out;
};

const audioOf = (v: SdpView): MediaSection | undefined => v.media.find((m) => m.type === 'audio' && m.port > 0) ?? v.media.find((m) => m.type === 'audio');

/**
 * The address the remote side wants RTP at: the audio section's c= line, else the session-level one.
 * Undefined when absent, or for the hold address 0.0.0.0 / :: (it names no node).
 */
export const connectionAddress = (sdp: string): string | undefined => {
  const v = view(sdp);
  const address = audioOf(v)?.connection ?? v.connection;
  if (address === undefined || address === '0.0.0.0' || address === '::') return undefined;
  return address;
};

/** The direction of the audio stream as offered (media level over session level, default sendrecv). */
export const audioDirection = (sdp: string): 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' => {
  const v = view(sdp);
  return (audioOf(v)?.direction ?? v.direction ?? 'sendrecv') as 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
};

/** True when an offer puts the receiver on hold: sendonly or inactive, or c=0.0.0.0 (RFC 2543 style). */
export const isHoldOffer = (sdp: string): boolean => {
  const v = view(sdp);
  const audio = audioOf(v);
  if (!audio && v.media.length === 0) return false;
  const direction = audio?.direction ?? v.direction ?? 'sendrecv';
  if (direction === 'sendonly' || direction === 'inactive') return true;
  const address = audio?.connection ?? v.connection;
  return address === '0.0.0.0';
};

/** True when the body is an SDP (Content-Type application/sdp, non-empty). */
export const isSdpBody = (contentType: { type: string; subtype: string } | undefined, body: Buffer): boolean =>
  body.length > 0 && contentType?.type === 'application' && contentType.subtype === 'sdp';
