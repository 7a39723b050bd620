/**
 * The ROSE envelope in estos JSON (subset reference §2): decoding into typed messages and the low-level
 * envelope writers. The reply rules of the §2 table are inbound.ts.
 *
 * This module knows nothing about individual operations. `protocol/messages.ts` binds the codec to the
 * operation registry and adds the typed, schema-checked builders (`buildResult`, `buildError`,
 * `buildEvent`, `buildInvoke`).
 */
import { CtiCodecErrorCodes, RoseDecodeError, type RoseMessageKind } from './errors.ts';

/** The invokeID reserved for events (operations without RESULT); the receiver never answers it. */
export const EVENT_INVOKE_ID = 99999;

/** `GeneralProblem` codes of `RejectProblem`. */
export const GeneralProblem = {
  unrecognisedAPDU: 0,
  mistypedAPDU: 1,
  badlyStructuredAPDU: 2,
} as const;
export type GeneralProblem = (typeof GeneralProblem)[keyof typeof GeneralProblem];

/** `InvokeProblem` codes of `RejectProblem`. */
export const InvokeProblem = {
  duplicateInvocation: 0,
  unrecognisedOperation: 1,
  mistypedArgument: 2,
  resourceLimitation: 3,
  initiatorReleasing: 4,
  unrecognisedLinkedID: 5,
  linkedResponseUnexpected: 6,
  unexpectedChildOperation: 7,
  invalidSessionID: 8,
  authenticationIncomplete: 9,
  authenticationFailed: 10,
} as const;
export type InvokeProblem = (typeof InvokeProblem)[keyof typeof InvokeProblem];

/** `ReturnResultProblem` codes of `RejectProblem`. */
export const ReturnResultProblem = {
  unrecognisedInvocation: 0,
  resultResponseUnexpected: 1,
  mistypedResult: 2,
} as const;
export type ReturnResultProblem = (typeof ReturnResultProblem)[keyof typeof ReturnResultProblem];

/** `ReturnErrorProblem` codes of `RejectProblem`. */
export const ReturnErrorProblem = {
  unrecognisedInvocation: 0,
  errorResponseUnexpected: 1,
  unrecognisedError: 2,
  unexpectedError: 3,
  mistypedParameter: 4,
} as const;
export type ReturnErrorProblem = (typeof ReturnErrorProblem)[keyof typeof ReturnErrorProblem];

/** `RejectProblem` CHOICE: exactly one of the four members. */
export type RejectProblem =
  | { generalProblem: number }
  | { invokeProblem: number }
  | { returnResultProblem: number }
  | { returnErrorProblem: number };

/** A reject's problem plus the `details` text the C++ server sends with it. */
export interface RejectReason {
  readonly problem: RejectProblem;
  readonly details?: string;
}

/** The rejects of the §2 table, with the `details` strings the C++ server uses. */
export const RejectReasons = {
  /** Operation unknown or not implemented. */
  unrecognisedOperation: { problem: { invokeProblem: InvokeProblem.unrecognisedOperation }, details: 'unrecognisedOperation' },
  /** Other internal failure while starting the operation. */
  otherError: { problem: { invokeProblem: InvokeProblem.unrecognisedOperation }, details: 'otherError' },
  /** Argument undecodable, mandatory member missing or of the wrong JSON type. */
  mistypedArgument: { problem: { invokeProblem: InvokeProblem.mistypedArgument }, details: 'mistypedArgument' },
  /** No argument at all where the operation needs members. */
  argumentMissing: { problem: { invokeProblem: InvokeProblem.mistypedArgument }, details: 'argumentMissing' },
  /**
   * Operation known (in the registry), but this server has no handler for it. The C++ server answers
   * `resourceLimitation` here, which clients read as "server overloaded" and retry; we answer
   * `unrecognisedOperation`, the same as for an unknown id, so a client falls back at once (issue 12).
   */
  functionMissing: { problem: { invokeProblem: InvokeProblem.unrecognisedOperation }, details: 'unrecognisedOperation: functionMissing' },
  /** Bad `sessionID`. */
  invalidSessionID: { problem: { invokeProblem: InvokeProblem.invalidSessionID }, details: 'invalidSessionID' },
  authenticationFailed: { problem: { invokeProblem: InvokeProblem.authenticationFailed }, details: 'authenticationFailed' },
  temporaryLockedOut: { problem: { invokeProblem: InvokeProblem.authenticationFailed }, details: 'temporaryLockedOut' },
  lockedOut: { problem: { invokeProblem: InvokeProblem.authenticationFailed }, details: 'lockedOut' },
  serverBusy: { problem: { invokeProblem: InvokeProblem.authenticationFailed }, details: 'serverBusy' },
} as const satisfies Record<string, RejectReason>;

