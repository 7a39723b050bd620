// Error catalogue of the SIP stack. Every condition an application may catch is a subclass of the
// abstract SipException (a UcsError), with a stable `code` (UCS_ERR_SIP_<WHAT>) stated once as the
// class's `static readonly code`, a `name` and an optional `cause`. A bug (wrong argument type, misuse of
// the API) is a plain TypeError instead.
import { UcsError, type ErrorCatalogue } from '@ucserver/shared';

/** Stable error codes, one per exception class. */
export const SipErrorCodes = {
  /** A malformed SIP message, URI or header value. */
  UCS_ERR_SIP_PARSE: 'UCS_ERR_SIP_PARSE',
  /** An operation the transaction's state does not allow. */
  UCS_ERR_SIP_TRANSACTION_STATE: 'UCS_ERR_SIP_TRANSACTION_STATE',
  /** The transaction layer is full. */
  UCS_ERR_SIP_TRANSACTION_LIMIT: 'UCS_ERR_SIP_TRANSACTION_LIMIT',
  /** A transport failed to send or receive. */
  UCS_ERR_SIP_TRANSPORT: 'UCS_ERR_SIP_TRANSPORT',
  /** A protocol timer expired. */
  UCS_ERR_SIP_TIMEOUT: 'UCS_ERR_SIP_TIMEOUT',
  /** A final SIP status, as data. */
  UCS_ERR_SIP_STATUS: 'UCS_ERR_SIP_STATUS',
  /** Use after close(). */
  UCS_ERR_SIP_INVALID_STATE: 'UCS_ERR_SIP_INVALID_STATE',
  /** Digest authentication cannot proceed. */
  UCS_ERR_SIP_DIGEST: 'UCS_ERR_SIP_DIGEST',
  /** A message does not fit its dialog. */
  UCS_ERR_SIP_DIALOG: 'UCS_ERR_SIP_DIALOG',
} as const;
export type SipErrorCode = (typeof SipErrorCodes)[keyof typeof SipErrorCodes];

/**
 * Base of every SIP exception: a condition an application may catch, as distinct from a bug. The code
 * passed to UcsError is the concrete class's `static readonly code`, so a subclass states it once.
 */
export abstract class SipException extends UcsError {
  declare readonly code: SipErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super((new.target as unknown as { readonly code: SipErrorCode }).code, message, options);
  }
}

/** Why a message could not be parsed; stable strings usable in metrics labels. */
export const SipParseErrorReason = {
  MessageTooLarge: 'message-too-large',
  TooManyHeaders: 'too-many-headers',
  Empty: 'empty',
  Incomplete: 'incomplete',
  BadStartLine: 'bad-start-line',
  BadVersion: 'bad-version',
  BadStatusCode: 'bad-status-code',
  BadHeader: 'bad-header',
  BadUri: 'bad-uri',
  MissingHeader: 'missing-header',
  DuplicateHeader: 'duplicate-header',
  BadContentLength: 'bad-content-length',
  MissingContentLength: 'missing-content-length',
  TruncatedBody: 'truncated-body',
  CSeqMismatch: 'cseq-mismatch',
  BufferOverflow: 'buffer-overflow',
  Malformed: 'malformed',
} as const;
export type SipParseErrorReason = (typeof SipParseErrorReason)[keyof typeof SipParseErrorReason];

/** A header line as found on the wire (name canonicalised, value unfolded). */
export interface RawHeaderField {
  name: string;
  value: string;
}

/**
 * What could be recovered from a malformed message: enough for the caller to answer a request with
 * 400 (see `createErrorResponse` in rejection.ts) or to drop a response.
 */
export interface PartialMessage {
  /** 'request' or 'response' once the start line was recognised. */
  type: 'request' | 'response' | undefined;
  /** Request method, when the request line could be read. */
  method: string | undefined;
  /** Every header line that could be split into name and value, in wire order. */
  headers: RawHeaderField[];
}

export interface SipParseErrorOptions {
  /** SIP status a UAS should answer with (400, 505, 513); undefined for responses (drop them). */
  status?: number | undefined;
  /** Header the problem was found in, canonical name. */
  header?: string | undefined;
  partial?: PartialMessage | undefined;
  cause?: unknown;
}

/** A malformed SIP message, URI or header value. */
export class SipParseError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_PARSE;
  readonly reason: SipParseErrorReason;
  /** Status a server should answer a request with; 400 unless the reason calls for another. */
  readonly status: number;
  readonly header: string | undefined;
  partial: PartialMessage | undefined;

  constructor(reason: SipParseErrorReason, message: string, options: SipParseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = options.status ?? 400;
    this.header = options.header;
    this.partial = options.partial;
  }
}

/** An operation is not allowed in the current state of a transaction (or an invalid transition). */
export class TransactionStateError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_TRANSACTION_STATE;
}

/** The transaction layer holds its configured maximum of transactions. */
export class TransactionLimitError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_TRANSACTION_LIMIT;
}

/** Sending or receiving on a transport failed (socket error, connection refused, closed). */
export class TransportError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_TRANSPORT;
}

/** A protocol timer expired without the awaited message (Timer B, F or H). */
export class SipTimeoutError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_TIMEOUT;
  readonly timer: string;

  constructor(timer: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.timer = timer;
  }
}

/** A final SIP status as data (drachtio's SipError(status, reason)). */
export class SipError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_STATUS;
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, options?: { cause?: unknown; context?: string }) {
    super(`${status} ${reason}${options?.context ? ` [${options.context}]` : ''}`, options);
    this.status = status;
    this.reason = reason;
  }
}

/** An object was used after close() (pending entries are rejected with it on close). */
export class InvalidStateError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_INVALID_STATE;
}

/** Digest authentication cannot proceed (unsupported algorithm or qop, no credentials, rejected). */
export class DigestError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_DIGEST;
}

/** A message cannot create or be applied to a dialog (missing tag, CSeq out of order, terminated). */
export class DialogError extends SipException {
  static readonly code = SipErrorCodes.UCS_ERR_SIP_DIALOG;
  /** Status a UAS should answer an offending in-dialog request with (e.g. 500 for a lower CSeq). */
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.status = options?.status;
  }
}

/** The SIP stack's catalogue: its codes and the class that carries each. */
export const sipErrorCatalogue: ErrorCatalogue = {
  codes: SipErrorCodes,
  classes: [SipParseError, TransactionStateError, TransactionLimitError, TransportError, SipTimeoutError, SipError, InvalidStateError, DigestError, DialogError],
};
