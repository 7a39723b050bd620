// Contract of Registrations: every configured line and its registration.
import type { LineRegistrationState, Logger } from '@ucserver/shared';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { Clock } from '../sip/mod.ts';

export interface RegistrationsOptions {
  endpoint: SipEndpoint;
  /** SIP_REGISTER_EXPIRES_S. */
  expiresS: number;
  /** SIP_REGISTER_RETRY_MIN_MS / _MAX_MS. */
  retryMinMs: number;
  retryMaxMs: number;
  /** SIP_OPTIONS_INTERVAL_S; 0 disables the keepalive. */
  optionsIntervalS: number;
  /** REGISTER exchanges (challenge included) in flight at most; default 64. */
  concurrency?: number | undefined;
  /** Bound of the un-registrations when a line is removed or disabled; default 2000 ms. */
  unregisterTimeoutMs?: number | undefined;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
}

export type RegistrationsEvents = {
  /** A line's registration state changed (publish it). */
  state: [state: LineRegistrationState];
  /** The set of registrar hosts (names or IPs, as configured) of the lines with a registration changed. */
  registrars: [hosts: string[]];
};
