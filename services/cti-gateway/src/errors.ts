// The cti-gateway's error catalogue: every code the gateway, its CLI and its ENetUC client raise, and the
// domain classes that carry them (the codec has its own, codec/errors.ts; errorCatalogue.ts lists both).
// A class states its code as `static readonly code`; callers branch with `instanceof`, never on the text.
import { BusRemoteError, UcsError } from '@ucserver/shared';

export const GatewayErrorCodes = {
  /** A user, line or journal entry named by a request does not exist (HTTP 404). */
  UCS_ERR_GW_NOT_FOUND: 'UCS_ERR_GW_NOT_FOUND',
  /** The record exists already (HTTP 409). */
  UCS_ERR_GW_CONFLICT: 'UCS_ERR_GW_CONFLICT',
  /** A request's values are invalid (HTTP 400). */
  UCS_ERR_GW_INVALID: 'UCS_ERR_GW_INVALID',
  /** Wrong user name, password or token (HTTP 401, ENetUC logon error). */
  UCS_ERR_GW_AUTH_FAILED: 'UCS_ERR_GW_AUTH_FAILED',
  /** Too many failed logins from one address or for one user (HTTP 429). */
  UCS_ERR_GW_LOCKED_OUT: 'UCS_ERR_GW_LOCKED_OUT',
  /** Authenticated, but not allowed (HTTP 403). */
  UCS_ERR_GW_FORBIDDEN: 'UCS_ERR_GW_FORBIDDEN',
  /** An HTTP request fastify refused before a route ran (unsupported media type, body too large, …). */
  UCS_ERR_GW_HTTP: 'UCS_ERR_GW_HTTP',
  /** An ENetUC operation ran and failed: answered as a ROSE error with its iErrorDetail. */
  UCS_ERR_GW_REQUEST: 'UCS_ERR_GW_REQUEST',
  /** A media node refused a command, or none answered. */
  UCS_ERR_GW_MEDIA_FAILED: 'UCS_ERR_GW_MEDIA_FAILED',
  /** The pbx-adapter refused a command, or none answered. */
  UCS_ERR_GW_PBX_FAILED: 'UCS_ERR_GW_PBX_FAILED',
  /** A call-stream event cannot be written to the journal yet (its row is missing or being created); redelivered. */
  UCS_ERR_GW_JOURNAL_RETRY: 'UCS_ERR_GW_JOURNAL_RETRY',
  /** Admin CLI: wrong command line (exit code 2). */
  UCS_ERR_CLI_USAGE: 'UCS_ERR_CLI_USAGE',
  /** Admin CLI: the admin API cannot be reached. */
  UCS_ERR_CLI_UNREACHABLE: 'UCS_ERR_CLI_UNREACHABLE',
  /** Admin CLI: the admin API answered something that is not JSON. */
  UCS_ERR_CLI_BAD_RESPONSE: 'UCS_ERR_CLI_BAD_RESPONSE',
  /** Admin CLI: the admin API answered with an HTTP error (its own code is `remoteCode`). */
  UCS_ERR_CLI_HTTP: 'UCS_ERR_CLI_HTTP',
  /** ENetUC client: the server answered an invoke with a ROSE error. */
  UCS_ERR_ENETUC_REQUEST: 'UCS_ERR_ENETUC_REQUEST',
  /** ENetUC client: the server rejected an invoke (ROSE reject). */
  UCS_ERR_ENETUC_REJECT: 'UCS_ERR_ENETUC_REJECT',
  /** ENetUC client: no answer or event within the time given. */
  UCS_ERR_ENETUC_TIMEOUT: 'UCS_ERR_ENETUC_TIMEOUT',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];

const C = GatewayErrorCodes;

export class NotFoundError extends UcsError {
  static readonly code = C.UCS_ERR_GW_NOT_FOUND;
  constructor(what: string, key: string) {
    super(C.UCS_ERR_GW_NOT_FOUND, `${what} '${key}' not found`);
  }
}

export class ConflictError extends UcsError {
  static readonly code = C.UCS_ERR_GW_CONFLICT;
  constructor(message: string) {
    super(C.UCS_ERR_GW_CONFLICT, message);
  }
}

