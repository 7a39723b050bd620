// Error catalogue of the pbx-adapter. Every condition a caller (the cti-gateway over the bus, or a SIP
// peer) may see is a UcsError subclass with a stable code listed here; it crosses the bus as data
// (`BusRemoteError.remoteCode`). The SIP stack's own errors live in sip/errors.ts (UCS_ERR_SIP_*). Each
// class states its code once, as `static readonly code`, and hands that to UcsError.
import { UcsError, type ErrorCatalogue } from '@ucserver/shared';

export const PbxAdapterErrorCodes = {
  /** A command names a call this adapter does not carry (ended, or never existed). */
  UCS_ERR_PBX_CALL_NOT_FOUND: 'UCS_ERR_PBX_CALL_NOT_FOUND',
  /** makeCall with a callId already in use. */
  UCS_ERR_PBX_CALL_EXISTS: 'UCS_ERR_PBX_CALL_EXISTS',
  /** The command does not fit the call's state (answer on an outgoing call, hold before connect, ...). */
  UCS_ERR_PBX_CALL_STATE: 'UCS_ERR_PBX_CALL_STATE',
  /** The line is unknown to the adapter (not in lines.list). */
  UCS_ERR_PBX_LINE_NOT_FOUND: 'UCS_ERR_PBX_LINE_NOT_FOUND',
  /** The line is disabled; it neither registers nor places calls. */
  UCS_ERR_PBX_LINE_DISABLED: 'UCS_ERR_PBX_LINE_DISABLED',
  /** The line's SIP transport (udp/tcp/tls) is not among SIP_TRANSPORTS. */
  UCS_ERR_PBX_TRANSPORT_UNAVAILABLE: 'UCS_ERR_PBX_TRANSPORT_UNAVAILABLE',
  /** The call target or a line's registrar / AOR cannot be turned into a SIP URI. */
  UCS_ERR_PBX_INVALID_ADDRESS: 'UCS_ERR_PBX_INVALID_ADDRESS',
  /** The adapter carries its maximum number of calls. */
  UCS_ERR_PBX_CAPACITY: 'UCS_ERR_PBX_CAPACITY',
  /** A SIP request of a command (re-INVITE, INFO, REFER) failed; the status is data on the error. */
  UCS_ERR_PBX_SIP_FAILED: 'UCS_ERR_PBX_SIP_FAILED',
  /** The media node refused or failed a command for the call. */
  UCS_ERR_PBX_MEDIA_FAILED: 'UCS_ERR_PBX_MEDIA_FAILED',
  /** The adapter is shutting down (or the object was closed). */
  UCS_ERR_PBX_CLOSED: 'UCS_ERR_PBX_CLOSED',
} as const;
export type PbxAdapterErrorCode = (typeof PbxAdapterErrorCodes)[keyof typeof PbxAdapterErrorCodes];

export class CallNotFoundError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_CALL_NOT_FOUND;
  constructor(callId: string) {
    super(CallNotFoundError.code, `no such call [callId:${callId}]`);
  }
}

export class CallExistsError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_CALL_EXISTS;
  constructor(callId: string) {
    super(CallExistsError.code, `a call with this id exists already [callId:${callId}]`);
  }
}

export class CallStateError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_CALL_STATE;
  constructor(message: string) {
    super(CallStateError.code, message);
  }
}

export class LineNotFoundError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_LINE_NOT_FOUND;
  constructor(lineId: string) {
    super(LineNotFoundError.code, `unknown line [lineId:${lineId}]`);
  }
}

export class LineDisabledError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_LINE_DISABLED;
  constructor(lineId: string) {
    super(LineDisabledError.code, `line is disabled [lineId:${lineId}]`);
  }
}

export class TransportUnavailableError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_TRANSPORT_UNAVAILABLE;
  constructor(transport: string, context: string) {
    super(TransportUnavailableError.code, `SIP transport '${transport}' is not enabled in SIP_TRANSPORTS [${context}]`);
  }
}

export class InvalidAddressError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_INVALID_ADDRESS;
  constructor(message: string, options?: { cause?: unknown }) {
    super(InvalidAddressError.code, message, options);
  }
}

export class CapacityError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_CAPACITY;
  constructor(limit: number) {
    super(CapacityError.code, `the adapter carries its maximum of ${limit} calls`);
  }
}

/** A SIP request failed; `status` is the final status (408 for a transaction timeout, 503 for a transport error). */
export class SipRequestFailedError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_SIP_FAILED;
  readonly status: number;
  readonly reason: string;
  constructor(method: string, status: number, reason: string, context: string, options?: { cause?: unknown }) {
    super(SipRequestFailedError.code, `${method} failed: ${status} ${reason} [${context}]`, options);
    this.status = status;
    this.reason = reason;
  }
}

/** A media command failed; `remoteCode` is the media node's code (MediaErrorCodes) when it answered. */
export class MediaFailedError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_MEDIA_FAILED;
  readonly remoteCode: string | undefined;
  constructor(message: string, remoteCode: string | undefined, options?: { cause?: unknown }) {
    super(MediaFailedError.code, message, options);
    this.remoteCode = remoteCode;
  }
}

export class AdapterClosedError extends UcsError {
  static readonly code = PbxAdapterErrorCodes.UCS_ERR_PBX_CLOSED;
  constructor(message: string) {
    super(AdapterClosedError.code, message);
  }
}

/** Every class of the catalogue, for `instanceof` checks and the catalogue test. */
export const errors = {
  CallNotFoundError,
  CallExistsError,
  CallStateError,
  LineNotFoundError,
  LineDisabledError,
  TransportUnavailableError,
  InvalidAddressError,
  CapacityError,
  SipRequestFailedError,
  MediaFailedError,
  AdapterClosedError,
} as const;

/** The pbx-adapter's catalogue (the SIP stack's is `sipErrorCatalogue`, in sip/errors.ts). */
export const pbxAdapterErrorCatalogue: ErrorCatalogue = { codes: PbxAdapterErrorCodes, classes: Object.values(errors) };
