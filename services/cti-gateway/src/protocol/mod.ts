/**
 * Public surface of the ENetUC protocol subset: one definition per operation (id, name, kind, direction,
 * argument/result schemas), the registry, the typed inbound interpreter and outbound builders, and every
 * structure and enumeration, organised by ASN.1 module.
 *
 * Typical use by a session:
 * ```ts
 * const action = interpretInbound(frame.text);
 * switch (action.type) {
 *   case 'invoke': {            // action.name narrows action.argument
 *     const reply = await run(action);  // buildResult(action.invoke, action.name, result) or buildError(...)
 *     if (action.replyExpected) send(serializeRose(reply, 'tcp'));
 *     break;
 *   }
 *   case 'reject': send(serializeRose(action.reply, 'tcp')); break;
 *   case 'event': case 'response': case 'drop': …
 * }
 * ```
 * Schemas and types share their ASN.1 names (`AsnCtiMakeCallArgument` is both the zod schema and
 * `z.infer` of it). Decoding (`schema.parse`) is lenient; encoding (`buildResult` & co.) is canonical.
 */

// ASN.1 modules: structures, enumerations and operation definitions
export * from './common.ts';
export * from './contact.ts';
export * from './main.ts';
export * from './auth.ts';
export * from './transport.ts';
export * from './cti.ts';
export * from './ctiConference.ts';
export * from './av.ts';
export * from './journal.ts';
export * from './presence.ts';
export * from './capabilities.ts';
export * from './clientContent.ts';
export * from './ucsAv.ts';

// operation model and registry
export { defineEvent, defineInvoke } from './operation.ts';
export type { AsnModule, EventOperation, InvokeOperation } from './operation.ts';
export { findOperation, isInvokeOperation, isOperationName, operations, ReservedOperationIds } from './registry.ts';
export type {
  AnyOperation,
  ArgumentOf,
  EventHandlers,
  EventOperationName,
  InboundEventName,
  InvokeHandlers,
  InvokeOperationName,
  OperationName,
  Operations,
  OutboundEventName,
  ResultOf,
  WireArgumentOf,
} from './registry.ts';

// typed inbound/outbound messages
export { buildError, buildEvent, buildInvoke, buildResult, decodeArgument, interpretInbound } from './messages.ts';
export type { InboundAction, InboundEvent, InboundInvoke, InvokeTarget } from './messages.ts';
