// The admin CLI's errors (codes in the gateway's catalogue, ../errors.ts): what cli/admin.ts prints and
// which exit code it uses.
import { UcsError } from '@ucserver/shared';
import { GatewayErrorCodes } from '../errors.ts';

/** A wrong command line: printed with the usage, exit code 2. */
export class UsageError extends UcsError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_USAGE;
  constructor(message: string) {
    super(GatewayErrorCodes.UCS_ERR_CLI_USAGE, message);
  }
}

/** The admin API answered with an HTTP error; `remoteCode` is the code in its error body, if any. */
export class AdminApiError extends UcsError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_HTTP;
  readonly status: number;
  readonly remoteCode: string | undefined;
  constructor(status: number, remoteCode: string | undefined, message: string) {
    super(GatewayErrorCodes.UCS_ERR_CLI_HTTP, message);
    this.status = status;
    this.remoteCode = remoteCode;
  }
}

/** The admin API cannot be reached (refused, unresolvable, timed out). */
export class AdminUnreachableError extends UcsError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_UNREACHABLE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCodes.UCS_ERR_CLI_UNREACHABLE, message, options);
  }
}

/** The admin API answered, but not with JSON (a proxy's error page, another service on the port). */
export class AdminResponseError extends UcsError {
  static readonly code = GatewayErrorCodes.UCS_ERR_CLI_BAD_RESPONSE;
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCodes.UCS_ERR_CLI_BAD_RESPONSE, message, options);
    this.status = status;
  }
}

