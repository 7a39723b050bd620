import { GatewayError, GatewayErrorCodes, type GatewayErrorCode } from '../errors.ts';

/**
 * An operation ran and failed: answered as a ROSE `error` with AsnRequestError
 * `{ iErrorDetail, u8sErrorString }`. `iErrorDetail` is the operation's own error number
 * (e.g. AsnCtiErrorEnum 2 accessdenied, 3 invalidline; AsnLogonErrorEnum 101 for a bad password).
 */
export class CtiRequestError extends GatewayError {
  static readonly code: GatewayErrorCode = GatewayErrorCodes.UCS_ERR_GW_REQUEST;
  readonly iErrorDetail: number;
  constructor(iErrorDetail: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.iErrorDetail = iErrorDetail;
  }
}

/**
 * asnCtiPickupCall refused: the picker shares no pickup group with the line the call rings on
 * (AsnCtiErrorEnum accessdenied on the wire, its own code in the catalogue and the logs).
 */
export class PickupDeniedError extends CtiRequestError {
  static override readonly code: GatewayErrorCode = GatewayErrorCodes.UCS_ERR_GW_PICKUP_DENIED;
  constructor(message: string) {
    super(CtiError.accessdenied, message);
  }
}

/**
 * asnCtiConference refused: the calls' media are on two media nodes, and a conference mixes on one (the
 * calls go on as they were; AsnCtiErrorEnum generalerror on the wire, its own code in the catalogue).
 */
export class ConferenceSplitError extends CtiRequestError {
  static override readonly code: GatewayErrorCode = GatewayErrorCodes.UCS_ERR_GW_CONFERENCE_SPLIT;
  constructor(message: string) {
    super(CtiError.generalerror, message);
  }
}

/** AsnCtiErrorEnum: the numbers CTI operations use. */
export const CtiError = { generalerror: 1, accessdenied: 2, invalidline: 3 } as const;

/** AsnLogonErrorEnum values we use. */
export const LogonError = {
  internal: 100,
  invalidUser: 101,
  authMethodNotSupported: 106,
  missingRights: 110,
  tlsRequired: 114,
  accountLocked: 129,
  tokenExpired: 130,
  tooManyAttempts: 131,
} as const;
