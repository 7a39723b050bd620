import { excerpt, UcsError, type ErrorCatalogue } from '@ucserver/shared';

/**
 * Error catalogue of the cti-gateway protocol layer (framing, ROSE envelope, estos JSON, operation schemas).
 *
 * Every error has a stable `code` (`UCS_ERR_<AREA>_<WHAT>`) so callers branch on the code, never on the
 * message. Conditions caused by untrusted input (a client's bytes) are *returned* by the pure decoders as
 * data wherever practical; `TypeError` is reserved for callers misusing the API.
 */
export const CtiCodecErrorCodes = {
  /** The first byte of a message on TCP 7222 is none of `J`, `{`, `[`, BER 0xA1–0xA4 or whitespace. */
  UCS_ERR_FRAMING_BAD_PREFIX: 'UCS_ERR_FRAMING_BAD_PREFIX',
  /** The 7 length bytes after `J` are not all ASCII digits. */
  UCS_ERR_FRAMING_BAD_LENGTH: 'UCS_ERR_FRAMING_BAD_LENGTH',
  /** A message is larger than the configured limit, or an outgoing J-frame would need ≥ 10^7 bytes. */
  UCS_ERR_FRAMING_TOO_LARGE: 'UCS_ERR_FRAMING_TOO_LARGE',
  /** A message's bytes are not valid UTF-8. */
  UCS_ERR_FRAMING_INVALID_UTF8: 'UCS_ERR_FRAMING_INVALID_UTF8',
  /** Bare JSON on the stream closes a bracket it never opened (`{]`, `}` at top level). */
  UCS_ERR_FRAMING_UNBALANCED: 'UCS_ERR_FRAMING_UNBALANCED',
  /** Bare JSON on the stream nests deeper than the configured limit. */
  UCS_ERR_FRAMING_TOO_DEEP: 'UCS_ERR_FRAMING_TOO_DEEP',
  /** A BER-encoded ROSE message (first byte 0xA1–0xA4); BER is out of scope. */
  UCS_ERR_FRAMING_ENCODING_NOT_SUPPORTED: 'UCS_ERR_FRAMING_ENCODING_NOT_SUPPORTED',
  /** The message text is not parseable JSON. */
  UCS_ERR_ROSE_JSON_INVALID: 'UCS_ERR_ROSE_JSON_INVALID',
  /** The JSON is not a well-formed ROSE envelope (missing/mistyped invokeID, operationID, …). */
  UCS_ERR_ROSE_ENVELOPE_INVALID: 'UCS_ERR_ROSE_ENVELOPE_INVALID',
  /** Neither the operationID nor the operationName of an invoke names an operation of the subset. */
  UCS_ERR_ROSE_OPERATION_UNKNOWN: 'UCS_ERR_ROSE_OPERATION_UNKNOWN',
  /** An invoke's argument is missing or does not match the operation's argument schema. */
  UCS_ERR_ROSE_ARGUMENT_INVALID: 'UCS_ERR_ROSE_ARGUMENT_INVALID',
  /** A value *we* are about to send does not match its schema (a bug on our side, never client input). */
  UCS_ERR_ROSE_ENCODE_INVALID: 'UCS_ERR_ROSE_ENCODE_INVALID',
} as const;
export type CtiCodecErrorCode = (typeof CtiCodecErrorCodes)[keyof typeof CtiCodecErrorCodes];

/** One schema violation, flattened from zod so that callers do not depend on zod's issue shape. */
export interface SchemaIssue {
  /** Dotted member path, e.g. `callinformation.bOutbound` or `seqLines.0.iType`; `""` for the value itself. */
  path: string;
  message: string;
}

/**
 * Base of every error in this catalogue. The leaf classes state their code as `static readonly code`;
 * FramingError and RoseDecodeError each stand for a family of codes (`static readonly codes`): the
 * code says which rule the input broke, the class what the caller does about it (close, or reject).
 */
