/**
 * What to do with one inbound message (subset reference §2, the reply table), as pure functions: decode
 * the ROSE envelope (rose.ts), find the operation with the lookup it is given ({@link
 * OperationDescriptor}), check the argument against the operation's schema, and decide: run it, process
 * an event, reject, or drop. `protocol/messages.ts` binds it to the operation registry.
 */
import type { z } from 'zod';
import { ArgumentError, RoseDecodeError, UnknownOperationError, type CtiCodecError } from './errors.ts';
import { nulStringPath, schemaIssues } from './estosJson.ts';
import {
  buildReject,
  decodeRose,
  EVENT_INVOKE_ID,
  InvokeProblem,
  RejectReasons,
  type ReplyTarget,
  type RoseError,
  type RoseInvoke,
  type RoseMessage,
  type RoseReject,
  type RoseRejectWire,
  type RoseResult,
} from './rose.ts';

/** Direction of an operation, seen from the server. */
export type OperationDirection = 'client-to-server' | 'server-to-client' | 'both';

/** The minimum the reply rules need to know about an operation. */
export interface OperationDescriptor {
  readonly id: number;
  readonly name: string;
  readonly kind: 'invoke' | 'event';
  readonly direction: OperationDirection;
  readonly argument: z.ZodType;
}

/** Why an inbound message gets no reply and no processing. */
export type DropReason =
  /** An event (invokeID 99999 or an event-kind operation) that could not be decoded; events are never answered. */
  | 'event-undecodable'
  /** An invoke with `operationID` 0 and no `operationName` (the C++ server drops these). */
  | 'no-operation'
  /** A client sent an event that only the server may send. */
  | 'unexpected-direction'
  /** A result/error/reject that could not be decoded (no reply is ever due for those). */
  | 'response-undecodable';

export type InboundDecision<D extends OperationDescriptor = OperationDescriptor> =
  /** Run the operation. Reply with a result, error or reject unless `replyExpected` is false (id 99999). */
  | { type: 'invoke'; invoke: RoseInvoke; operation: D; argument: unknown; replyExpected: boolean }
  /** Process the event; never reply. */
  | { type: 'event'; invoke: RoseInvoke; operation: D; argument: unknown }
  /** Send `reply`; `error` says why (for logs). */
  | { type: 'reject'; reply: RoseRejectWire; error: CtiCodecError; invoke?: RoseInvoke }
  /** A result/error/reject from the peer: match it to a pending invoke of ours, or log and ignore it. */
  | { type: 'response'; message: RoseResult | RoseError | RoseReject }
  /** Send nothing, process nothing; log `reason`/`error`. */
  | { type: 'drop'; reason: DropReason; error?: CtiCodecError; invoke?: RoseInvoke };

/** Result of checking an argument against an operation's schema. */
export type ArgumentDecodeResult = { ok: true; value: unknown } | { ok: false; error: ArgumentError };

/**
 * Decodes an invoke's raw argument with the operation's schema. A missing argument is tried as `{}`
 * (so operations whose argument is an empty SEQUENCE work without one); if that fails, the error is
 * flagged `missing` (reject details `argumentMissing`). `refuseNul`: a string holding U+0000 fails it too
 * (an invoke the client hears rejected; an event's handler answers its content itself, e.g. a re-offer's
 * SDP with a decline, which a silent drop would leave the client waiting for).
 */
export function decodeOperationArgument(operation: OperationDescriptor, raw: unknown, refuseNul = false): ArgumentDecodeResult {
  const missing = raw === undefined || raw === null;
  const parsed = operation.argument.safeParse(missing ? {} : raw);
  if (parsed.success) {
    const nul = refuseNul ? nulStringPath(parsed.data) : undefined;
    if (nul === undefined) return { ok: true, value: parsed.data };
    return { ok: false, error: new ArgumentError(operation.name, [{ path: nul, message: 'U+0000 (NUL) is not allowed in a string' }], { missing: false }) };
  }
  return { ok: false, error: new ArgumentError(operation.name, schemaIssues(parsed.error), { missing, cause: parsed.error }) };
}

