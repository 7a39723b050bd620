// The ENetUC client's errors (codes in the gateway's catalogue, ../errors.ts).
import { GatewayError, GatewayErrorCodes } from '../errors.ts';

/** The server answered an invoke with a ROSE error (AsnRequestError). */
export class EnetucRequestError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_ENETUC_REQUEST;
  readonly iErrorDetail: number;
  constructor(op: string, iErrorDetail: number, text: string) {
    super(`${op} failed: ${text} [iErrorDetail:${iErrorDetail}]`);
    this.iErrorDetail = iErrorDetail;
  }
}

/** The server rejected an invoke (ROSE reject). */
export class EnetucRejectError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_ENETUC_REJECT;
  readonly problem: Record<string, number> | undefined;
  readonly details: string | undefined;
  constructor(op: string, problem: Record<string, number> | undefined, details: string | undefined) {
    super(`${op} rejected: ${details ?? JSON.stringify(problem)}`);
    this.problem = problem;
    this.details = details;
  }
}

/** No answer to an invoke, or no awaited event or close, within the time given. */
export class EnetucTimeoutError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_ENETUC_TIMEOUT;
}
