/**
 * Message framing on the raw TCP port 7222 (subset reference §1.1): constants, message types and the
 * encoder. The streaming decoder is {@link FrameDecoder} (`FrameDecoder.ts`).
 *
 * J-frame, byte-exact: `J` (0x4A), 7 ASCII digits N (zero-padded), then N bytes of UTF-8 JSON. N counts
 * bytes, not characters. Bare JSON ("JSON_NO_HEADING") starts with `{` or `[` and has no length.
 */
import { CtiCodecErrorCodes, FramingError } from './errors.ts';

/** How one message was (or is to be) framed on TCP. The session answers in the framing the client used. */
export type FrameEncoding = 'json-framed' | 'json-bare';

/** One complete message taken off the stream. */
export interface FramedMessage {
  encoding: FrameEncoding;
  /** The JSON text (for J-frames: all N bytes, including any whitespace/LF the peer counted in N). */
  text: string;
  /** Number of payload bytes (N for J-frames; the bytes from `{`/`[` to the matching closer for bare JSON). */
  byteLength: number;
}

/** `J` + 7 digits. */
export const J_FRAME_HEADER_BYTES = 8;
/** The largest payload 7 digits can express; a peer sending more would need an 8-digit header. */
export const MAX_J_FRAME_PAYLOAD_BYTES = 9_999_999;
/** Default limit on one incoming message (1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;
/** Default limit on bracket nesting of bare JSON on the stream. */
export const DEFAULT_MAX_BARE_JSON_DEPTH = 256;

const J = 0x4a;

/**
 * Frames one JSON text for sending on TCP.
 *
 * - `json-framed`: `J` + exactly 7 digits of the UTF-8 byte length + the bytes. Refuses (FramingError
 *   `UCS_ERR_FRAMING_TOO_LARGE`) a payload of 10^7 bytes or more, which would need an 8-digit header.
 * - `json-bare`: the UTF-8 bytes as they are; the text must start with `{` or `[` (the peer detects
 *   bare JSON by that first byte), else TypeError.
 */
export function encodeFrame(json: string, encoding: FrameEncoding): Buffer {
  if (typeof json !== 'string') throw new TypeError('encodeFrame(): json must be a string');
  const body = Buffer.from(json, 'utf8');
  if (encoding === 'json-framed') {
    if (body.length > MAX_J_FRAME_PAYLOAD_BYTES) {
      throw new FramingError(
        CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
        `J-frame payload of ${body.length} bytes needs more than 7 length digits (max ${MAX_J_FRAME_PAYLOAD_BYTES})`,
        -1,
      );
    }
    const frame = Buffer.allocUnsafe(J_FRAME_HEADER_BYTES + body.length);
    frame[0] = J;
    frame.write(String(body.length).padStart(7, '0'), 1, 'latin1');
    body.copy(frame, J_FRAME_HEADER_BYTES);
    return frame;
  }
  if (encoding === 'json-bare') {
    if (json[0] !== '{' && json[0] !== '[') {
      throw new TypeError(`encodeFrame(): bare JSON must start with '{' or '[' (got ${JSON.stringify(json.slice(0, 1))})`);
    }
    return body;
  }
  throw new TypeError(`encodeFrame(): unknown encoding ${JSON.stringify(encoding)}`);
}