// ---------------------------------------------------------------------------------------------------
// Decoded (inbound) messages
// ---------------------------------------------------------------------------------------------------

/** A decoded `invoke`. `argument` is the raw ANY (not yet checked against the operation's schema). */
export interface RoseInvoke {
  readonly kind: 'invoke';
  invokeID: number;
  operationID: number;
  operationName?: string;
  sessionID?: string;
  /** ASN.1 `linked-ID`; unused by the subset. */
  linked_ID?: number;
  argument?: unknown;
}

/** A decoded `result`. `result` is the operation's result object (`result.result.result` on the wire). */
export interface RoseResult {
  readonly kind: 'result';
  invokeID: number;
  sessionID?: string;
  resultValue?: number;
  result?: unknown;
}

/** A decoded `error`. `error` is normally an AsnRequestError object. */
export interface RoseError {
  readonly kind: 'error';
  invokedID: number;
  /** Defaults to 0 when the peer omitted it. */
  error_value: number;
  sessionID?: string;
  error?: unknown;
}

/** A decoded `reject`. The nested `invokedID` CHOICE is flattened: `null` = `invokednull`. */
export interface RoseReject {
  readonly kind: 'reject';
  invokedID: number | null;
  sessionID?: string;
  reject?: RejectProblem;
  details?: string;
}

export type RoseMessage = RoseInvoke | RoseResult | RoseError | RoseReject;

// ---------------------------------------------------------------------------------------------------
// Wire (outbound) messages
// ---------------------------------------------------------------------------------------------------

/** A JSON object as sent in an ANY (argument, result, error), with `_type` first. */
export type AnyObject = Record<string, unknown>;

export interface RoseInvokeWire {
  invoke: { invokeID: number; operationID: number; operationName: string; argument: AnyObject; sessionID?: string };
}
export interface RoseResultWire {
  result: { invokeID: number; result: { resultValue: number; result: AnyObject }; sessionID?: string };
}
export interface RoseErrorWire {
  error: { invokedID: number; error_value: number; error: AnyObject; sessionID?: string };
}
export interface RoseRejectWire {
  reject: {
    invokedID: { invokedID: number } | { invokednull: null };
    reject?: RejectProblem;
    details?: string;
    sessionID?: string;
  };
}
export type RoseWireMessage = RoseInvokeWire | RoseResultWire | RoseErrorWire | RoseRejectWire;

