// The cti-gateway's error catalogues: its own codes (errors.ts) with the classes that carry them, and the
// codec's (kept with its classes in codec/errors.ts). The house test walks them with every other
// package's catalogue.
import type { ErrorCatalogue } from '@ucserver/shared';
import { EnetucRejectError, EnetucRequestError, EnetucTimeoutError } from './client/errors.ts';
import { AdminApiError, AdminResponseError, AdminUnreachableError, UsageError } from './cli/errors.ts';
import {
  AccountDisabledError,
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
  UnavailableError,
  ValidationError,
} from './errors.ts';
import { ConferenceSplitError, CtiRequestError, PickupDeniedError } from './session/CtiRequestError.ts';

export const gatewayErrorCatalogue: ErrorCatalogue = {
  codes: GatewayErrorCodes,
  classes: [
    NotFoundError,
    ConflictError,
    ValidationError,
    AuthenticationError,
    LockedOutError,
    AccountDisabledError,
    ForbiddenError,
    HttpError,
    UnavailableError,
    CtiRequestError,
    PickupDeniedError,
    ConferenceSplitError,
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

export { ctiCodecErrorCatalogue } from './codec/errors.ts';
