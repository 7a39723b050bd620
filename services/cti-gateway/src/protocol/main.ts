/**
 * Operations of `ENetROSEInterface.asn1` (UC-Server-Access-Protocol-Main) in the subset.
 */
import type { z } from 'zod';
import { asnNull, asnSequence } from '../codec/estosJson.ts';
import { defineEvent, defineInvoke } from './operation.ts';

/** `{ dummy NULL }`. The value of `dummy` is ignored (the C++ peer writes `0`); we send `null`. */
export const AsnKeepAliveArgument = asnSequence('AsnKeepAliveArgument', {
  dummy: asnNull,
});
export type AsnKeepAliveArgument = z.infer<typeof AsnKeepAliveArgument>;

/** Client keep-alive; accept silently, never answer (even with an ordinary invokeID). */
export const asnKeepAlive = defineEvent({
  id: 100,
  name: 'asnKeepAlive',
  module: 'Main',
  direction: 'client-to-server',
  argument: AsnKeepAliveArgument,
});

export const AsnSubscribeServicesArgument = asnSequence('AsnSubscribeServicesArgument', {});
export type AsnSubscribeServicesArgument = z.infer<typeof AsnSubscribeServicesArgument>;

export const AsnSubscribeServicesResult = asnSequence('AsnSubscribeServicesResult', {});
export type AsnSubscribeServicesResult = z.infer<typeof AsnSubscribeServicesResult>;

/** "Start the services" after asnLoginV2 (a self-declared temporary helper of the ASN.1 module). */
export const asnSubscribeServices = defineInvoke({
  id: 703,
  name: 'asnSubscribeServices',
  module: 'Main',
  argument: AsnSubscribeServicesArgument,
  result: AsnSubscribeServicesResult,
});
