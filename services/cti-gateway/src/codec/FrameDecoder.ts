import {
  CtiCodecErrorCodes,
  EncodingNotSupportedError,
  FramingError,
  type FramingErrorCode,
} from './errors.ts';
import {
  DEFAULT_MAX_BARE_JSON_DEPTH,
  DEFAULT_MAX_MESSAGE_BYTES,
  J_FRAME_HEADER_BYTES,
  MAX_J_FRAME_PAYLOAD_BYTES,
  type FramedMessage,
} from './framing.ts';

export interface FrameDecoderOptions {
  /**
   * Largest accepted message in bytes (J-frame N, or the length of a bare JSON value). Default
   * {@link DEFAULT_MAX_MESSAGE_BYTES} (1 MiB); at most {@link MAX_J_FRAME_PAYLOAD_BYTES} (9,999,999).
   */
  maxMessageBytes?: number;
  /** Deepest bracket nesting accepted in bare JSON. Default {@link DEFAULT_MAX_BARE_JSON_DEPTH} (256). */
  maxBareJsonDepth?: number;
}

/** What one {@link FrameDecoder.push} produced. */
export interface FrameDecodeResult {
  /** Messages completed by this chunk, in stream order (also those completed before an error). */
  messages: FramedMessage[];
  /** Set when the stream broke; the decoder is then poisoned and the caller closes the connection. */
  error: FramingError | EncodingNotSupportedError | null;
}

const J = 0x4a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

type State = 'boundary' | 'header' | 'payload' | 'bare' | 'poisoned';

function isInterMessageWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/**
 * Streaming splitter for TCP 7222: feed it chunks of any size and split, get complete messages back.
 *
 * - **J-frames**: `J`, 7 ASCII digits N, N bytes. The payload buffer is allocated once N is known (after
 *   the limit check), so memory never exceeds the limit plus the 8 header bytes, and 1-byte chunks cost
 *   O(1) each.
 * - **Bare JSON** starting with `{`/`[`: delimited by a bracket/string-aware scanner (brackets inside
 *   strings and escaped quotes do not count). Closers must match openers. JSON validity itself is left
 *   to the ROSE layer (a well-delimited but invalid text yields a message and then a ROSE reject).
 * - **BER** (first byte 0xA1–0xA4): {@link EncodingNotSupportedError}.
 * - **Whitespace** (SP, HT, CR, LF) is skipped *between* messages only — never inside the J header. It is
 *   safe there: none of these bytes can start a message of any encoding, nothing is buffered for them, and
 *   peers commonly send a trailing LF after a frame or after bare JSON.
 * - Anything else, a non-digit in the length, a message over the limit, unbalanced brackets or invalid
 *   UTF-8 is a {@link FramingError}. After any error the decoder is **poisoned**: every later `push`
 *   returns the same error and no messages; the caller must close the connection.
 */
export class FrameDecoder {
  readonly #maxMessageBytes: number;
  readonly #maxDepth: number;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  #state: State = 'boundary';
  #error: FramingError | EncodingNotSupportedError | null = null;
  /** Bytes consumed since creation, for error messages. */
  #offset = 0;

  // J-frame state
  #header = Buffer.alloc(J_FRAME_HEADER_BYTES);
  #headerFill = 0;
  #payload: Buffer = Buffer.alloc(0);
  #payloadFill = 0;

