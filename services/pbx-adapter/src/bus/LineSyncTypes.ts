// Contract of LineSync.
import type { BusClient, Logger, SealingKey } from '@ucserver/shared';
import type { Registrations } from '../registration/Registrations.ts';

export interface LineSyncOptions {
  bus: BusClient;
  registrations: Pick<Registrations, 'apply' | 'upsert' | 'remove' | 'refuse'>;
  /** LINE_CREDENTIALS_KEY: opens each line's sealed SIP password. */
  credentialsKey: SealingKey;
  logger: Logger;
  /** Full resync interval; default 5 min. */
  resyncIntervalMs?: number | undefined;
  /** Retry delays of the list request while the gateway does not answer; default 500 ms .. 10 s. */
  retryMinMs?: number | undefined;
  retryMaxMs?: number | undefined;
}
