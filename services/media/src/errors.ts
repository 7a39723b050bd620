// The media node's error catalogue: one class per condition, each with a stable code from the shared
// contract (`MediaErrorCodes`), so the code that crosses the bus is defined once for every caller.
import { MediaErrorCodes, UcsError } from '@ucserver/shared';

export { MediaErrorCodes };

/** Not parseable as SDP, or a required line is malformed. */
export class SdpInvalidError extends UcsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_SDP_INVALID, message, options);
  }
}

/** The SDP has no usable audio m-line. */
export class NoAudioError extends UcsError {
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_NO_AUDIO, message);
  }
}

/** No codec both sides support; the PBX side answers 488 Not Acceptable Here. */
export class NoCommonCodecError extends UcsError {
  /** The codecs the other side offered (rtpmap names), for the log. */
  readonly offered: string[];
  constructor(message: string, offered: string[]) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_NO_COMMON_CODEC, message);
    this.offered = offered;
  }
}

/** Missing or unusable DTLS fingerprint or setup role. */
export class DtlsInvalidError extends UcsError {
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_DTLS_INVALID, message);
  }
}

/** Missing ICE credentials. */
export class IceInvalidError extends UcsError {
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_ICE_INVALID, message);
  }
}

/** A malformed a=crypto line, an unusable key, or SRTP required and not agreed. */
export class CryptoInvalidError extends UcsError {
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_CRYPTO_INVALID, message);
  }
}

/** A trickled candidate is malformed or names an m-line the leg does not have. */
export class CandidateInvalidError extends UcsError {
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_CANDIDATE_INVALID, message);
  }
}

export class CallNotFoundError extends UcsError {
  constructor(callId: string, command: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_CALL_NOT_FOUND, `no such call on this node [callId:${callId}, command:${command}]`);
  }
}

/** The command does not fit the call's state. */
export class CallStateError extends UcsError {
  constructor(message: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_CALL_STATE, message);
  }
}

export class DrainingError extends UcsError {
  constructor(callId: string) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_DRAINING, `media node is draining and takes no new calls [callId:${callId}]`);
  }
}

export class NoWorkerError extends UcsError {
  constructor(message = 'no live mediasoup worker') {
    super(MediaErrorCodes.UCS_ERR_MEDIA_NO_WORKER, message);
  }
}

/** mediasoup refused to allocate something (port range exhausted, worker gone); `cause` says why. */
export class AllocationError extends UcsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_ALLOCATION_FAILED, message, options);
  }
}

/** The call failed or was closed while the command ran. */
export class CallFailedError extends UcsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(MediaErrorCodes.UCS_ERR_MEDIA_CALL_FAILED, message, options);
  }
}

/** Every error class of the catalogue, for `instanceof` checks and the catalogue test. */
export const mediaErrors = {
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
} as const;