  // bare JSON scanner state
  #bareChunks: Buffer[] = [];
  #bareLength = 0;
  #closers: number[] = [];
  #inString = false;
  #escaped = false;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(max) || max < 1 || max > MAX_J_FRAME_PAYLOAD_BYTES) {
      throw new TypeError(
        `FrameDecoder: maxMessageBytes must be an integer in 1..${MAX_J_FRAME_PAYLOAD_BYTES} (got ${String(max)})`,
      );
    }
    const depth = options.maxBareJsonDepth ?? DEFAULT_MAX_BARE_JSON_DEPTH;
    if (!Number.isInteger(depth) || depth < 1) {
      throw new TypeError(`FrameDecoder: maxBareJsonDepth must be a positive integer (got ${String(depth)})`);
    }
    this.#maxMessageBytes = max;
    this.#maxDepth = depth;
  }

  /** True after a framing error; the connection must be closed. */
  get poisoned(): boolean {
    return this.#state === 'poisoned';
  }

  /** The error that poisoned the decoder, if any. */
  get error(): FramingError | EncodingNotSupportedError | null {
    return this.#error;
  }

  /** Bytes held for an incomplete message (bounded by the limit plus the 8 header bytes). */
  get bufferedBytes(): number {
    switch (this.#state) {
      case 'header':
        return this.#headerFill;
      case 'payload':
        return J_FRAME_HEADER_BYTES + this.#payloadFill;
      case 'bare':
        return this.#bareLength;
      default:
        return 0;
    }
  }

  /** Feeds one chunk; returns the messages it completed and, if the stream broke, the error. */
  push(chunk: Uint8Array): FrameDecodeResult {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('FrameDecoder.push(): chunk must be a Buffer or Uint8Array');
    const messages: FramedMessage[] = [];
    if (this.#state === 'poisoned') return { messages, error: this.#error };
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < buf.length) {
      switch (this.#state) {
        case 'boundary': {
          const b = buf[i]!;
          if (isInterMessageWhitespace(b)) {
            i++;
            this.#offset++;
          } else if (b === J) {
            this.#header[0] = J;
            this.#headerFill = 1;
            this.#state = 'header';
            i++;
            this.#offset++;
          } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
            this.#state = 'bare';
            this.#bareChunks = [];
            this.#bareLength = 0;
            this.#closers = [];
            this.#inString = false;
            this.#escaped = false;
          } else if (b >= 0xa1 && b <= 0xa4) {
            return this.#poison(messages, new EncodingNotSupportedError(b, this.#offset));
          } else {
            return this.#fail(
              messages,
              CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_PREFIX,
              `unexpected first byte 0x${b.toString(16).padStart(2, '0')} (expected 'J', '{', '[')`,
            );
          }
          break;
        }
        case 'header': {
          while (i < buf.length && this.#headerFill < J_FRAME_HEADER_BYTES) {
            const b = buf[i]!;
            if (b < DIGIT_0 || b > DIGIT_9) {
              return this.#fail(
                messages,
                CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_LENGTH,
                `J-frame length byte ${this.#headerFill} is 0x${b.toString(16).padStart(2, '0')}, not an ASCII digit`,
              );
            }
            this.#header[this.#headerFill++] = b;
            i++;
            this.#offset++;
          }
          if (this.#headerFill === J_FRAME_HEADER_BYTES) {
            const n = Number(this.#header.toString('latin1', 1, J_FRAME_HEADER_BYTES));
            if (n > this.#maxMessageBytes) {
              return this.#fail(
                messages,
                CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
                `J-frame announces ${n} bytes, limit is ${this.#maxMessageBytes}`,
              );
            }
            this.#payload = Buffer.allocUnsafe(n);
            this.#payloadFill = 0;
            this.#state = 'payload';
            if (n === 0) {
              const err = this.#emit(messages, 'json-framed', this.#payload);
              if (err) return err;
            }
          }
          break;
        }
        case 'payload': {
          const take = Math.min(this.#payload.length - this.#payloadFill, buf.length - i);
          buf.copy(this.#payload, this.#payloadFill, i, i + take);
          this.#payloadFill += take;
          i += take;
          this.#offset += take;
          if (this.#payloadFill === this.#payload.length) {
            const err = this.#emit(messages, 'json-framed', this.#payload);
            if (err) return err;
          }
          break;
        }
        case 'bare': {
          const start = i;
          let end = -1;
          for (; i < buf.length; i++) {
            if (this.#bareLength + (i - start) + 1 > this.#maxMessageBytes) {
              this.#offset += i - start;
              return this.#fail(
                messages,
                CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
                `bare JSON message exceeds ${this.#maxMessageBytes} bytes without ending`,
              );
            }
            const b = buf[i]!;
            if (this.#inString) {
              if (this.#escaped) this.#escaped = false;
              else if (b === BACKSLASH) this.#escaped = true;
              else if (b === QUOTE) this.#inString = false;
              continue;
            }
            if (b === QUOTE) {
              this.#inString = true;
            } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
              if (this.#closers.length >= this.#maxDepth) {
                this.#offset += i - start;
                return this.#fail(
                  messages,
                  CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_DEEP,
                  `bare JSON nests deeper than ${this.#maxDepth} levels`,
                );
              }
              this.#closers.push(b === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
            } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
              if (this.#closers.pop() !== b) {
                this.#offset += i - start;
                return this.#fail(
                  messages,
                  CtiCodecErrorCodes.UCS_ERR_FRAMING_UNBALANCED,
                  `bare JSON closes with '${String.fromCharCode(b)}' where no matching bracket is open`,
                );
              }
              if (this.#closers.length === 0) {
                end = i + 1;
                break;
              }
            }
          }
          const stop = end === -1 ? buf.length : end;
          if (stop > start) {
            // copy: the caller may reuse its chunk buffer after push() returns
            this.#bareChunks.push(Buffer.from(buf.subarray(start, stop)));
            this.#bareLength += stop - start;
          }
          this.#offset += stop - start;
          i = stop;
          if (end !== -1) {
            const bytes = this.#bareChunks.length === 1 ? this.#bareChunks[0]! : Buffer.concat(this.#bareChunks, this.#bareLength);
            this.#bareChunks = [];
            const err = this.#emit(messages, 'json-bare', bytes);
            if (err) return err;
          }
          break;
        }
        default:
          return { messages, error: this.#error };
      }
    }
    return { messages, error: null };
  }

  /** Decodes a complete message and goes back to the boundary state; returns a result only on error. */
  #emit(messages: FramedMessage[], encoding: FramedMessage['encoding'], bytes: Buffer): FrameDecodeResult | undefined {
    let text: string;
    try {
      text = this.#utf8.decode(bytes);
    } catch (cause) {
      return this.#fail(
        messages,
        CtiCodecErrorCodes.UCS_ERR_FRAMING_INVALID_UTF8,
        `${encoding === 'json-framed' ? 'J-frame' : 'bare JSON'} message of ${bytes.length} bytes is not valid UTF-8`,
        cause,
      );
    }
    messages.push({ encoding, text, byteLength: bytes.length });
    this.#state = 'boundary';
    this.#payload = Buffer.alloc(0);
    this.#payloadFill = 0;
    this.#headerFill = 0;
    this.#bareLength = 0;
    return undefined;
  }

  #fail(messages: FramedMessage[], code: FramingErrorCode, message: string, cause?: unknown): FrameDecodeResult {
    return this.#poison(messages, new FramingError(code, message, this.#offset, cause === undefined ? undefined : { cause }));
  }

  #poison(messages: FramedMessage[], error: FramingError | EncodingNotSupportedError): FrameDecodeResult {
    this.#state = 'poisoned';
    this.#error = error;
    this.#payload = Buffer.alloc(0);
    this.#bareChunks = [];
    this.#bareLength = 0;
    this.#closers = [];
    return { messages, error };
  }
}
