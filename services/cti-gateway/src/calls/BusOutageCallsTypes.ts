// Contract of BusOutageCalls: what the gateway does with its calls when its own bus stays down too long.
import type { BusOutageGuardEvents, Logger } from '@ucserver/shared';
import type { PbxDropReason } from '../bus/PbxClientTypes.ts';
import type { CallRegistry } from './CallRegistry.ts';

export interface BusOutageCallsOptions {
  /** The gateway's BusOutageGuard (BUS_OUTAGE_GRACE_MS). */
  outage: {
    on<E extends keyof BusOutageGuardEvents>(event: E, listener: (...args: BusOutageGuardEvents[E]) => void): unknown;
    off<E extends keyof BusOutageGuardEvents>(event: E, listener: (...args: BusOutageGuardEvents[E]) => void): unknown;
  };
  /** The live call table: a call ended here reaches the CTI monitors and the softphones like any end. */
  calls: Pick<CallRegistry, 'list' | 'applyCallEvent'>;
  /**
   * Whether this gateway run owns the call (OwnedCalls); only those are dropped at the adapter after the
   * outage — another gateway's calls went on while only our connection was down. Default: every call.
   */
  owns?: ((callId: string) => boolean) | undefined;
  /** Once the bus is back, the calls ended meanwhile are dropped at the pbx-adapter too (if it still has them). */
  pbx: { drop(callId: string, reason: PbxDropReason): Promise<void> };
  /**
   * Reconciles the journal with the pbx-adapter (JournalReconciler.run), `reconcileAfterMs` after the bus
   * came back from an outage past the grace: rows of calls nobody carries any more, whose 'disconnected'
   * never arrived (an outage so long that the adapter gave up storing it), are closed with cause 'lost'.
   */
  reconcile?: (() => Promise<unknown>) | undefined;
  /** Default DEFAULT_SETTLE_MS: the others reconnect and store their events first. */
  reconcileAfterMs?: number | undefined;
  logger: Logger;
  /** Clock (ms since epoch). Default `Date.now`. */
  now?: (() => number) | undefined;
}
