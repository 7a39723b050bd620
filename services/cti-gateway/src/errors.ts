import { UcsError } from '@ucserver/shared';

/** The cti-gateway's domain error catalogue (the codec has its own in codec/errors.ts). */
export const GatewayErrorCodes = {
  UCS_ERR_GW_NOT_FOUND: 'UCS_ERR_GW_NOT_FOUND',
  UCS_ERR_GW_CONFLICT: 'UCS_ERR_GW_CONFLICT',
  UCS_ERR_GW_INVALID: 'UCS_ERR_GW_INVALID',
  UCS_ERR_GW_AUTH_FAILED: 'UCS_ERR_GW_AUTH_FAILED',
  UCS_ERR_GW_LOCKED_OUT: 'UCS_ERR_GW_LOCKED_OUT',
  UCS_ERR_GW_FORBIDDEN: 'UCS_ERR_GW_FORBIDDEN',
  UCS_ERR_GW_CALL_FAILED: 'UCS_ERR_GW_CALL_FAILED',
} as const;

export class NotFoundError extends UcsError {
  constructor(what: string, key: string) {
    super(GatewayErrorCodes.UCS_ERR_GW_NOT_FOUND, `${what} '${key}' not found`);
  }
}

export class ConflictError extends UcsError {
  constructor(message: string) {
    super(GatewayErrorCodes.UCS_ERR_GW_CONFLICT, message);
  }
}

export class ValidationError extends UcsError {
  constructor(message: string) {
    super(GatewayErrorCodes.UCS_ERR_GW_INVALID, message);
  }
}

/** Wrong user name, password or token. Never says which. */
export class AuthenticationError extends UcsError {
  constructor(message = 'unknown user or wrong password') {
    super(GatewayErrorCodes.UCS_ERR_GW_AUTH_FAILED, message);
  }
}

export class LockedOutError extends UcsError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(GatewayErrorCodes.UCS_ERR_GW_LOCKED_OUT, `too many failed logins, retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
  }
}

export class ForbiddenError extends UcsError {
  constructor(message: string) {
    super(GatewayErrorCodes.UCS_ERR_GW_FORBIDDEN, message);
  }
}

export class CallFailedError extends UcsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCodes.UCS_ERR_GW_CALL_FAILED, message, options);
  }
}