/** Whom a reply goes to: the invoke's id (`null` → `invokednull`) and its `sessionID`, echoed if set. */
export interface ReplyTarget {
  invokeID: number | null;
  sessionID?: string | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const INTEGER_TEXT_RE = /^[+-]?\d{1,16}$/;

/** Envelope integers: numbers or numeric strings (C++ accepts both); undefined if neither. */
function readInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && INTEGER_TEXT_RE.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Optional string member: absent/null → undefined; a non-string → `false` (broken). */
function readOptionalString(v: unknown): string | undefined | false {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : false;
}

function envelopeError(details: string, messageKind: RoseMessageKind | null, invokeID: number | null = null): RoseDecodeError {
  return new RoseDecodeError(CtiCodecErrorCodes.UCS_ERR_ROSE_ENVELOPE_INVALID, details, { invokeID, messageKind });
}

function decodeInvoke(inv: unknown): RoseInvoke {
  if (!isObject(inv)) throw envelopeError('invoke is not an object', 'invoke');
  const invokeID = readInt(inv['invokeID']);
  if (invokeID === undefined) throw envelopeError('invoke.invokeID missing or not an integer', 'invoke');
  // §2: copy the id into the reject, or invokednull if it was 0
  const replyID = invokeID === 0 ? null : invokeID;
  const operationID = readInt(inv['operationID']);
  if (operationID === undefined) throw envelopeError('invoke.operationID missing or not an integer', 'invoke', replyID);
  const operationName = readOptionalString(inv['operationName']);
  if (operationName === false) throw envelopeError('invoke.operationName is not a string', 'invoke', replyID);
  const sessionID = readOptionalString(inv['sessionID']);
  if (sessionID === false) throw envelopeError('invoke.sessionID is not a string', 'invoke', replyID);
  const message: RoseInvoke = { kind: 'invoke', invokeID, operationID };
  if (operationName !== undefined) message.operationName = operationName;
  if (sessionID !== undefined) message.sessionID = sessionID;
  if (inv['linked_ID'] !== undefined && inv['linked_ID'] !== null) {
    const linked = readInt(inv['linked_ID']);
    if (linked === undefined) throw envelopeError('invoke.linked_ID is not an integer', 'invoke', replyID);
    message.linked_ID = linked;
  }
  if (inv['argument'] !== undefined && inv['argument'] !== null) message.argument = inv['argument'];
  return message;
}

function decodeResult(res: unknown): RoseResult {
  if (!isObject(res)) throw envelopeError('result is not an object', 'result');
  const invokeID = readInt(res['invokeID']);
  if (invokeID === undefined) throw envelopeError('result.invokeID missing or not an integer', 'result');
  const sessionID = readOptionalString(res['sessionID']);
  if (sessionID === false) throw envelopeError('result.sessionID is not a string', 'result');
  const message: RoseResult = { kind: 'result', invokeID };
  if (sessionID !== undefined) message.sessionID = sessionID;
  const seq = res['result'];
  if (seq !== undefined && seq !== null) {
    if (!isObject(seq)) throw envelopeError('result.result is not an object', 'result');
    const resultValue = readInt(seq['resultValue']);
    if (resultValue !== undefined) message.resultValue = resultValue;
    if (seq['result'] !== undefined && seq['result'] !== null) message.result = seq['result'];
  }
  return message;
}

function decodeError(err: unknown): RoseError {
  if (!isObject(err)) throw envelopeError('error is not an object', 'error');
  const invokedID = readInt(err['invokedID']);
  if (invokedID === undefined) throw envelopeError('error.invokedID missing or not an integer', 'error');
  const sessionID = readOptionalString(err['sessionID']);
  if (sessionID === false) throw envelopeError('error.sessionID is not a string', 'error');
  const rawValue = err['error_value'];
  const errorValue = rawValue === undefined || rawValue === null ? 0 : readInt(rawValue);
  if (errorValue === undefined) throw envelopeError('error.error_value is not an integer', 'error');
  const message: RoseError = { kind: 'error', invokedID, error_value: errorValue };
  if (sessionID !== undefined) message.sessionID = sessionID;
  if (err['error'] !== undefined && err['error'] !== null) message.error = err['error'];
  return message;
}

const PROBLEM_KEYS = ['generalProblem', 'invokeProblem', 'returnResultProblem', 'returnErrorProblem'] as const;

function decodeReject(rej: unknown): RoseReject {
  if (!isObject(rej)) throw envelopeError('reject is not an object', 'reject');
  let invokedID: number | null = null;
  const choice = rej['invokedID'];
  if (isObject(choice)) {
    if (choice['invokedID'] !== undefined && choice['invokedID'] !== null) {
      const id = readInt(choice['invokedID']);
      if (id === undefined) throw envelopeError('reject.invokedID.invokedID is not an integer', 'reject');
      invokedID = id;
    }
  } else if (choice !== undefined && choice !== null) {
    // lenient: a plain number instead of the nested CHOICE
    const id = readInt(choice);
    if (id === undefined) throw envelopeError('reject.invokedID is neither a CHOICE nor an integer', 'reject');
    invokedID = id;
  }
  const sessionID = readOptionalString(rej['sessionID']);
  if (sessionID === false) throw envelopeError('reject.sessionID is not a string', 'reject');
  const details = readOptionalString(rej['details']);
  if (details === false) throw envelopeError('reject.details is not a string', 'reject');
  const message: RoseReject = { kind: 'reject', invokedID };
  const problem = rej['reject'];
  if (isObject(problem)) {
    for (const key of PROBLEM_KEYS) {
      const code = readInt(problem[key]);
      if (code !== undefined) {
        message.reject = { [key]: code } as RejectProblem;
        break;
      }
    }
  }
  if (details !== undefined) message.details = details;
  if (sessionID !== undefined) message.sessionID = sessionID;
  return message;
}

/**
 * Decodes one ROSE message from JSON text (a J-frame / bare-JSON payload or a WebSocket text frame) or
 * from an already-parsed value. A one-element array `[ {...} ]` (WebSocket) is unwrapped. Members are
 * tested in the order invoke, result, error, reject; everything else (e.g. `"_type":"ROSEMessage"`) is
 * ignored.
 *
 * @throws RoseDecodeError `UCS_ERR_ROSE_JSON_INVALID` for unparseable text, `UCS_ERR_ROSE_ENVELOPE_INVALID`
 *   for a value that is not a well-formed envelope.
 */
export function decodeRose(input: unknown): RoseMessage {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      const details = cause instanceof Error ? cause.message : 'JSON parse error';
      throw new RoseDecodeError(CtiCodecErrorCodes.UCS_ERR_ROSE_JSON_INVALID, details, { cause });
    }
  }
  if (Array.isArray(value)) {
    if (value.length !== 1) {
      throw envelopeError(`expected one ROSE message, got an array of ${value.length}`, null);
    }
    value = value[0];
  }
  if (!isObject(value)) throw envelopeError('ROSE message is not a JSON object', null);
  if (value['invoke'] !== undefined && value['invoke'] !== null) return decodeInvoke(value['invoke']);
  if (value['result'] !== undefined && value['result'] !== null) return decodeResult(value['result']);
  if (value['error'] !== undefined && value['error'] !== null) return decodeError(value['error']);
  if (value['reject'] !== undefined && value['reject'] !== null) return decodeReject(value['reject']);
  throw envelopeError('ROSE message has none of invoke, result, error, reject', null);
}

