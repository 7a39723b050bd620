/**
 * Public surface of the cti-gateway protocol codecs: pure, no I/O. Bytes → framed messages
 * (`FrameDecoder`), JSON text → ROSE messages (`decodeRose`, `decideInbound`), estos-JSON zod building
 * blocks, and the error catalogue. Operation schemas and the typed builders live in `../protocol/mod.ts`.
 */
export {
  ArgumentError,
  CtiCodecError,
  CtiCodecErrorCodes,
  ctiCodecErrorCatalogue,
  EncodingNotSupportedError,
  FramingError,
  RoseDecodeError,
  RoseEncodeError,
  UnknownOperationError,
} from './errors.ts';
export type { CtiCodecErrorCode, FramingErrorCode, RoseDecodeErrorCode, RoseMessageKind, SchemaIssue } from './errors.ts';

export {
  DEFAULT_MAX_BARE_JSON_DEPTH,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeFrame,
  J_FRAME_HEADER_BYTES,
  MAX_J_FRAME_PAYLOAD_BYTES,
} from './framing.ts';
export type { FramedMessage, FrameEncoding } from './framing.ts';
export { FrameDecoder } from './FrameDecoder.ts';
export type { FrameDecodeResult, FrameDecoderOptions } from './FrameDecoder.ts';

export {
  buildReject,
  decodeRose,
  EVENT_INVOKE_ID,
  GeneralProblem,
  InvokeProblem,
  RejectReasons,
  ReturnErrorProblem,
  ReturnResultProblem,
  serializeRose,
  wrapError,
  wrapInvoke,
  wrapResult,
} from './rose.ts';
export type {
  AnyObject,
  RejectProblem,
  RejectReason,
  ReplyTarget,
  RoseError,
  RoseErrorWire,
  RoseInvoke,
  RoseInvokeWire,
  RoseMessage,
  RoseReject,
  RoseRejectWire,
  RoseResult,
  RoseResultWire,
  RoseTransport,
  RoseWireMessage,
} from './rose.ts';
export { decideInbound, decodeOperationArgument } from './inbound.ts';
export type { ArgumentDecodeResult, DropReason, InboundDecision, OperationDescriptor, OperationDirection } from './inbound.ts';

export {
  asnBool,
  asnChoice,
  asnInt,
  asnNull,
  asnOctets,
  asnOptional,
  asnOptionalParams,
  asnSequence,
  asnString,
  asnStringList,
  asnTime,
  asnTypeNameOf,
  nulStringPath,
  schemaIssues,
} from './estosJson.ts';
export type { AsnOptionalParamValue } from './estosJson.ts';

export {
  asnTimeFromDate,
  asnTimeToDate,
  dateToVariantTime,
  isAsnTimeString,
  normaliseAsnTime,
  VARIANT_TIME_NO_TIME_BELOW,
  VARIANT_TIME_UNIX_EPOCH,
  variantTimeToDate,
} from './asnTime.ts';
export { decodeBase64, encodeBase64, isBase64 } from './base64.ts';
