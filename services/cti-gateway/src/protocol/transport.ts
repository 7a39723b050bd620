/**
 * Operations of `ENetUC_Transport.asn1` (UC-Server-Access-Protocol-Transport) in the subset.
 */
import type { z } from 'zod';
import { asnNull, asnSequence } from '../codec/estosJson.ts';
import { defineEvent, defineInvoke } from './operation.ts';

export const AsnStartTLSArgument = asnSequence('AsnStartTLSArgument', {});
export type AsnStartTLSArgument = z.infer<typeof AsnStartTLSArgument>;

export const AsnStartTLSResult = asnSequence('AsnStartTLSResult', {});
export type AsnStartTLSResult = z.infer<typeof AsnStartTLSResult>;

/** Switch the TCP connection to TLS; the result is sent in clear, then the TLS handshake follows. */
export const asnStartTLS = defineInvoke({
  id: 1103,
  name: 'asnStartTLS',
  module: 'Transport',
  argument: AsnStartTLSArgument,
  result: AsnStartTLSResult,
});

/** `{ dummy NULL }`; the TS SDK sends `{"dummy":null}` every 5 s. */
export const AsnTransportKeepAliveArgument = asnSequence('AsnTransportKeepAliveArgument', {
  dummy: asnNull,
});
export type AsnTransportKeepAliveArgument = z.infer<typeof AsnTransportKeepAliveArgument>;

/** Client keep-alive; accept silently, never answer. */
export const asnTransportKeepAlive = defineEvent({
  id: 1706,
  name: 'asnTransportKeepAlive',
  module: 'Transport',
  direction: 'client-to-server',
  argument: AsnTransportKeepAliveArgument,
});
