/**
 * How an operation of the subset is defined: one frozen object per operation with its id, name, ASN.1
 * module, kind, direction and the zod schemas of argument and (for invokes) result. The ASN.1 type
 * names used for `_type` come from the schemas themselves (`asnSequence`/`asnChoice`).
 */
import type { z } from 'zod';
import { asnTypeNameOf } from '../codec/estosJson.ts';
import type { OperationDirection } from '../codec/inbound.ts';

export type { OperationDirection } from '../codec/inbound.ts';

/** ASN.1 module an operation is declared in (`ENetROSEInterface.asn1` is "Main"). */
export type AsnModule = 'Main' | 'Auth' | 'Transport' | 'CTI' | 'AV' | 'Journal' | 'PresenceV2' | 'ClientCapabilities' | 'ClientContent';

/** An operation with RESULT: answered with result, error (AsnRequestError) or reject. */
export interface InvokeOperation<
  N extends string = string,
  A extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  D extends OperationDirection = OperationDirection,
> {
  readonly kind: 'invoke';
  readonly id: number;
  readonly name: N;
  readonly module: AsnModule;
  readonly direction: D;
  readonly argument: A;
  /** ASN.1 type name of the argument (`_type` when we send it). */
  readonly argumentType: string;
  readonly result: R;
  /** ASN.1 type name of the result (`_type` in our result). */
  readonly resultType: string;
}

/** An operation without RESULT: sent with invokeID 99999 and never answered. */
export interface EventOperation<
  N extends string = string,
  A extends z.ZodType = z.ZodType,
  D extends OperationDirection = OperationDirection,
> {
  readonly kind: 'event';
  readonly id: number;
  readonly name: N;
  readonly module: AsnModule;
  readonly direction: D;
  readonly argument: A;
  readonly argumentType: string;
}

function typeNameOf(schema: z.ZodType, what: string, operation: string): string {
  const name = asnTypeNameOf(schema);
  if (name === undefined) throw new TypeError(`${operation}: ${what} schema has no ASN.1 type name (use asnSequence/asnChoice)`);
  return name;
}

/** Defines an invoke-kind operation (all invokes of the subset are client-to-server). */
export function defineInvoke<const N extends string, A extends z.ZodType, R extends z.ZodType>(def: {
  id: number;
  name: N;
  module: AsnModule;
  argument: A;
  result: R;
}): InvokeOperation<N, A, R, 'client-to-server'> {
  return Object.freeze({
    kind: 'invoke',
    id: def.id,
    name: def.name,
    module: def.module,
    direction: 'client-to-server',
    argument: def.argument,
    argumentType: typeNameOf(def.argument, 'argument', def.name),
    result: def.result,
    resultType: typeNameOf(def.result, 'result', def.name),
  });
}

/** Defines an event-kind operation. */
export function defineEvent<const N extends string, A extends z.ZodType, const D extends OperationDirection>(def: {
  id: number;
  name: N;
  module: AsnModule;
  direction: D;
  argument: A;
}): EventOperation<N, A, D> {
  return Object.freeze({
    kind: 'event',
    id: def.id,
    name: def.name,
    module: def.module,
    direction: def.direction,
    argument: def.argument,
    argumentType: typeNameOf(def.argument, 'argument', def.name),
  });
}
