// Contract of LineRegistration: one line's binding at its registrar.
import type { LineConfig, LineRegistrationState, Logger } from '@ucserver/shared';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { Clock } from '../sip/mod.ts';
import type { BackoffOptions } from './backoff.ts';
import type { RegisterQueue } from './RegisterQueue.ts';

export interface LineRegistrationOptions {
  line: LineConfig;
  endpoint: SipEndpoint;
  /** Requested binding lifetime (SIP_REGISTER_EXPIRES_S). */
  expiresS: number;
  /** Retry delays after failures (SIP_REGISTER_RETRY_MIN_MS / _MAX_MS). */
  retry: BackoffOptions;
  /** Shared bound of REGISTERs in flight. */
  queue: RegisterQueue;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  /** Timer source; default the system clock (node:test mock.timers applies). */
  clock?: Clock | undefined;
  /** Jitter source of retry and refresh delays; default Math.random. */
  random?: (() => number) | undefined;
}

export type LineRegistrationEvents = {
  /** The status (or the SIP status / reason of a failure) changed. */
  state: [state: LineRegistrationState];
};

/** Why a registration attempt failed, as a bounded metrics label. */
export type RegisterFailureReason = 'auth' | 'timeout' | 'transport' | '3xx' | '4xx' | '5xx' | '6xx' | 'config' | 'unreachable';
