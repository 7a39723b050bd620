// Contract of the JournalReconciler.
import type { Logger } from '@ucserver/shared';
import type { CallRow } from '@ucserver/shared/db';
import type { PbxClient } from '../bus/PbxClient.ts';
import type { CallRegistry } from '../calls/CallRegistry.ts';
import type { JournalWriter } from './JournalWriter.ts';

export interface JournalReconcilerOptions {
  pbx: Pick<PbxClient, 'listCalls'>;
  writer: Pick<JournalWriter, 'backlog' | 'closeLost'>;
  /** The gateway's live call table, rebuilt from the adapter's list (admin API, CTI snapshots). */
  calls: Pick<CallRegistry, 'applyCallEvent'>;
  logger: Logger;
  /** Retry delays while the adapter does not answer (ms). Default 500 .. 10 000. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long to let the journal consumer catch up with the stream before closing rows (ms). Default 10 000. */
  catchUpMs?: number;
  now?: () => number;
}

export interface JournalReconcileReport {
  /** Calls the pbx-adapter carries. */
  live: number;
  /** Journal rows closed as lost. */
  closed: CallRow[];
}
