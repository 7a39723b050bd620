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
  /** The right password of a disabled user (HTTP 403, ENetUC logon error 129). */
  UCS_ERR_GW_ACCOUNT_DISABLED: 'UCS_ERR_GW_ACCOUNT_DISABLED',
  /** Authenticated, but not allowed (HTTP 403). */
  UCS_ERR_GW_FORBIDDEN: 'UCS_ERR_GW_FORBIDDEN',
  /** An HTTP request fastify refused before a route ran (unsupported media type, body too large, …). */
  UCS_ERR_GW_HTTP: 'UCS_ERR_GW_HTTP',
  /** An ENetUC operation ran and failed: answered as a ROSE error with its iErrorDetail. */
  UCS_ERR_GW_REQUEST: 'UCS_ERR_GW_REQUEST',
  /** asnCtiPickupCall: the picker shares no pickup group with the ringing line (AsnCtiErrorEnum accessdenied). */
  UCS_ERR_GW_PICKUP_DENIED: 'UCS_ERR_GW_PICKUP_DENIED',
  /**
   * asnCtiConference: the two calls' media are on different media nodes; a conference mixes on one node
   * (AsnCtiErrorEnum generalerror on the wire).
   */
  UCS_ERR_GW_CONFERENCE_SPLIT: 'UCS_ERR_GW_CONFERENCE_SPLIT',
  /** A media node refused a command, or none answered. */
  UCS_ERR_GW_MEDIA_FAILED: 'UCS_ERR_GW_MEDIA_FAILED',
  /** The pbx-adapter refused a command, or none answered. */
  UCS_ERR_GW_PBX_FAILED: 'UCS_ERR_GW_PBX_FAILED',
  /** A call-stream event cannot be written to the journal yet (its row is missing or being created); redelivered. */
  UCS_ERR_GW_JOURNAL_RETRY: 'UCS_ERR_GW_JOURNAL_RETRY',
  /** The gateway cannot do it now: it is not connected to the bus (HTTP 503). */
  UCS_ERR_GW_UNAVAILABLE: 'UCS_ERR_GW_UNAVAILABLE',
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

/**
 * Base of the gateway's errors (not of the codec's, codec/errors.ts): an instance's code is its class's
 * `static readonly code`, stated once, so the two cannot disagree.
 */
export abstract class GatewayError extends UcsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super((new.target as unknown as { readonly code: string }).code, message, options);
  }
}

export class NotFoundError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_NOT_FOUND;
  constructor(what: string, key: string) {
    super(`${what} '${key}' not found`);
  }
}

export class ConflictError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_CONFLICT;
}

export class ValidationError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_INVALID;
}

/** Wrong user name, password or token. Never says which. */
export class AuthenticationError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_AUTH_FAILED;
  constructor(message = 'unknown user or wrong password') {
    super(message);
  }
}

export class LockedOutError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_LOCKED_OUT;
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(`too many failed logins, retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The credentials were right, but an administrator disabled the account. */
export class AccountDisabledError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_ACCOUNT_DISABLED;
  constructor(login: string) {
    super(`the account '${login}' is disabled`);
  }
}

export class ForbiddenError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_FORBIDDEN;
}

/** The gateway cannot serve the request now (it has no bus); retry later. */
export class UnavailableError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_UNAVAILABLE;
}

/** fastify refused a request before its route ran; `statusCode` is fastify's (4xx). */
export class HttpError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_HTTP;
  readonly statusCode: number;
  constructor(statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

/**
 * A command to another service over the bus failed: refused by its handler (`remoteCode` is the
 * handler's error code) or not delivered (no responder, timeout: `remoteCode` undefined). `reason` is
 * what a client may hear: the handler's code and words, or why nothing answered, never our bus subjects
 * (they mean nothing to a client and would show the deployment's prefix).
 */
export abstract class BusCommandError extends GatewayError {
  readonly verb: string;
  readonly remoteCode: string | undefined;
  readonly reason: string;
  constructor(service: string, verb: string, context: string, cause: unknown) {
    const remoteCode = cause instanceof BusRemoteError ? cause.remoteCode : undefined;
    const reason = cause instanceof BusRemoteError
      ? `${cause.remoteCode}: ${cause.message.replace(/ \[subject:[^\]]*\]$/, '')}`
      : `${service} unavailable: ${(cause as Error).message}`;
    super(`${service} ${verb} failed: ${reason} [${context}]`, { cause });
    this.verb = verb;
    this.remoteCode = remoteCode;
    this.reason = reason;
  }
}

/** A media node command failed (e.g. remote code UCS_ERR_MEDIA_SDP_INVALID). */
export class MediaCommandError extends BusCommandError {
  static readonly code = C.UCS_ERR_GW_MEDIA_FAILED;
  constructor(verb: string, context: { callId?: string; nodeId: string }, cause: unknown) {
    super('media node', verb, context.callId === undefined ? `nodeId:${context.nodeId}` : `callId:${context.callId}, nodeId:${context.nodeId}`, cause);
  }
}

/** A pbx-adapter command failed (e.g. remote code UCS_ERR_PBX_CALL_STATE). */
export class PbxCommandError extends BusCommandError {
  static readonly code = C.UCS_ERR_GW_PBX_FAILED;
  constructor(verb: string, context: { callId: string }, cause: unknown) {
    super('PBX adapter', verb, `callId:${context.callId}`, cause);
  }
}

/** Not an error of the event: the journal cannot take it yet, and the stream delivers it again later. */
export class JournalRetryError extends GatewayError {
  static readonly code = C.UCS_ERR_GW_JOURNAL_RETRY;
}

/** The words a client hears about a failed bus command (its `reason`), or any other error's message. */
export function clientReasonOf(err: unknown): string {
  return err instanceof BusCommandError ? err.reason : (err as Error).message;
}
