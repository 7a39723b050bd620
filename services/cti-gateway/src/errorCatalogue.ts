// The cti-gateway's error catalogues: its own codes (errors.ts) and the codec's (codec/errors.ts), each
// with the classes that carry them. The house test walks them with every other package's catalogue.
import type { ErrorCatalogue } from '@ucserver/shared';
import { EnetucRejectError, EnetucRequestError, EnetucTimeoutError } from './client/errors.ts';
import { AdminApiError, AdminResponseError, AdminUnreachableError, UsageError } from './cli/errors.ts';
import {
  ArgumentError,
  CtiCodecErrorCodes,
  EncodingNotSupportedError,
  FramingError,
  RoseDecodeError,
  RoseEncodeError,
  UnknownOperationError,
} from './codec/errors.ts';
import {
  AuthenticationError,
  ConflictError,
  ForbiddenError,
  GatewayErrorCodes,
  HttpError,
  JournalRetryError,
  LockedOutError,
  MediaCommandError,
  NotFoundError,
  PbxCommandError,
  ValidationError,
} from './errors.ts';
import { CtiRequestError } from './session/CtiRequestError.ts';

export const gatewayErrorCatalogue: ErrorCatalogue = {
  codes: GatewayErrorCodes,
  classes: [
    NotFoundError,
    ConflictError,
    ValidationError,
    AuthenticationError,
    LockedOutError,
    ForbiddenError,
    HttpError,
    CtiRequestError,
    MediaCommandError,
    PbxCommandError,
    JournalRetryError,
    UsageError,
    AdminUnreachableError,
    AdminResponseError,
    AdminApiError,
    EnetucRequestError,
    EnetucRejectError,
    EnetucTimeoutError,
  ],
};

/**
 * A class that stands for a family of codes (the code names the broken rule) is listed once per code, so
 * each code still has exactly one class.
 */
function family(Class: { readonly name: string; readonly codes: readonly string[] }): Array<{ code: string; name: string }> {
  return Class.codes.map((code) => ({ code, name: Class.name }));
}

export const ctiCodecErrorCatalogue: ErrorCatalogue = {
  codes: CtiCodecErrorCodes,
  classes: [
    ...family(FramingError),
    EncodingNotSupportedError,
    ...family(RoseDecodeError),
    UnknownOperationError,
    ArgumentError,
    RoseEncodeError,
  ],
};
