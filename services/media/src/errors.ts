// The media node's error catalogue: one class per condition, each with a stable code from the shared
// contract (`MediaErrorCodes`), so the code that crosses the bus is defined once for every caller.
// UCS_ERR_MEDIA_NO_NODE is placement's (NoMediaNodeError in @ucserver/shared, its `mediaWireCodes`).
import { MediaErrorCodes, UcsError, type ErrorCatalogue, type MediaErrorCode } from '@ucserver/shared';

export { MediaErrorCodes };

/**
 * Base of the catalogue's classes that take a message (and a cause): each states only its `code`. Not a
 * condition of its own, so it is not in the catalogue.
 */
export abstract class MediaError extends UcsError {
  declare static readonly code: MediaErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super((new.target as unknown as typeof MediaError).code, message, options);
  }
}

/** Not parseable as SDP, or a required line is malformed. */
export class SdpInvalidError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_SDP_INVALID;
}

/** The SDP has no usable audio m-line. */
export class NoAudioError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_NO_AUDIO;
}

/** No codec both sides support; the PBX side answers 488 Not Acceptable Here. */
export class NoCommonCodecError extends UcsError {
  static readonly code = MediaErrorCodes.UCS_ERR_MEDIA_NO_COMMON_CODEC;
  /** The codecs the other side offered (rtpmap names), for the log. */
  readonly offered: string[];
  constructor(message: string, offered: string[]) {
    super(NoCommonCodecError.code, message);
    this.offered = offered;
  }
}

/** Missing or unusable DTLS fingerprint or setup role. */
export class DtlsInvalidError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_DTLS_INVALID;
}

/** Missing ICE credentials. */
export class IceInvalidError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_ICE_INVALID;
}

/** A malformed a=crypto line, an unusable key, or SRTP required and not agreed. */
export class CryptoInvalidError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CRYPTO_INVALID;
}

/** A trickled candidate is malformed or names an m-line the leg does not have. */
export class CandidateInvalidError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CANDIDATE_INVALID;
}

export class CallNotFoundError extends UcsError {
  static readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CALL_NOT_FOUND;
  constructor(callId: string, command: string) {
    super(CallNotFoundError.code, `no such call on this node [callId:${callId}, command:${command}]`);
  }
}

/** The command does not fit the call's state. */
export class CallStateError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CALL_STATE;
}

export class DrainingError extends UcsError {
  static readonly code = MediaErrorCodes.UCS_ERR_MEDIA_DRAINING;
  constructor(callId: string) {
    super(DrainingError.code, `media node is draining and takes no new calls [callId:${callId}]`);
  }
}

export class NoWorkerError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_NO_WORKER;
  constructor(message = 'no live mediasoup worker') {
    super(message);
  }
}

/** mediasoup refused to allocate something (port range exhausted, worker gone); `cause` says why. */
export class AllocationError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_ALLOCATION_FAILED;
}

/** The call failed or was closed while the command ran. */
export class CallFailedError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CALL_FAILED;
}

/** A capture of the call is running already. */
export class CaptureRunningError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_RUNNING;
}

/** No running capture for the call, or no stored capture with the id. */
export class CaptureNotFoundError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_NOT_FOUND;
}

/** CAPTURE_MAX_CONCURRENT captures run already. */
export class CaptureTooManyError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_TOO_MANY;
}

/** The requested duration or size exceeds the node's limits. */
export class CaptureTooLargeError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_TOO_LARGE;
}

/** The capture file could not be created or written; only the capture stops. */
export class CaptureWriteError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CAPTURE_WRITE_FAILED;
}

/** conference.join: a call on Direct Media whose partner call is not on this node (nothing to mix it from here). */
export class ConferencePartnerError extends MediaError {
  static override readonly code = MediaErrorCodes.UCS_ERR_MEDIA_CONFERENCE_PARTNER;
}

/** The catalogue: every code the media node raises and its class (UCS_ERR_MEDIA_NO_NODE is shared's). */
export const mediaErrorCatalogue: ErrorCatalogue = {
  codes: MediaErrorCodes,
  classes: [
    SdpInvalidError,
    NoAudioError,
    NoCommonCodecError,
    DtlsInvalidError,
    IceInvalidError,
    CryptoInvalidError,
    CandidateInvalidError,
    CallNotFoundError,
    CallStateError,
    DrainingError,
    NoWorkerError,
    AllocationError,
    CallFailedError,
    CaptureRunningError,
    CaptureNotFoundError,
    CaptureTooManyError,
    CaptureTooLargeError,
    CaptureWriteError,
    ConferencePartnerError,
  ],
};
