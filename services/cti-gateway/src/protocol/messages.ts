/**
 * The typed face of the ROSE layer, bound to the operation registry:
 *
 * - {@link interpretInbound}: one inbound message → what to do (typed invoke/event with a decoded
 *   argument, a reject to send, a response to match, or a drop), following the §2 reply table.
 * - {@link buildResult}, {@link buildError}, {@link buildEvent}, {@link buildInvoke}: schema-checked
 *   outbound messages in canonical estos JSON with `_type` on the top-level ANY object. Serialize them with
 *   `serializeRose(message, 'tcp' | 'websocket')` and, on TCP, frame with `encodeFrame(text, encoding)`.
 */
import { z } from 'zod';
import { RoseEncodeError } from '../codec/errors.ts';
import { schemaIssues } from '../codec/estosJson.ts';
import { decideInbound, decodeOperationArgument, type InboundDecision } from '../codec/inbound.ts';
import {
  EVENT_INVOKE_ID,
  wrapError,
  wrapInvoke,
  wrapResult,
  type AnyObject,
  type RoseErrorWire,
  type RoseInvoke,
  type RoseInvokeWire,
  type RoseResultWire,
} from '../codec/rose.ts';
import { AsnRequestError } from './common.ts';
import {
  findOperation,
  operations,
  type AnyOperation,
  type ArgumentOf,
  type InboundEventName,
  type InvokeOperationName,
  type OperationName,
  type Operations,
  type OutboundEventName,
  type ResultOf,
} from './registry.ts';

/** An invoke to run, typed by operation name (`switch (action.name)` narrows `argument`). */
export type InboundInvoke = {
  [N in InvokeOperationName]: {
    type: 'invoke';
    name: N;
    operation: Operations[N];
    argument: ArgumentOf<N>;
    invoke: RoseInvoke;
    /** False when the client sent the invoke with invokeID 99999: run it, but send nothing back. */
    replyExpected: boolean;
  };
}[InvokeOperationName];

/** An event to process (never answered), typed by operation name. */
export type InboundEvent = {
  [N in InboundEventName]: {
    type: 'event';
    name: N;
    operation: Operations[N];
    argument: ArgumentOf<N>;
    invoke: RoseInvoke;
  };
}[InboundEventName];

/** Everything {@link interpretInbound} can answer. */
export type InboundAction =
  | InboundInvoke
  | InboundEvent
  | Extract<InboundDecision<AnyOperation>, { type: 'reject' | 'response' | 'drop' }>;

/**
 * Applies the §2 reply table to one inbound message: a J-frame/bare-JSON payload or WebSocket text
 * (string), or an already-parsed value (object or one-element array).
 *
 * - `invoke` → run the handler for `name`; reply with {@link buildResult} / {@link buildError} (or a
 *   reject such as `RejectReasons.functionMissing`) unless `replyExpected` is false.
 * - `event` → process; never reply.
 * - `reject` → send `reply` (already built), log `error`.
 * - `response` → a result/error/reject from the client: match a pending invoke of ours or log it.
 * - `drop` → send nothing; log `reason`.
 */
export function interpretInbound(input: unknown, options: { isImplemented?: (name: string) => boolean } = {}): InboundAction {
  const decision = decideInbound<AnyOperation>(input, (idOrName) => findOperation(idOrName), options.isImplemented);
  if (decision.type === 'invoke' || decision.type === 'event') {
    return { ...decision, name: decision.operation.name } as InboundAction;
  }
  return decision;
}

/**
 * Decodes an argument for a named operation (lenient input → canonical value).
 * @throws ArgumentError when it is missing or mistyped.
 */
export function decodeArgument<N extends OperationName>(name: N, raw: unknown): ArgumentOf<N> {
  const decoded = decodeOperationArgument(operations[name], raw);
  if (!decoded.ok) throw decoded.error;
  return decoded.value as ArgumentOf<N>;
}

/** Encodes a value with its schema to canonical wire JSON and puts `_type` first. */
function encodeTopLevel(schema: z.ZodType, typeName: string, value: unknown): AnyObject {
  const encoded = z.safeEncode(schema, value);
  if (!encoded.success) throw new RoseEncodeError(typeName, schemaIssues(encoded.error), { cause: encoded.error });
  return { _type: typeName, ...(encoded.data as AnyObject) };
}

/** Where a reply goes: the invoke it answers (its id and, if set, its sessionID are copied). */
export interface InvokeTarget {
  invokeID: number;
  sessionID?: string | undefined;
}

/**
 * `{"result":{"invokeID":n,"result":{"resultValue":0,"result":{"_type":"<ResultType>",…}}}}`.
 * @throws RoseEncodeError if `result` does not match the operation's result schema (a bug on our side).
 */
export function buildResult<N extends InvokeOperationName>(to: InvokeTarget, name: N, result: ResultOf<N>): RoseResultWire {
  const operation = operations[name];
  return wrapResult(to, encodeTopLevel(operation.result, operation.resultType, result));
}

/**
 * `{"error":{"invokedID":n,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":…,"u8sErrorString":…}}}`.
 * `error_value` is 0 as the C++ server sends (the TS SDK would write `iErrorDetail`; clients read the object).
 */
export function buildError(to: InvokeTarget, error: AsnRequestError, options: { errorValue?: number } = {}): RoseErrorWire {
  const typeName = 'AsnRequestError';
  return wrapError(to, encodeTopLevel(AsnRequestError, typeName, error), options.errorValue ?? 0);
}

/**
 * `{"invoke":{"invokeID":99999,"operationID":…,"operationName":…,"argument":{"_type":…,…}}}`.
 * @throws RoseEncodeError if `argument` does not match the event's schema.
 */
export function buildEvent<N extends OutboundEventName>(
  name: N,
  argument: ArgumentOf<N>,
  options: { sessionID?: string } = {},
): RoseInvokeWire {
  const operation = operations[name] as AnyOperation;
  return wrapInvoke(EVENT_INVOKE_ID, operation, encodeTopLevel(operation.argument, operation.argumentType, argument), options.sessionID);
}

/**
 * Any invoke (client side of the protocol, test peers): like {@link buildEvent} with a chosen invokeID.
 * @throws RoseEncodeError if `argument` does not match the operation's schema.
 */
export function buildInvoke<N extends OperationName>(
  invokeID: number,
  name: N,
  argument: ArgumentOf<N>,
  options: { sessionID?: string } = {},
): RoseInvokeWire {
  const operation = operations[name] as AnyOperation;
  return wrapInvoke(invokeID, operation, encodeTopLevel(operation.argument, operation.argumentType, argument), options.sessionID);
}