export class ValidationError extends UcsError {
  static readonly code = C.UCS_ERR_GW_INVALID;
  constructor(message: string) {
    super(C.UCS_ERR_GW_INVALID, message);
  }
}

/** Wrong user name, password or token. Never says which. */
export class AuthenticationError extends UcsError {
  static readonly code = C.UCS_ERR_GW_AUTH_FAILED;
  constructor(message = 'unknown user or wrong password') {
    super(C.UCS_ERR_GW_AUTH_FAILED, message);
  }
}

export class LockedOutError extends UcsError {
  static readonly code = C.UCS_ERR_GW_LOCKED_OUT;
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(C.UCS_ERR_GW_LOCKED_OUT, `too many failed logins, retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
  }
}

export class ForbiddenError extends UcsError {
  static readonly code = C.UCS_ERR_GW_FORBIDDEN;
  constructor(message: string) {
    super(C.UCS_ERR_GW_FORBIDDEN, message);
  }
}

/** fastify refused a request before its route ran; `statusCode` is fastify's (4xx). */
export class HttpError extends UcsError {
  static readonly code = C.UCS_ERR_GW_HTTP;
  readonly statusCode: number;
  constructor(statusCode: number, message: string, options?: { cause?: unknown }) {
    super(C.UCS_ERR_GW_HTTP, message, options);
    this.statusCode = statusCode;
  }
}

/**
 * What a failed bus command tells a client: the remote handler's code and words, or why nothing answered.
 * Never our bus subjects (they mean nothing to a client and would leak the deployment's prefix).
 */
function failureReason(cause: unknown, unreachable: string): { reason: string; remoteCode: string | undefined } {
  if (cause instanceof BusRemoteError) {
    return { reason: `${cause.remoteCode}: ${cause.message.replace(/ \[subject:[^\]]*\]$/, '')}`, remoteCode: cause.remoteCode };
  }
  return { reason: `${unreachable}: ${(cause as Error).message}`, remoteCode: undefined };
}

/**
 * A media node command failed. `remoteCode` is the node's error code (e.g. UCS_ERR_MEDIA_SDP_INVALID)
 * when the node refused it, undefined when no node answered; `reason` is the text for a client.
 */
export class MediaCommandError extends UcsError {
  static readonly code = C.UCS_ERR_GW_MEDIA_FAILED;
  readonly verb: string;
  readonly remoteCode: string | undefined;
  readonly reason: string;
  constructor(verb: string, context: { callId: string; nodeId: string }, cause: unknown) {
    const { reason, remoteCode } = failureReason(cause, 'media node unavailable');
    super(C.UCS_ERR_GW_MEDIA_FAILED, `media ${verb} failed: ${reason} [callId:${context.callId}, nodeId:${context.nodeId}]`, { cause });
    this.verb = verb;
    this.remoteCode = remoteCode;
    this.reason = reason;
  }
}

/**
 * A pbx-adapter command failed. `remoteCode` is the adapter's error code (e.g. UCS_ERR_PBX_CALL_STATE)
 * when it refused, undefined when no adapter answered; `reason` is the text for a client.
 */
export class PbxCommandError extends UcsError {
  static readonly code = C.UCS_ERR_GW_PBX_FAILED;
  readonly verb: string;
  readonly remoteCode: string | undefined;
  readonly reason: string;
  constructor(verb: string, context: { callId: string }, cause: unknown) {
    const { reason, remoteCode } = failureReason(cause, 'PBX adapter unavailable');
    super(C.UCS_ERR_GW_PBX_FAILED, `pbx ${verb} failed: ${reason} [callId:${context.callId}]`, { cause });
    this.verb = verb;
    this.remoteCode = remoteCode;
    this.reason = reason;
  }
}

/** Not an error of the event: the journal cannot take it yet, and the stream delivers it again later. */
export class JournalRetryError extends UcsError {
  static readonly code = C.UCS_ERR_GW_JOURNAL_RETRY;
  constructor(message: string) {
    super(C.UCS_ERR_GW_JOURNAL_RETRY, message);
  }
}

/** The words a client hears about a failed bus command (its `reason`), or any other error's message. */
export function clientReasonOf(err: unknown): string {
  return err instanceof MediaCommandError || err instanceof PbxCommandError ? err.reason : (err as Error).message;
}