/**
 * Applies the §2 reply table to one inbound message (JSON text or parsed value):
 *
 * | situation | decision |
 * |---|---|
 * | unparseable JSON | reject `invokednull`, invokeProblem 2, details = parser message |
 * | invoke envelope broken | reject with the invokeID copied (`invokednull` if missing or 0), invokeProblem 2 |
 * | operation unknown | reject invokeProblem 1 `unrecognisedOperation` |
 * | argument missing / mistyped | reject invokeProblem 2 `argumentMissing` / `mistypedArgument` |
 * | operationID 0 and no name | drop (as the C++ server does) |
 * | invokeID 99999, or an event-kind operation | never a reply: `event`, or `drop` if undecodable |
 * | result / error / reject | `response` (or `drop` if undecodable) |
 *
 * Operation lookup: `operationID` if it is not 0, otherwise `operationName`.
 */
export function decideInbound<D extends OperationDescriptor>(
  input: unknown,
  resolve: (idOrName: number | string) => D | undefined,
  /** When given: an invoke it says no to is rejected `functionMissing` before its argument is decoded. */
  isImplemented?: (name: string) => boolean,
): InboundDecision<D> {
  let message: RoseMessage;
  try {
    message = decodeRose(input);
  } catch (error) {
    if (!(error instanceof RoseDecodeError)) throw error;
    if (error.messageKind !== null && error.messageKind !== 'invoke') {
      return { type: 'drop', reason: 'response-undecodable', error };
    }
    if (error.isEvent) return { type: 'drop', reason: 'event-undecodable', error };
    const reply = buildReject(
      { invokeID: error.invokeID },
      { problem: { invokeProblem: InvokeProblem.mistypedArgument }, details: error.details },
    );
    return { type: 'reject', reply, error };
  }
  if (message.kind !== 'invoke') return { type: 'response', message };

  const invoke = message;
  const isEventId = invoke.invokeID === EVENT_INVOKE_ID;
  const target: ReplyTarget = { invokeID: invoke.invokeID === 0 ? null : invoke.invokeID, sessionID: invoke.sessionID };

  if (invoke.operationID === 0 && invoke.operationName === undefined) return { type: 'drop', reason: 'no-operation', invoke };
  const operation = invoke.operationID !== 0 ? resolve(invoke.operationID) : resolve(invoke.operationName as string);
  if (operation === undefined) {
    const error = new UnknownOperationError(invoke.operationID, invoke.operationName, invoke.invokeID);
    if (isEventId) return { type: 'drop', reason: 'event-undecodable', error, invoke };
    return { type: 'reject', reply: buildReject(target, RejectReasons.unrecognisedOperation), error, invoke };
  }

  if (operation.kind === 'event') {
    if (operation.direction === 'server-to-client') return { type: 'drop', reason: 'unexpected-direction', invoke };
    const argument = decodeOperationArgument(operation, invoke.argument);
    if (!argument.ok) return { type: 'drop', reason: 'event-undecodable', error: argument.error, invoke };
    return { type: 'event', invoke, operation, argument: argument.value };
  }

  if (operation.direction === 'server-to-client') {
    const error = new UnknownOperationError(invoke.operationID, invoke.operationName, invoke.invokeID);
    if (isEventId) return { type: 'drop', reason: 'unexpected-direction', error, invoke };
    return { type: 'reject', reply: buildReject(target, RejectReasons.unrecognisedOperation), error, invoke };
  }
  if (isImplemented && !isImplemented(operation.name)) {
    // known but without a handler here: the argument does not matter, the answer is "not here"
    const error = new UnknownOperationError(invoke.operationID, invoke.operationName ?? operation.name, invoke.invokeID);
    if (isEventId) return { type: 'drop', reason: 'event-undecodable', error, invoke };
    return { type: 'reject', reply: buildReject(target, RejectReasons.functionMissing), error, invoke };
  }
  const argument = decodeOperationArgument(operation, invoke.argument, !isEventId);
  if (!argument.ok) {
    if (isEventId) return { type: 'drop', reason: 'event-undecodable', error: argument.error, invoke };
    const reason = argument.error.missing ? RejectReasons.argumentMissing : RejectReasons.mistypedArgument;
    return { type: 'reject', reply: buildReject(target, reason), error: argument.error, invoke };
  }
  return { type: 'invoke', invoke, operation, argument: argument.value, replyExpected: !isEventId };
}
