// Contract of RegistrarKeepalive: OPTIONS pings to one registrar.
import type { Logger } from '@ucserver/shared';
import type { LineAddress } from '../userAgent/lineAddress.ts';
import type { SipEndpoint } from '../userAgent/SipEndpoint.ts';
import type { PbxAdapterMetrics } from '../http/metrics.ts';
import type { Clock } from '../sip/mod.ts';

export interface RegistrarKeepaliveOptions {
  /** The registrar (any line's address at it). */
  address: LineAddress;
  endpoint: SipEndpoint;
  /** Time between the end of one OPTIONS and the next (SIP_OPTIONS_INTERVAL_S). */
  intervalMs: number;
  /** An OPTIONS without a final response after this long counts as failed; default min(interval, 32 s). */
  timeoutMs?: number | undefined;
  /** The registrar is down after this many OPTIONS in a row went unanswered (the next sent at once); default 2. */
  downAfter?: number | undefined;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  clock?: Clock | undefined;
}

export type RegistrarKeepaliveEvents = {
  /** `downAfter` OPTIONS in a row got no answer (timeout or transport error) while the registrar was considered up. */
  down: [reason: string];
  /** The registrar answered again after being down: it may have restarted and lost its bindings. */
  up: [];
};
