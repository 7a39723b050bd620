// Contract of the MediaClient.
import type { BusClient, Logger } from '@ucserver/shared';
import type { PbxAdapterMetrics } from '../http/metrics.ts';

export interface MediaClientOptions {
  bus: BusClient;
  logger: Logger;
  metrics: PbxAdapterMetrics;
  /** Timeout of one command; default the bus default (BUS_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
}