export class CtiCodecError extends UcsError {
  declare readonly code: CtiCodecErrorCode;
  constructor(code: CtiCodecErrorCode, message: string, options?: { cause?: unknown }) {
    // only pass `cause` when there is one, so `'cause' in error` tells whether an error wraps another
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

const FRAMING_CODES = [
  CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_PREFIX,
  CtiCodecErrorCodes.UCS_ERR_FRAMING_BAD_LENGTH,
  CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_LARGE,
  CtiCodecErrorCodes.UCS_ERR_FRAMING_INVALID_UTF8,
  CtiCodecErrorCodes.UCS_ERR_FRAMING_UNBALANCED,
  CtiCodecErrorCodes.UCS_ERR_FRAMING_TOO_DEEP,
] as const;
export type FramingErrorCode = (typeof FRAMING_CODES)[number];

const ROSE_DECODE_CODES = [CtiCodecErrorCodes.UCS_ERR_ROSE_JSON_INVALID, CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID] as const;
export type RoseDecodeErrorCode = (typeof ROSE_DECODE_CODES)[number];

/**
 * The TCP byte stream cannot be split into messages. After it the stream is out of sync for good: the
 * decoder is poisoned and the caller closes the connection.
 */
export class FramingError extends CtiCodecError {
  static readonly codes = FRAMING_CODES;
  declare readonly code: FramingErrorCode;
  /** Stream offset (bytes since the decoder was created) of the offending byte; -1 when not on a stream. */
  readonly offset: number;
  constructor(code: FramingErrorCode, message: string, offset: number, options?: { cause?: unknown }) {
    super(code, offset >= 0 ? `${message} [offset:${offset}]` : message, options);
    this.offset = offset;
  }
}

/** The peer speaks BER (first byte 0xA1–0xA4). Recognised, but not supported; the caller closes. */
export class EncodingNotSupportedError extends CtiCodecError {
  static readonly code = CtiCodecErrorCodes.UCS_ERR_FRAMING_ENCODING_NOT_SUPPORTED;
  readonly firstByte: number;
  readonly offset: number;
  constructor(firstByte: number, offset: number) {
    super(
      CtiCodecErrorCodes.UCS_ERR_FRAMING_ENCODING_NOT_SUPPORTED,
      `BER-encoded ROSE message (first byte 0x${firstByte.toString(16).padStart(2, '0')}) is not supported, only estos JSON [offset:${offset}]`,
    );
    this.firstByte = firstByte;
    this.offset = offset;
  }
}

/** Which ROSE alternative a message was (`null` when not even that could be told). */
export type RoseMessageKind = 'invoke' | 'result' | 'error' | 'reject';

/**
 * A message could not be decoded as a ROSE envelope. `invokeID` is the id to copy into the reject
 * (`null` = reply with `invokednull`); `isEvent` is true when the id was 99999 (never reply);
 * `messageKind` says which alternative was broken (replies are only ever due for `invoke`/`null`);
 * `details` is the short text for the reject's `details` member (for unparseable JSON: the parser message).
 */
export class RoseDecodeError extends CtiCodecError {
  static readonly codes = ROSE_DECODE_CODES;
  declare readonly code: RoseDecodeErrorCode;
  readonly invokeID: number | null;
  readonly isEvent: boolean;
  readonly messageKind: RoseMessageKind | null;
  readonly details: string;
  constructor(
    code: RoseDecodeErrorCode,
    details: string,
    options: { invokeID?: number | null; messageKind?: RoseMessageKind | null; cause?: unknown } = {},
  ) {
    const invokeID = options.invokeID ?? null;
    super(code, invokeID === null ? details : `${details} [invokeID:${invokeID}]`, { cause: options.cause });
    this.invokeID = invokeID;
    this.isEvent = invokeID === 99999;
    this.messageKind = options.messageKind ?? null;
    this.details = details;
  }
}

/** Characters of a client-chosen name (operation, argument path) quoted in an error message. */
const NAME_EXCERPT = 100;
/** Schema issues quoted in an ArgumentError's message. */
const MAX_ISSUES = 5;

/** An invoke names an operation outside the subset. */
export class UnknownOperationError extends CtiCodecError {
  static readonly code = CtiCodecErrorCodes.UCS_ERR_ROSE_OPERATION_UNKNOWN;
  readonly operationID: number;
  readonly operationName: string | undefined;
  constructor(operationID: number, operationName: string | undefined, invokeID: number) {
    super(
      CtiCodecErrorCodes.UCS_ERR_ROSE_OPERATION_UNKNOWN,
      `unknown operation [operationID:${operationID}, operationName:${operationName === undefined ? '-' : excerpt(operationName, NAME_EXCERPT)}, invokeID:${invokeID}]`,
    );
    this.operationID = operationID;
    // a client's name for an operation can be any size; kept bounded, like everything quoted from input
    this.operationName = operationName === undefined ? undefined : excerpt(operationName, NAME_EXCERPT);
  }
}

/** An operation's argument is missing (`missing`) or violates the operation's schema (`issues`). */
export class ArgumentError extends CtiCodecError {
  static readonly code = CtiCodecErrorCodes.UCS_ERR_ROSE_ARGUMENT_INVALID;
  readonly operationName: string;
  readonly missing: boolean;
  readonly issues: readonly SchemaIssue[];
  constructor(operationName: string, issues: readonly SchemaIssue[], options?: { missing?: boolean; cause?: unknown }) {
    const missing = options?.missing ?? false;
    // paths can hold a client's own keys, of any size and number: bounded excerpts of the first few
    const listed = issues.slice(0, MAX_ISSUES).map((i) => `${excerpt(i.path, NAME_EXCERPT) || '(argument)'}: ${excerpt(i.message, NAME_EXCERPT)}`);
    if (issues.length > MAX_ISSUES) listed.push(`…(${issues.length - MAX_ISSUES} more)`);
    const summary = missing ? 'argument missing' : listed.join('; ');
    super(CtiCodecErrorCodes.UCS_ERR_ROSE_ARGUMENT_INVALID, `invalid argument for ${operationName}: ${summary}`, options);
    this.operationName = operationName;
    this.missing = missing;
    this.issues = issues;
  }
}

/** A value we were about to send does not match its schema. `typeName` is the ASN.1 type being encoded. */
export class RoseEncodeError extends CtiCodecError {
  static readonly code = CtiCodecErrorCodes.UCS_ERR_ROSE_ENCODE_INVALID;
  readonly typeName: string;
  readonly issues: readonly SchemaIssue[];
  constructor(typeName: string, issues: readonly SchemaIssue[], options?: { cause?: unknown }) {
    super(
      CtiCodecErrorCodes.UCS_ERR_ROSE_ENCODE_INVALID,
      `cannot encode ${typeName}: ` + issues.map((i) => `${i.path || '(value)'}: ${i.message}`).join('; '),
      options,
    );
    this.typeName = typeName;
    this.issues = issues;
  }
}

/**
 * A class that stands for a family of codes (the code names the broken rule) is listed once per code, so
 * each code still has exactly one class.
 */
function family(Class: { readonly name: string; readonly codes: readonly string[] }): Array<{ code: string; name: string }> {
  return Class.codes.map((code) => ({ code, name: Class.name }));
}

/** The codec's error catalogue: its codes and the classes that carry them. */
export const ctiCodecErrorCatalogue: ErrorCatalogue = {
  codes: CtiCodecErrorCodes,
  classes: [...family(FramingError), EncodingNotSupportedError, ...family(RoseDecodeError), UnknownOperationError, ArgumentError, RoseEncodeError],
};
