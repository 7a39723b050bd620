// The shared kernel's error catalogue (the wire codes of the media node, MediaErrorCodes, live in
// bus/media.ts because they cross the bus; their classes are the media service's, but for placement's).
import { MediaErrorCodes } from './bus/media.ts';
import { NoMediaNodeError } from './bus/MediaPlacement.ts';
import {
  BusClosedError,
  BusNoRespondersError,
  BusPayloadError,
  BusPermissionError,
  BusRemoteError,
  BusTimeoutError,
  ConfigError,
  InternalError,
  InvalidStateError,
  MigrationError,
  SealedSecretError,
  SharedErrorCodes,
  type ErrorCatalogue,
} from './errors.ts';

export const sharedErrorCatalogue: ErrorCatalogue = {
  codes: SharedErrorCodes,
  classes: [ConfigError, InvalidStateError, BusPayloadError, BusTimeoutError, BusNoRespondersError, BusClosedError, BusRemoteError, BusPermissionError, SealedSecretError, MigrationError, InternalError],
};

/** The media node's wire codes; the classes are in services/media (mediaErrorCatalogue) and here. */
export const mediaWireCodes: ErrorCatalogue = { codes: MediaErrorCodes, classes: [NoMediaNodeError] };
