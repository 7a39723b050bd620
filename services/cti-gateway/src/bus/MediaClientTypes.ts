// Contract of the MediaClient.
import type { BusClient, Logger } from '@ucserver/shared';

export interface MediaClientOptions {
  bus: BusClient;
  logger: Logger;
  /** Timeout of one command. Default the bus default (BUS_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
}
