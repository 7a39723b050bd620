// The admin CLI's errors (codes in the gateway's catalogue, ../errors.ts): what cli/admin.ts prints and
// which exit code it uses.
import { GatewayError, GatewayErrorCodes } from '../errors.ts';

/** A wrong command line: printed with the usage, exit code 2. */
export class UsageError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_USAGE;
}

/** The admin API answered with an HTTP error; `remoteCode` is the code in its error body, if any. */
export class AdminApiError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_HTTP;
  readonly status: number;
  readonly remoteCode: string | undefined;
  constructor(status: number, remoteCode: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.remoteCode = remoteCode;
  }
}

/** The admin API cannot be reached (refused, unresolvable, timed out). */
export class AdminUnreachableError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_UNREACHABLE;
}

/** The admin API answered, but not with JSON (a proxy's error page, another service on the port). */
export class AdminResponseError extends GatewayError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_BAD_RESPONSE;
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