// ---------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------

/** `{"invoke":{invokeID, operationID, operationName, argument[, sessionID]}}`. */
export function wrapInvoke(
  invokeID: number,
  operation: { readonly id: number; readonly name: string },
  argument: AnyObject,
  sessionID?: string,
): RoseInvokeWire {
  const invoke: RoseInvokeWire['invoke'] = { invokeID, operationID: operation.id, operationName: operation.name, argument };
  if (sessionID !== undefined) invoke.sessionID = sessionID;
  return { invoke };
}

/** `{"result":{invokeID, result:{resultValue:0, result}[, sessionID]}}`. */
export function wrapResult(to: { invokeID: number; sessionID?: string | undefined }, result: AnyObject): RoseResultWire {
  const body: RoseResultWire['result'] = { invokeID: to.invokeID, result: { resultValue: 0, result } };
  if (to.sessionID !== undefined) body.sessionID = to.sessionID;
  return { result: body };
}

/** `{"error":{invokedID, error_value, error[, sessionID]}}`. `error_value` defaults to 0 as the C++ server sends. */
export function wrapError(
  to: { invokeID: number; sessionID?: string | undefined },
  error: AnyObject,
  errorValue = 0,
): RoseErrorWire {
  const body: RoseErrorWire['error'] = { invokedID: to.invokeID, error_value: errorValue, error };
  if (to.sessionID !== undefined) body.sessionID = to.sessionID;
  return { error: body };
}

/**
 * `{"reject":{invokedID:{invokedID:n}|{invokednull:null}, reject:{…Problem:n}[, details][, sessionID]}}`.
 * `reason` is one of {@link RejectReasons} or any problem/details pair.
 */
export function buildReject(to: ReplyTarget, reason: RejectReason): RoseRejectWire {
  const body: RoseRejectWire['reject'] = {
    invokedID: to.invokeID === null ? { invokednull: null } : { invokedID: to.invokeID },
    reject: reason.problem,
  };
  if (reason.details !== undefined) body.details = reason.details;
  if (to.sessionID !== undefined) body.sessionID = to.sessionID;
  return { reject: body };
}

/** The transport a message is serialized for: bare object on TCP, one-element array on WebSocket (§1.3). */
export type RoseTransport = 'tcp' | 'websocket';

/** JSON text of a wire message: `{…}` for TCP (then framed with `encodeFrame`), `[{…}]` for WebSocket. */
export function serializeRose(message: RoseWireMessage, transport: RoseTransport): string {
  if (transport === 'tcp') return JSON.stringify(message);
  if (transport === 'websocket') return JSON.stringify([message]);
  throw new TypeError(`serializeRose(): unknown transport ${JSON.stringify(transport)}`);
}
